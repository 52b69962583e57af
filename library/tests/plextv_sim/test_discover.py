"""The discover and metadata hosts: watchlists, search, user state and scrobbles."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from library.simulators.plextv import (
    AMELIE,
    ARRIVAL,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    PADDINGTON_2,
    SEVERANCE,
    SHOGUN,
    SPIRITED_AWAY,
    PlexTVSimulator,
    generated_items,
    sample_account,
    sample_catalogue,
    sample_watchlists,
    second_account,
)
from library.simulators.plextv.library import Library, etag_matches, fold
from library.tests.plextv_sim.helpers import (
    JSON_HEADERS,
    Reply,
    call,
    plex_error,
    signed_in,
    with_token,
)

WATCHLIST = "/library/sections/watchlist/all"
USER_STATE = f"/library/metadata/{SEVERANCE}/userState"
SAMPLE = [DUNE_2021, SEVERANCE, AMELIE]
type Get = Callable[..., Awaitable[Reply]]


def keys(items: list[dict[str, Any]]) -> list[str]:
    """Return the ratingKeys of items."""
    return [item["ratingKey"] for item in items]


@pytest.fixture
async def headers(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> dict[str, str]:
    """Return the headers of a client signed in to the sample account."""
    return with_token(await signed_in(session, plextv))


@pytest.fixture
def get(session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]) -> Get:
    """Return a signed-in GET of a URL (a path: on the discover host), with query parameters."""

    async def send(url: str, extra: dict[str, str] | None = None, **params: str) -> Reply:
        url = url if url.startswith("http") else plextv.discover_url + url
        return await call(session, "GET", url, headers=headers | (extra or {}), params=params)

    return send


async def test_hosts(plextv: PlexTVSimulator, get: Get) -> None:
    """Each host serves its own routes only; the log says which host a request hit."""
    assert len({plextv.url, plextv.discover_url, plextv.metadata_url}) == 3
    plextv.requests.clear()
    urls = [WATCHLIST, plextv.metadata_url + USER_STATE, plextv.url + WATCHLIST, "/api/v2/user"]
    assert [(await get(url)).status for url in urls] == [200, 200, 404, 404]
    assert [r.host for r in plextv.requests] == ["discover", "metadata", "plex.tv", "discover"]


@pytest.mark.parametrize("path", [WATCHLIST, "/library/search", USER_STATE, "/actions/scrobble"])
async def test_token_required(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, path: str
) -> None:
    """Every route needs a valid token of the client that signed in."""
    url = (plextv.discover_url if path.startswith("/library/s") else plextv.metadata_url) + path
    status, body, _ = await call(session, "GET", url, headers=JSON_HEADERS)
    assert status == 401
    plex_error(body, 1001, 401)
    token = await signed_in(session, plextv)
    assert (await call(session, "GET", url, headers=with_token(token, "other"))).status == 401
    plextv.revoke(token, status=422)
    assert (await call(session, "GET", url, headers=with_token(token))).status == 422


async def test_watchlists(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, get: Get
) -> None:
    """The sample account lists three titles, the second account one; in JSON or XML."""
    status, body, answered = await get(WATCHLIST)
    container = body["MediaContainer"]
    assert (status, keys(container["Metadata"]), answered["ETag"][0]) == (200, SAMPLE, '"')
    assert (container["totalSize"], container["size"], container["offset"]) == (3, 3, 0)
    dune = container["Metadata"][0]
    assert (dune["guid"], dune["watchlistedAt"]) == (f"plex://movie/{DUNE_2021}", 1764000000)
    assert "popularity" not in dune
    second = with_token(await signed_in(session, plextv, second_account()["uuid"]))
    body = (await call(session, "GET", plextv.discover_url + WATCHLIST, headers=second)).body
    assert keys(body["MediaContainer"]["Metadata"]) == [PADDINGTON_2]
    text = (await get(WATCHLIST, {"Accept": "application/xml"})).body
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer librarySec')
    assert f'ratingKey="{DUNE_2021}"' in text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"X-Plex-Container-Start": "1", "X-Plex-Container-Size": "1"}, [SEVERANCE]),
        ({"X-Plex-Container-Start": "9"}, []),
        ({"sort": "watchlistedAt:desc"}, SAMPLE),
        ({"sort": "watchlistedAt:asc"}, SAMPLE[::-1]),
        ({"sort": "titleSort"}, [AMELIE, DUNE_2021, SEVERANCE]),
        ({"sort": "titleSort:desc"}, [SEVERANCE, DUNE_2021, AMELIE]),
        ({"type": "2"}, [SEVERANCE]),
        ({"type": "1"}, [DUNE_2021, AMELIE]),
        ({"X-Plex-Container-Start": "-1"}, None),
        ({"X-Plex-Container-Size": "many"}, None),
        ({"sort": "rating"}, None),
        ({"sort": "titleSort:up"}, None),
        ({"type": "3"}, None),
    ],
)
async def test_watchlist_pages(
    get: Get, params: dict[str, str], expected: list[str] | None
) -> None:
    """Pages, sorts and the type filter; anything else is refused with 400."""
    status, body, _ = await get(WATCHLIST, **params)
    if expected is None:
        assert status == 400
        plex_error(body, 400, 400)
    else:
        assert keys(body["MediaContainer"]["Metadata"]) == expected
    if expected and "X-Plex-Container-Size" in params:  # or as headers, as python-plexapi sends
        assert (await get(WATCHLIST, params)).body == body


async def test_watchlist_filters_and_etag(plextv: PlexTVSimulator, get: Get) -> None:
    """The three filters; the ETag follows the content: 304 while it matches."""
    statuses = [
        (await get(WATCHLIST.replace("all", name))).status
        for name in ("available", "released", "other")
    ]
    assert statuses == [200, 200, 404]
    etag = (await get(WATCHLIST)).headers["ETag"]
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        reply = await get(WATCHLIST, {"If-None-Match": value})
        assert (reply.status, reply.headers["ETag"], reply.body) == (304, etag, None)
    assert (await get(WATCHLIST, {"If-None-Match": '"other"'})).status == 200
    assert (await get(WATCHLIST, {"X-Plex-Container-Size": "1"})).headers["ETag"] != etag
    plextv.add_to_watchlist(ARRIVAL)
    assert (await get(WATCHLIST, {"If-None-Match": etag})).status == 200
    plextv.remove_from_watchlist(ARRIVAL)
    assert (await get(WATCHLIST, {"If-None-Match": etag})).status == 304


async def test_add_and_remove(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]
) -> None:
    """Adding puts an item on top, once; removing one that is not there changes nothing."""

    async def put(action: str, **params: str) -> int:
        url = f"{plextv.discover_url}/actions/{action}"
        return (await call(session, "PUT", url, headers=headers, params=params)).status

    before = int(datetime.now(UTC).timestamp())
    assert [await put("addToWatchlist", ratingKey=key) for key in (ARRIVAL, AMELIE)] == [200, 200]
    assert plextv.watchlist_of()[0]["watchlistedAt"] >= before
    assert [await put("removeFromWatchlist", ratingKey=DUNE_2021) for _ in "12"] == [200, 200]
    assert keys(plextv.watchlist_of()) == [ARRIVAL, SEVERANCE, AMELIE]
    assert keys(plextv.watchlist_of(second_account()["uuid"])) == [PADDINGTON_2]
    for action in ("addToWatchlist", "removeFromWatchlist"):
        assert await put(action, ratingKey="f" * 24) == 404
    assert await put("addToWatchlist") == 400


async def test_search(get: Get) -> None:
    """Exact titles first, then by popularity; accents, case and word order do not matter."""

    async def search(query: str, **params: str) -> list[str]:
        status, body, _ = await get("/library/search", query=query, **params)
        assert status == 200
        plex, external = body["MediaContainer"]["SearchResults"]
        assert (plex["id"], external["id"]) == ("plex", "external")
        hits = external["SearchResult"]
        assert external["size"] == len(hits) == body["MediaContainer"]["size"]
        scores = [hit["score"] for hit in hits]
        assert scores == sorted(scores, reverse=True)
        return [hit["Metadata"]["ratingKey"] for hit in hits]

    assert await search("dune", searchTypes="movies,tv") == [DUNE_2021, DUNE_1984, DUNE_PART_TWO]
    for query, found in (
        ("AMÉLIE", AMELIE),
        ("destin amelie", AMELIE),
        ("千と千尋", SPIRITED_AWAY),
    ):
        assert await search(query) == [found]
    assert (await search("dune part"), await search("shogun")) == ([DUNE_PART_TWO], [SHOGUN])
    assert await search("severance", searchTypes="tv") == [SEVERANCE]
    assert (await search("dune", searchTypes="tv"), await search("  ")) == ([], [])
    assert len(await search("dune", limit="2")) == 2
    assert (await get("/library/search", query="x", limit="all")).status == 400


async def test_user_state_and_scrobble(plextv: PlexTVSimulator, get: Get) -> None:
    """A scrobble marks watched and leaves the item on the watchlist."""
    state_url = plextv.metadata_url + USER_STATE
    state = (await get(state_url)).body["MediaContainer"]["UserState"]
    expected = {"ratingKey": SEVERANCE, "type": "show", "viewCount": 0, "viewOffset": 0}
    assert state == expected | {"watchlistedAt": 1763500000}
    scrobble = plextv.metadata_url + "/actions/scrobble"
    library = "com.plexapp.plugins.library"
    assert [(await get(scrobble, key=SEVERANCE, identifier=library)).status for _ in "12"] == [
        200,
        200,
    ]
    state = (await get(state_url)).body["MediaContainer"]["UserState"]
    assert (state["viewCount"], state["viewState"], state["watchlistedAt"]) == (
        2,
        "complete",
        1763500000,
    )
    assert isinstance(state["lastViewedAt"], int)
    assert plextv.user_state_of(SEVERANCE, second_account()["uuid"])["viewCount"] == 0
    assert "watchlistedAt" not in plextv.user_state_of(ARRIVAL)
    missing = f"{plextv.metadata_url}/library/metadata/{'f' * 24}/userState"
    assert (await get(missing)).status == 404
    assert (await get(scrobble, key="f" * 24, identifier=library)).status == 404
    assert (await get(scrobble, identifier=library)).status == 400
    assert (await get(scrobble, key=SEVERANCE)).status == 400


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
    sim.set_account(sample_account() | {"username": "renamed"})  # keeps its list
    assert keys(sim.watchlist_of("renamed")) == SAMPLE
    sim.add_account({"uuid": "new-account", "username": "newcomer"})
    assert sim.watchlist_of("newcomer") == []


def test_catalogue() -> None:
    """The sample catalogue's keys and guids, generated titles, and a library of others."""
    catalogue = sample_catalogue()
    assert len(set(keys(catalogue))) == len(catalogue) >= 10
    for item in catalogue:
        assert item["guid"] == f"plex://{item['type']}/{item['ratingKey']}"
        assert len(item["ratingKey"]) == 24
        int(item["ratingKey"], 16)
    assert {item["type"] for item in catalogue} == {"movie", "show"}
    generated = generated_items(3, start=10)
    assert [item["title"] for item in generated] == [f"Generated Film {n}" for n in (10, 11, 12)]
    assert not set(keys(generated)) & set(keys(catalogue))
    assert sample_watchlists() == sample_watchlists()
    assert sample_watchlists() is not sample_watchlists()
    library = Library([{"ratingKey": "k", "type": "movie", "title": "T", "popularity": "x"}], {})
    assert (library.popularity, library.watchlist("anyone")) == ({"k": 0}, [])
    with pytest.raises(ValueError, match="ratingKey"):
        library.add_items([{"ratingKey": "k2", "title": "No type"}])
    assert fold(" Le  Fabuleux Destin d'Amélie ") == "le fabuleux destin d amelie"
    assert not etag_matches(None, '"x"')
