"""The discover and metadata hosts: watchlists, search, user state and scrobbles."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from library.simulators.plextv import (
    AMELIE,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    SEVERANCE,
    SHOGUN,
    PlexTVSimulator,
    sample_account,
    second_account,
)
from library.simulators.plextv.catalogue import ARRIVAL, PADDINGTON_2, SPIRITED_AWAY
from library.tests.plextv_sim.helpers import XML, Reply, call, plex_error, signed_in, with_token

WATCHLIST = "/library/sections/watchlist/all"
USER_STATE = f"/library/metadata/{SEVERANCE}/userState"
SAMPLE = [DUNE_2021, SEVERANCE, AMELIE]
type Send = Callable[..., Awaitable[Reply]]


def keys(items: list[dict[str, Any]]) -> list[str]:
    """Return the ratingKeys of items."""
    return [item["ratingKey"] for item in items]


@pytest.fixture
async def send(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> Send:
    """Return a signed-in request of a URL (a path: on the discover host), with a query."""
    headers = with_token(await signed_in(session, plextv))

    async def send(
        url: str, extra: dict[str, str] | None = None, method: str = "GET", **query: str
    ) -> Reply:
        url = url if url.startswith("http") else plextv.discover_url + url
        return await call(session, method, url, headers=headers | (extra or {}), params=query)

    return send


async def test_hosts(plextv: PlexTVSimulator, send: Send) -> None:
    """Each host serves its own routes only; the log says which host a request hit."""
    assert len({plextv.url, plextv.discover_url, plextv.metadata_url}) == 3
    plextv.requests.clear()
    urls = [WATCHLIST, plextv.metadata_url + USER_STATE, plextv.url + WATCHLIST, "/api/v2/user"]
    assert [(await send(url)).status for url in urls] == [200, 200, 404, 404]
    assert [r.host for r in plextv.requests] == ["discover", "metadata", "plex.tv", "discover"]


async def test_watchlists(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, send: Send
) -> None:
    """Each account's watchlist, newest first, in pages, in JSON or XML."""
    status, body, answered = await send(WATCHLIST)
    container = body["MediaContainer"]
    assert (status, keys(container["Metadata"]), answered["ETag"][0]) == (200, SAMPLE, '"')
    assert (container["totalSize"], container["size"], container["offset"]) == (3, 3, 0)
    dune = container["Metadata"][0]
    assert (dune["guid"], dune["watchlistedAt"]) == (f"plex://movie/{DUNE_2021}", 1764000000)
    assert "popularity" not in dune
    page = (
        await send(WATCHLIST, **{"X-Plex-Container-Start": "1", "X-Plex-Container-Size": "1"})
    ).body
    assert (keys(page["MediaContainer"]["Metadata"]), page["MediaContainer"]["totalSize"]) == (
        [SEVERANCE],
        3,
    )
    wrong = await send(WATCHLIST, **{"X-Plex-Container-Size": "many"})
    assert wrong.status == 400
    plex_error(wrong.body, 400, 400)
    second = with_token(await signed_in(session, plextv, second_account()["uuid"]))
    body = (await call(session, "GET", plextv.discover_url + WATCHLIST, headers=second)).body
    assert keys(body["MediaContainer"]["Metadata"]) == [PADDINGTON_2]
    text = (await send(WATCHLIST, XML)).body
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer librarySec')
    assert f'ratingKey="{DUNE_2021}"' in text


async def test_etag_and_changes(plextv: PlexTVSimulator, send: Send) -> None:
    """The ETag follows the content (304 while it matches); an item goes on top once, or off."""
    etag = (await send(WATCHLIST)).headers["ETag"]
    reply = await send(WATCHLIST, {"If-None-Match": etag})
    assert (reply.status, reply.headers["ETag"], reply.body) == (304, etag, None)
    assert (await send(WATCHLIST, {"If-None-Match": '"other"'})).status == 200
    assert (await send(WATCHLIST, **{"X-Plex-Container-Size": "1"})).headers["ETag"] != etag
    before = int(datetime.now(UTC).timestamp())
    add, remove = "/actions/addToWatchlist", "/actions/removeFromWatchlist"
    for action, key in [(add, ARRIVAL), (add, ARRIVAL), (remove, DUNE_2021), (remove, DUNE_2021)]:
        assert (await send(action, method="PUT", ratingKey=key)).status == 200
    assert keys(plextv.watchlist_of()) == [ARRIVAL, SEVERANCE, AMELIE]
    assert plextv.watchlist_of()[0]["watchlistedAt"] >= before
    assert (await send(WATCHLIST, {"If-None-Match": etag})).status == 200
    for action in (add, remove):
        assert (await send(action, method="PUT", ratingKey="f" * 24)).status == 404


async def test_search(send: Send) -> None:
    """Exact titles first, then by popularity; accents, case and word order do not matter."""

    async def search(query: str, **params: str) -> list[str]:
        status, body, _ = await send("/library/search", query=query, **params)
        plex, external = body["MediaContainer"]["SearchResults"]
        assert (status, plex["id"], external["id"]) == (200, "plex", "external")
        hits = external["SearchResult"]
        assert external["size"] == len(hits) == body["MediaContainer"]["size"]
        assert [hit["score"] for hit in hits] == sorted(
            (hit["score"] for hit in hits), reverse=True
        )
        return [hit["Metadata"]["ratingKey"] for hit in hits]

    assert await search("dune") == [DUNE_2021, DUNE_1984, DUNE_PART_TWO]
    for query, found in (
        ("AMÉLIE", AMELIE),
        ("destin amelie", AMELIE),
        ("千と千尋", SPIRITED_AWAY),
    ):
        assert await search(query) == [found]
    assert (await search("dune part"), await search("shogun")) == ([DUNE_PART_TWO], [SHOGUN])
    assert (await search("  "), len(await search("dune", limit="2"))) == ([], 2)
    assert (await send("/library/search", query="x", limit="all")).status == 400


async def test_user_state_and_scrobble(plextv: PlexTVSimulator, send: Send) -> None:
    """A scrobble marks watched and leaves the item on the watchlist."""
    state_url, scrobble = (
        plextv.metadata_url + USER_STATE,
        plextv.metadata_url + "/actions/scrobble",
    )
    state = (await send(state_url)).body["MediaContainer"]["UserState"]
    expected = {"ratingKey": SEVERANCE, "type": "show", "viewCount": 0, "viewOffset": 0}
    assert state == expected | {"watchlistedAt": 1763500000}
    library = "com.plexapp.plugins.library"
    assert [(await send(scrobble, key=SEVERANCE, identifier=library)).status for _ in "12"] == [
        200,
        200,
    ]
    state = (await send(state_url)).body["MediaContainer"]["UserState"]
    assert (state["viewCount"], state["viewState"], state["watchlistedAt"]) == (
        2,
        "complete",
        1763500000,
    )
    assert isinstance(state["lastViewedAt"], int)
    assert plextv.user_state_of(SEVERANCE, second_account()["uuid"])["viewCount"] == 0
    assert "watchlistedAt" not in plextv.user_state_of(ARRIVAL)
    missing = f"{plextv.metadata_url}/library/metadata/{'f' * 24}/userState"
    assert (await send(missing)).status == (await send(scrobble, identifier=library)).status == 404


def test_watchlist_api() -> None:
    """Watchlists by account through the Python API, and their errors."""
    sim = PlexTVSimulator()
    assert keys(sim.watchlist_of()) == SAMPLE
    assert (sim.add_to_watchlist(ARRIVAL), sim.add_to_watchlist(ARRIVAL)) == (True, False)
    assert (sim.remove_from_watchlist(ARRIVAL), sim.remove_from_watchlist(ARRIVAL)) == (True, False)
    for wrong in (
        lambda: sim.add_to_watchlist("unknown"),
        lambda: sim.watchlist_of("nobody"),
        lambda: sim.set_watchlist([ARRIVAL, "unknown"]),
    ):
        with pytest.raises(KeyError):
            wrong()
    assert keys(sim.watchlist_of()) == SAMPLE
    sim.set_watchlist([ARRIVAL, SEVERANCE, ARRIVAL], "jamiewatches")
    arrival, severance = sim.watchlist_of("jamiewatches")
    assert (arrival["ratingKey"], severance["ratingKey"]) == (ARRIVAL, SEVERANCE)
    assert arrival["watchlistedAt"] > severance["watchlistedAt"]
    sim.add_account(sample_account() | {"uuid": "new-account", "username": "newcomer"})
    assert sim.watchlist_of("newcomer") == []
