"""The client's watchlist, search and user-state calls, over real HTTP to the simulator."""

import json
import logging
import re

import pytest
from aiohttp import ClientSession

from aioplexaccount import (
    DEFAULT_DISCOVER_URL,
    DEFAULT_METADATA_URL,
    MediaItem,
    PlexIdentity,
    PlexAuthenticationError,
    PlexTVClient,
    PlexConnectionError,
    PlexError,
    PlexRateLimitError,
    PlexResponseError,
    SearchResult,
    Watchlist,
)
from aioplexaccount import MAX_WATCHLIST_PAGES
from library.simulators.plextv import PlexTVSimulator, generated_items, second_account
from library.simulators.plextv.catalogue import (
    AMELIE,
    ARRIVAL,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    PADDINGTON_2,
    SEVERANCE,
)

from .test_client import EXPECTED_IDENTITY_HEADERS, sent_headers, sign_in

WATCHLIST = "/library/sections/watchlist/all"
ALWAYS = 1_000_000


def metadata(rating_key: str, title: str = "A Film") -> dict[str, object]:
    """Return a minimal Metadata object."""
    return {"ratingKey": rating_key, "type": "movie", "title": title}


def page_body(entries: list[object], total: int | None = None) -> str:
    """Return a watchlist page's JSON body."""
    inner: dict[str, object] = {"size": len(entries), "Metadata": entries}
    if total is not None:
        inner["totalSize"] = total
    return json.dumps({"MediaContainer": inner})


def search_body(groups: list[object]) -> str:
    """Return a search answer's JSON body."""
    return json.dumps({"MediaContainer": {"SearchResults": groups}})


# The watchlist


async def test_watchlist(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """The watchlist is read newest first from the discover host, with the token."""
    token = await sign_in(client, plextv)
    plextv.requests.clear()
    watchlist = await client.watchlist()
    assert isinstance(watchlist, Watchlist)
    assert [item.rating_key for item in watchlist.items] == [DUNE_2021, SEVERANCE, AMELIE]
    assert watchlist.total_size == 3
    assert watchlist.etag is not None
    dune = watchlist.items[0]
    assert dune == MediaItem(
        rating_key=DUNE_2021,
        guid=f"plex://movie/{DUNE_2021}",
        type="movie",
        title="Dune",
        year=2021,
        summary="Paul Atreides travels to the most dangerous planet in the universe.",
        thumb=f"/library/metadata/{DUNE_2021}/thumb",
        originally_available_at=dune.originally_available_at,
    )
    assert str(dune.originally_available_at) == "2021-10-22"
    assert watchlist.items[1].type == "show"
    assert watchlist.items[2].original_title == "Le Fabuleux Destin d'Amélie Poulain"
    [request] = plextv.requests
    assert request.host == "discover"
    assert request.method == "GET"
    assert request.path == WATCHLIST
    assert request.query == {
        "includeCollections": "1",
        "includeExternalMedia": "1",
        "sort": "watchlistedAt:desc",
        "X-Plex-Container-Start": "0",
        "X-Plex-Container-Size": "100",
    }
    assert sent_headers(request.headers) == EXPECTED_IDENTITY_HEADERS | {"X-Plex-Token": token}
    assert "If-None-Match" not in request.headers


async def test_watchlist_of_each_account(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Each account reads its own watchlist."""
    pin = await client.create_pin()
    client.token = plextv.approve(pin.code, second_account()["uuid"])
    watchlist = await client.watchlist()
    assert watchlist is not None
    assert [item.title for item in watchlist.items] == ["Paddington 2"]
    assert watchlist.items[0].rating_key == PADDINGTON_2


async def test_watchlist_pages(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Pages are read until totalSize; If-None-Match goes with the first page only."""
    await sign_in(client, plextv)
    first = await client.watchlist(page_size=2)
    assert first is not None
    plextv.add_to_watchlist(ARRIVAL)
    plextv.requests.clear()
    watchlist = await client.watchlist(etag=first.etag, page_size=2)
    assert watchlist is not None
    assert [item.rating_key for item in watchlist.items] == [ARRIVAL, DUNE_2021, SEVERANCE, AMELIE]
    assert watchlist.total_size == 4
    assert watchlist.etag not in {None, first.etag}
    pages = plextv.requests_to(WATCHLIST, host="discover")
    assert [page.query["X-Plex-Container-Start"] for page in pages] == ["0", "2"]
    assert [page.query["X-Plex-Container-Size"] for page in pages] == ["2", "2"]
    assert pages[0].headers["If-None-Match"] == first.etag
    assert "If-None-Match" not in pages[1].headers


async def test_watchlist_unchanged(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """An unchanged watchlist costs one request and yields None."""
    await sign_in(client, plextv)
    watchlist = await client.watchlist(page_size=1)
    assert watchlist is not None
    assert len(plextv.requests_to(WATCHLIST)) == 3
    plextv.requests.clear()
    assert await client.watchlist(etag=watchlist.etag, page_size=1) is None
    assert len(plextv.requests_to(WATCHLIST)) == 1
    plextv.remove_from_watchlist(AMELIE)
    again = await client.watchlist(etag=watchlist.etag, page_size=1)
    assert again is not None
    assert [item.rating_key for item in again.items] == [DUNE_2021, SEVERANCE]


async def test_watchlist_empty(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """An empty watchlist is one request and no items."""
    await sign_in(client, plextv)
    plextv.set_watchlist([])
    plextv.requests.clear()
    watchlist = await client.watchlist()
    assert watchlist is not None
    assert watchlist.items == ()
    assert watchlist.total_size == 0
    assert len(plextv.requests) == 1


async def test_watchlist_large(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A 250-item watchlist is read in three pages of 100."""
    await sign_in(client, plextv)
    items = generated_items(250)
    plextv.library.add_items(items)
    plextv.set_watchlist([item["ratingKey"] for item in items])
    plextv.requests.clear()
    watchlist = await client.watchlist()
    assert watchlist is not None
    assert [item.rating_key for item in watchlist.items] == [item["ratingKey"] for item in items]
    assert len(plextv.requests_to(WATCHLIST)) == 3


async def test_watchlist_page_size(client: PlexTVClient) -> None:
    """A page size below 1 is refused before anything is sent."""
    client.token = "a-token"  # noqa: S105
    with pytest.raises(ValueError, match="page_size"):
        await client.watchlist(page_size=0)


async def test_watchlist_without_total(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Without totalSize the first page is the whole list."""
    await sign_in(client, plextv)
    plextv.add_fault(WATCHLIST, body=page_body([metadata("a"), metadata("b")]))
    watchlist = await client.watchlist(page_size=2)
    assert watchlist is not None
    assert [item.rating_key for item in watchlist.items] == ["a", "b"]
    assert watchlist.total_size == 2
    assert len(plextv.requests_to(WATCHLIST)) == 1


async def test_watchlist_empty_page_stops(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A page with no entries before totalSize is reached ends the read."""
    await sign_in(client, plextv)
    plextv.add_fault(WATCHLIST, body=page_body([metadata("a")], total=10))
    plextv.add_fault(WATCHLIST, body=page_body([], total=10))
    watchlist = await client.watchlist(page_size=1)
    assert watchlist is not None
    assert [item.rating_key for item in watchlist.items] == ["a"]
    assert watchlist.total_size == 10
    assert len(plextv.requests_to(WATCHLIST)) == 2


async def test_watchlist_endless_pages(
    client: PlexTVClient, plextv: PlexTVSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A server whose pages never reach totalSize is read MAX_WATCHLIST_PAGES times at most.

    The same item on several pages (the list moved while it was read) is kept once.
    """
    caplog.set_level(logging.DEBUG)
    await sign_in(client, plextv)
    plextv.add_fault(WATCHLIST, body=page_body([metadata("a")], total=10**9), count=ALWAYS)
    watchlist = await client.watchlist(page_size=1)
    assert watchlist is not None
    assert [item.rating_key for item in watchlist.items] == ["a"]
    assert len(plextv.requests_to(WATCHLIST)) == MAX_WATCHLIST_PAGES
    assert f"after {MAX_WATCHLIST_PAGES} pages" in caplog.text


async def test_watchlist_skips_unreadable(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """An entry that cannot be read is skipped; the next page starts after it."""
    await sign_in(client, plextv)
    plextv.add_fault(WATCHLIST, body=page_body([{"ratingKey": 1}, metadata("b")], total=3))
    plextv.add_fault(WATCHLIST, body=page_body([metadata("c")], total=3))
    watchlist = await client.watchlist(page_size=2)
    assert watchlist is not None
    assert [item.rating_key for item in watchlist.items] == ["b", "c"]
    starts = [page.query["X-Plex-Container-Start"] for page in plextv.requests_to(WATCHLIST)]
    assert starts == ["0", "2"]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        "{}",
        '{"MediaContainer": []}',
        '{"MediaContainer": {"Metadata": {}}}',
        '{"MediaContainer": {"totalSize": -1}}',
        page_body([{"title": "no key"}], total=1),
    ],
)
async def test_watchlist_malformed(
    client: PlexTVClient, plextv: PlexTVSimulator, body: str
) -> None:
    """A watchlist page that cannot be read is a response error."""
    await sign_in(client, plextv)
    plextv.add_fault(WATCHLIST, body=body)
    with pytest.raises(PlexResponseError):
        await client.watchlist()


# Search


async def test_search(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Search returns the external hits in Plex's order, with their scores."""
    token = await sign_in(client, plextv)
    plextv.requests.clear()
    results = await client.search_catalogue("dune")
    assert all(isinstance(result, SearchResult) for result in results)
    assert [result.item.rating_key for result in results] == [DUNE_2021, DUNE_1984, DUNE_PART_TWO]
    assert [result.item.year for result in results] == [2021, 1984, 2024]
    scores = [result.score for result in results]
    assert all(score is not None for score in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    [request] = plextv.requests
    assert request.host == "discover"
    assert request.path == "/library/search"
    assert request.query == {
        "query": "dune",
        "limit": "30",
        "searchTypes": "movies,tv",
        "searchProviders": "discover",
        "includeMetadata": "1",
    }
    assert request.headers["X-Plex-Token"] == token
    assert request.headers["Accept"] == "application/json"


async def test_search_accents_and_limit(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Accents and case do not matter; the limit is sent and kept."""
    await sign_in(client, plextv)
    [amelie] = await client.search_catalogue("AMELIE")
    assert amelie.item.title == "Amélie"
    assert [result.item.type for result in await client.search_catalogue("severance")] == ["show"]
    assert len(await client.search_catalogue("dune", limit=1)) == 1
    assert plextv.requests[-1].query["limit"] == "1"
    assert await client.search_catalogue("no such title") == []


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([], []),
        ([{"id": "plex", "SearchResult": [{"Metadata": metadata("p")}]}], []),
        (
            [
                {"id": "plex", "SearchResult": [{"Metadata": metadata("p")}]},
                {
                    "id": "external",
                    "SearchResult": [
                        {"score": 0.5, "Metadata": metadata("x")},
                        {"score": "high", "Metadata": metadata("bad score")},
                        {"Metadata": {"ratingKey": ""}},
                        {"Metadata": metadata("y")},
                    ],
                },
            ],
            ["x", "y"],
        ),
        ([{"id": "external"}], []),
    ],
)
async def test_search_answers(
    client: PlexTVClient, plextv: PlexTVSimulator, groups: list[object], expected: list[str]
) -> None:
    """Only the "external" group is read; unreadable hits are skipped."""
    await sign_in(client, plextv)
    plextv.add_fault("/library/search", body=search_body(groups))
    results = await client.search_catalogue("x")
    assert [result.item.rating_key for result in results] == expected


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        '{"MediaContainer": {"SearchResults": {}}}',
        '{"MediaContainer": {"SearchResults": ["x"]}}',
        search_body([{"id": "external", "SearchResult": [{"Metadata": None}]}]),
        search_body([{"id": "external", "SearchResult": {}}]),
    ],
)
async def test_search_malformed(client: PlexTVClient, plextv: PlexTVSimulator, body: str) -> None:
    """A search answer that cannot be read is a response error."""
    await sign_in(client, plextv)
    plextv.add_fault("/library/search", body=body)
    with pytest.raises(PlexResponseError):
        await client.search_catalogue("x")


# Adding, removing, user state, watched


async def test_add_and_remove(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Items are added and removed by ratingKey with a PUT to the discover host."""
    token = await sign_in(client, plextv)
    plextv.requests.clear()
    await client.add_to_watchlist(ARRIVAL)
    assert plextv.watchlist_of()[0]["ratingKey"] == ARRIVAL
    await client.remove_from_watchlist(DUNE_2021)
    assert [item["ratingKey"] for item in plextv.watchlist_of()] == [ARRIVAL, SEVERANCE, AMELIE]
    add, remove = plextv.requests
    assert (add.host, add.method, add.path, add.query) == (
        "discover",
        "PUT",
        "/actions/addToWatchlist",
        {"ratingKey": ARRIVAL},
    )
    assert (remove.method, remove.path, remove.query) == (
        "PUT",
        "/actions/removeFromWatchlist",
        {"ratingKey": DUNE_2021},
    )
    assert sent_headers(add.headers) == EXPECTED_IDENTITY_HEADERS | {"X-Plex-Token": token}


async def test_unknown_item(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """An item Plex does not know is a response error (not an expired pin)."""
    await sign_in(client, plextv)
    for call in (
        client.add_to_watchlist,
        client.remove_from_watchlist,
        client.user_state,
        client.mark_watched,
    ):
        with pytest.raises(PlexResponseError, match="answered 404"):
            await call("ffffffffffffffffffffffff")
    plextv.add_fault("/actions/addToWatchlist", status=404)  # code 1020, as a pin's
    with pytest.raises(PlexResponseError, match="code 1020"):
        await client.add_to_watchlist(ARRIVAL)


@pytest.mark.parametrize("rating_key", ["", "  "])
async def test_empty_rating_key(
    client: PlexTVClient, plextv: PlexTVSimulator, rating_key: str
) -> None:
    """An empty ratingKey is refused before anything is sent."""
    await sign_in(client, plextv)
    plextv.requests.clear()
    for call in (
        client.add_to_watchlist,
        client.remove_from_watchlist,
        client.user_state,
        client.mark_watched,
    ):
        with pytest.raises(ValueError, match="rating_key"):
            await call(rating_key)
    assert plextv.requests == []


async def test_user_state_and_mark_watched(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """User state comes from the metadata host; a scrobble marks watched, keeps it listed."""
    token = await sign_in(client, plextv)
    state = await client.user_state(SEVERANCE)
    assert state.on_watchlist
    assert state.watchlisted_at is not None
    assert state.watchlisted_at.tzinfo is not None
    assert (state.view_count, state.view_state, state.last_viewed_at) == (0, None, None)
    assert not (await client.user_state(ARRIVAL)).on_watchlist
    plextv.requests.clear()
    await client.mark_watched(SEVERANCE)
    [scrobble] = plextv.requests
    assert (scrobble.host, scrobble.method, scrobble.path, scrobble.query) == (
        "metadata",
        "GET",
        "/actions/scrobble",
        {"key": SEVERANCE, "identifier": "com.plexapp.plugins.library"},
    )
    assert scrobble.headers["X-Plex-Token"] == token
    watched = await client.user_state(SEVERANCE)
    assert watched.view_count == 1
    assert watched.view_state == "complete"
    assert watched.last_viewed_at is not None
    assert watched.on_watchlist
    [read] = plextv.requests_to("/library/metadata/", host="metadata")
    assert read.path == f"/library/metadata/{SEVERANCE}/userState"


async def test_rating_key_is_quoted(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A ratingKey with / or ? stays one path segment, and one query value."""
    await sign_in(client, plextv)
    plextv.library.add_items([metadata("a/b?c=d e&f")])
    await client.add_to_watchlist("a/b?c=d e&f")
    assert plextv.watchlist_of()[0]["ratingKey"] == "a/b?c=d e&f"
    assert (await client.user_state("a/b?c=d e&f")).on_watchlist
    await client.mark_watched("a/b?c=d e&f")
    assert plextv.user_state_of("a/b?c=d e&f")["viewCount"] == 1


async def test_user_state_as_a_list(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """UserState may come as a list of one."""
    await sign_in(client, plextv)
    body = {"MediaContainer": {"UserState": [{"viewCount": 2, "watchlistedAt": 1700000000}]}}
    plextv.add_fault("/library/metadata/", body=json.dumps(body))
    state = await client.user_state(SEVERANCE)
    assert state.view_count == 2
    assert state.on_watchlist


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        '{"MediaContainer": {}}',
        '{"MediaContainer": {"UserState": []}}',
        '{"MediaContainer": {"UserState": {"viewCount": -1}}}',
        '{"MediaContainer": {"UserState": {"watchlistedAt": "soon"}}}',
    ],
)
async def test_user_state_malformed(
    client: PlexTVClient, plextv: PlexTVSimulator, body: str
) -> None:
    """A user state that cannot be read is a response error."""
    await sign_in(client, plextv)
    plextv.add_fault("/library/metadata/", body=body)
    with pytest.raises(PlexResponseError):
        await client.user_state(SEVERANCE)


# Errors on the new hosts


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        ({"status": 401}, PlexAuthenticationError, "Plex discover answered 401"),
        ({"status": 422}, PlexAuthenticationError, "answered 422"),
        ({"status": 503}, PlexConnectionError, "answered 503"),
        ({"status": 400}, PlexResponseError, "answered 400"),
        ({"drop": True, "count": 2}, PlexConnectionError, "Could not reach Plex discover"),
    ],
)
async def test_errors(
    client: PlexTVClient,
    plextv: PlexTVSimulator,
    fault: dict[str, object],
    error: type[PlexError],
    text: str,
) -> None:
    """Errors of the discover host map as plex.tv's do."""
    await sign_in(client, plextv)
    plextv.add_fault(WATCHLIST, **fault)  # type: ignore[arg-type]
    with pytest.raises(error, match=text):
        await client.watchlist()


async def test_rate_limited(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A 429 carries Retry-After, on either host; the fault applies to its host only."""
    await sign_in(client, plextv)
    plextv.add_fault(
        "/library/sections/watchlist", status=429, headers={"Retry-After": "30"}, host="discover"
    )
    with pytest.raises(PlexRateLimitError) as err:
        await client.watchlist()
    assert err.value.retry_after == 30.0
    plextv.add_fault("/actions/", status=429, host="metadata")
    await client.add_to_watchlist(ARRIVAL)  # the discover host: not affected
    with pytest.raises(PlexRateLimitError, match="Plex metadata answered 429") as err:
        await client.mark_watched(ARRIVAL)
    assert err.value.retry_after is None


async def test_revoked_token(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A revoked token is an authentication error on the new hosts too."""
    token = await sign_in(client, plextv)
    plextv.revoke(token, status=422)
    with pytest.raises(PlexAuthenticationError):
        await client.search_catalogue("dune")
    with pytest.raises(PlexAuthenticationError):
        await client.user_state(DUNE_2021)


async def test_not_signed_in(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Without a token nothing is sent."""
    with pytest.raises(PlexAuthenticationError, match="Not signed in"):
        await client.watchlist()
    assert plextv.requests == []


async def test_redirect_not_followed(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A redirect from the discover host is not followed: the token stays put."""
    token = await sign_in(client, plextv)
    plextv.add_fault(
        WATCHLIST, status=302, body="", headers={"Location": f"{plextv.url}/api/v2/ping"}
    )
    with pytest.raises(PlexResponseError, match="answered 302") as err:
        await client.watchlist()
    assert token not in str(err.value)
    assert plextv.requests_to("/api/v2/ping") == []


async def test_timeout(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A slow metadata host times out."""
    await sign_in(client, plextv)
    client.request_timeout = 0.2
    plextv.add_fault("/library/metadata/", delay=1.0)
    with pytest.raises(PlexConnectionError, match=re.escape("Timed out after 0.2 s on GET")):
        await client.user_state(DUNE_2021)


async def test_token_never_leaks(
    client: PlexTVClient, plextv: PlexTVSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The token is in no log record nor exception message of the new calls."""
    caplog.set_level(logging.DEBUG)
    token = await sign_in(client, plextv)
    echo = '{"errors": [{"code": 1, "message": "bad token ' + token + '"}]}'
    plextv.add_fault("/library/search", status=400, body=echo)
    with pytest.raises(PlexResponseError) as err:
        await client.search_catalogue("dune")
    assert token not in str(err.value)
    assert "**REDACTED**" in str(err.value)
    await client.watchlist()
    await client.add_to_watchlist(ARRIVAL)
    await client.mark_watched(ARRIVAL)
    await client.user_state(ARRIVAL)
    assert any("Plex metadata" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        assert token not in record.getMessage()


def test_default_urls(identity: PlexIdentity) -> None:
    """The discover and metadata hosts default to Plex's."""
    client = PlexTVClient(identity=identity)
    assert client.discover_url == DEFAULT_DISCOVER_URL == "https://discover.provider.plex.tv"
    assert client.metadata_url == DEFAULT_METADATA_URL == "https://metadata.provider.plex.tv"


async def test_unreachable(
    socket_enabled: None, identity: PlexIdentity, session: ClientSession
) -> None:
    """A refused connection to the metadata host is a connection error that names it."""
    client = PlexTVClient(
        identity=identity,
        session=session,
        token="a-token",  # noqa: S106
        metadata_url="http://127.0.0.1:1",
    )
    with pytest.raises(PlexConnectionError, match="Could not reach Plex metadata"):
        await client.mark_watched(DUNE_2021)
