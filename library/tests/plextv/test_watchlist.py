"""The watchlist, the catalogue search and what the account watched: Plex's other hosts."""

import json
import logging

import pytest
from aioplexaccount import (
    PlexAuthenticationError,
    PlexConnectionError,
    PlexError,
    PlexRateLimitError,
    PlexResponseError,
    PlexTVClient,
    Watchlist,
)

from library.simulators.plextv import PlexTVSimulator, second_account
from library.simulators.plextv.catalogue import (
    AMELIE,
    ARRIVAL,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    PADDINGTON_2,
    SEVERANCE,
)
from library.tests.builders import item_json, page_json
from library.tests.pms.server import closed_port

from .test_client import sent

WATCHLIST = "/library/sections/watchlist/all"
ALWAYS = 1_000_000
ETAG = {"ETag": '"first-page"'}


def page(*items: str | dict[str, object], **changes: object) -> str:
    """Return a watchlist page of these items (a rating key, or an entry), as a body."""
    entries = [item_json(ratingKey=item) if isinstance(item, str) else item for item in items]
    return json.dumps(page_json(entries, **changes))


def keys(watchlist: Watchlist | None) -> list[str]:
    """Return the rating keys of a watchlist read, in order."""
    assert watchlist is not None
    return [item.rating_key for item in watchlist.items]


def starts(plextv: PlexTVSimulator) -> list[str]:
    """Return where each page read of the watchlist started."""
    return [r.query["X-Plex-Container-Start"] for r in plextv.requests_to(WATCHLIST)]


async def test_watchlist(client: PlexTVClient, plextv: PlexTVSimulator, token: str) -> None:
    """The watchlist is read newest first from the discover host, with the token."""
    plextv.requests.clear()
    watchlist = await client.watchlist()
    assert keys(watchlist) == [DUNE_2021, SEVERANCE, AMELIE]
    assert watchlist is not None
    assert (watchlist.total_size, watchlist.etag is not None) == (3, True)
    [request] = plextv.requests
    assert (request.host, request.method, request.path) == ("discover", "GET", WATCHLIST)
    assert request.query == {
        "includeCollections": "1",
        "includeExternalMedia": "1",
        "sort": "watchlistedAt:desc",
        "X-Plex-Container-Start": "0",
        "X-Plex-Container-Size": "100",
    }
    sent(request.headers, token)
    # Each account reads its own.
    pin = await client.create_pin()
    client.token = plextv.approve(pin.code, second_account()["uuid"])
    assert keys(await client.watchlist()) == [PADDINGTON_2]


async def test_pages_and_etag(client: PlexTVClient, plextv: PlexTVSimulator, token: str) -> None:
    """Pages are read until totalSize; If-None-Match goes with the first page only.

    An unchanged watchlist costs one request and reads as None; so does an empty one, read.
    """
    first = await client.watchlist(page_size=2)
    assert first is not None
    assert first.etag is not None
    plextv.requests.clear()
    assert await client.watchlist(etag=first.etag, page_size=2) is None
    assert len(plextv.requests) == 1
    plextv.add_to_watchlist(ARRIVAL)
    plextv.requests.clear()
    changed = await client.watchlist(etag=first.etag, page_size=2)
    assert keys(changed) == [ARRIVAL, DUNE_2021, SEVERANCE, AMELIE]
    assert changed is not None
    assert changed.etag not in {None, first.etag}
    first_page, second_page = plextv.requests_to(WATCHLIST)
    assert starts(plextv) == ["0", "2"]
    assert first_page.headers["If-None-Match"] == first.etag
    assert "If-None-Match" not in second_page.headers
    with pytest.raises(ValueError, match="page_size must be at least 1"):
        await client.watchlist(page_size=0)
    plextv.set_watchlist([])
    plextv.requests.clear()
    empty = await client.watchlist()
    assert empty is not None
    assert (empty.items, empty.total_size, len(plextv.requests)) == ((), 0, 1)


@pytest.mark.parametrize(
    ("bodies", "expected", "whole"),
    [
        # Without totalSize, the first page is the whole list.
        ([page("a", "b", totalSize=None)], (["a", "b"], 2), True),
        # An entry that cannot be read is skipped; the next page starts after it.
        ([page({"ratingKey": 1}, "b", totalSize=3), page("c", totalSize=3)], (["b", "c"], 3), True),
        # A short watchlist page: shorter than totalSize says, an empty page ends the read.
        ([page("a", totalSize=3), page(totalSize=3)], (["a"], 3), False),
        # The same item on two pages (the list moved while read) is kept once.
        ([page("a", "b", totalSize=4), page("b", "c", totalSize=4)], (["a", "b", "c"], 4), False),
        # totalSize changed between pages.
        ([page("a", totalSize=2), page("b", totalSize=3)], (["a", "b"], 2), False),
    ],
)
async def test_page_answers(  # noqa: PLR0913, PLR0917
    client: PlexTVClient,
    plextv: PlexTVSimulator,
    token: str,
    bodies: list[str],
    expected: tuple[list[str], int],
    whole: bool,
) -> None:
    """A read that was short or changed while read keeps no ETag: it would hide the rest."""
    for body in bodies:
        plextv.add_fault(WATCHLIST, body=body, headers=ETAG)
    watchlist = await client.watchlist(page_size=2)
    assert watchlist is not None
    assert (keys(watchlist), watchlist.total_size) == expected
    assert watchlist.etag == (ETAG["ETag"] if whole else None)
    assert len(plextv.requests_to(WATCHLIST)) == len(bodies)


async def test_endless_pages(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Pages that never reach totalSize are read a hundred times at most."""
    caplog.set_level(logging.DEBUG)
    plextv.add_fault(WATCHLIST, body=page("a", totalSize=10**9), count=ALWAYS, headers=ETAG)
    watchlist = await client.watchlist(page_size=1)
    assert watchlist is not None
    assert (keys(watchlist), watchlist.etag) == (["a"], None)
    assert len(plextv.requests_to(WATCHLIST)) == 100
    assert "after 100 pages" in caplog.text


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"MediaContainer": []}', page(totalSize=-1), page({"title": "x"})],
)
async def test_malformed_watchlist(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str, body: str
) -> None:
    """A watchlist page that cannot be read is a response error."""
    plextv.add_fault(WATCHLIST, body=body)
    with pytest.raises(PlexResponseError):
        await client.watchlist()


async def test_search(client: PlexTVClient, plextv: PlexTVSimulator, token: str) -> None:
    """The catalogue's hits come in Plex's order, best first; accents and case do not matter."""
    plextv.requests.clear()
    results = await client.search_catalogue("dune")
    assert [hit.item.rating_key for hit in results] == [DUNE_2021, DUNE_1984, DUNE_PART_TWO]
    # Best first, and every hit scored (a None would differ from the 0 it sorts as).
    assert [h.score for h in results] == sorted((h.score or 0 for h in results), reverse=True)
    [request] = plextv.requests
    assert (request.host, request.path) == ("discover", "/library/search")
    assert request.query == {
        "query": "dune",
        "limit": "30",
        "searchTypes": "movies,tv",
        "searchProviders": "discover",
        "includeMetadata": "1",
    }
    [amelie] = await client.search_catalogue("AMELIE")
    assert amelie.item.title == "Amélie"
    assert len(await client.search_catalogue("dune", limit=1)) == 1
    assert plextv.requests[-1].query["limit"] == "1"
    assert await client.search_catalogue("no such title") == []


async def test_watchlist_actions(client: PlexTVClient, plextv: PlexTVSimulator, token: str) -> None:
    """Titles are added and taken off by ratingKey, with a PUT to the discover host."""
    plextv.requests.clear()
    await client.add_to_watchlist(ARRIVAL)
    await client.remove_from_watchlist(DUNE_2021)
    assert [item["ratingKey"] for item in plextv.watchlist_of()] == [ARRIVAL, SEVERANCE, AMELIE]
    add, remove = plextv.requests
    assert (add.host, add.method, add.path) == ("discover", "PUT", "/actions/addToWatchlist")
    assert (remove.method, remove.path) == ("PUT", "/actions/removeFromWatchlist")
    assert (add.query, remove.query) == ({"ratingKey": ARRIVAL}, {"ratingKey": DUNE_2021})


async def test_user_state_and_mark_watched(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str
) -> None:
    """What the account did comes from the metadata host; a scrobble marks it watched."""
    state = await client.user_state(SEVERANCE)
    assert state.on_watchlist
    assert (state.view_count, state.view_state, state.last_viewed_at) == (0, None, None)
    assert not (await client.user_state(ARRIVAL)).on_watchlist
    plextv.requests.clear()
    await client.mark_watched(SEVERANCE)
    [scrobble] = plextv.requests
    assert (scrobble.host, scrobble.method) == ("metadata", "GET")
    assert scrobble.path == "/actions/scrobble"
    assert scrobble.query == {"key": SEVERANCE, "identifier": "com.plexapp.plugins.library"}
    watched = await client.user_state(SEVERANCE)
    assert (watched.view_count, watched.view_state, watched.on_watchlist) == (1, "complete", True)
    [read] = plextv.requests_to("/library/metadata/", host="metadata")
    assert read.path == f"/library/metadata/{SEVERANCE}/userState"


async def test_rating_keys(client: PlexTVClient, plextv: PlexTVSimulator, token: str) -> None:
    """A ratingKey stays one path segment or query value; an empty one is never sent."""
    odd = "a/b?c=d e&f"
    plextv.library.add_items([item_json(ratingKey=odd)])
    await client.add_to_watchlist(odd)
    assert (await client.user_state(odd)).on_watchlist
    await client.mark_watched(odd)
    assert plextv.user_state_of(odd)["viewCount"] == 1
    plextv.requests.clear()
    calls = [client.add_to_watchlist, client.remove_from_watchlist]
    calls += [client.user_state, client.mark_watched]
    for call in calls:
        for rating_key in ("", "  "):
            with pytest.raises(ValueError, match="rating_key must be a non-empty string"):
                await call(rating_key)
    assert plextv.requests == []
    # A title Plex does not know is an answer not understood (not an expired pin).
    for call in calls:
        with pytest.raises(PlexResponseError, match="answered 404"):
            await call("ffffffffffffffffffffffff")


async def test_other_hosts_errors(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Errors of the discover and metadata hosts map as plex.tv's do, and name the host.

    Each host has its own rate limit; no line logs the token.
    """
    caplog.set_level(logging.DEBUG)
    faults: list[tuple[dict[str, object], type[PlexError], str]] = [
        ({"status": 401}, PlexAuthenticationError, "answered 401 to GET /library/sections"),
        ({"drop": True, "count": 2}, PlexConnectionError, "Could not reach Plex discover"),
    ]
    for fault, error, text in faults:
        plextv.add_fault(WATCHLIST, host="discover", **fault)  # type: ignore[arg-type]
        with pytest.raises(error, match=text):
            await client.watchlist()
    plextv.add_fault("/actions/", status=429, host="metadata")
    await client.add_to_watchlist(ARRIVAL)  # the discover host: not affected
    with pytest.raises(PlexRateLimitError, match="Plex metadata answered 429") as err:
        await client.mark_watched(ARRIVAL)
    assert err.value.retry_after is None
    plextv.add_fault("/library/metadata/", body='{"MediaContainer": {"UserState": []}}')
    with pytest.raises(PlexResponseError, match="user state"):
        await client.user_state(SEVERANCE)
    client.metadata_url = closed_port("127.0.0.1")
    with pytest.raises(PlexConnectionError, match="Could not reach Plex metadata"):
        await client.mark_watched(DUNE_2021)
    assert any("Plex metadata" in record.getMessage() for record in caplog.records)
    assert all(token not in record.getMessage() for record in caplog.records)
