"""The discover and metadata hosts: watchlists, search, user state and scrobbles."""

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


def keys(body: Any) -> list[str]:  # noqa: ANN401
    """Return the ratingKeys of a watchlist page."""
    return [item["ratingKey"] for item in body["MediaContainer"]["Metadata"]]


def listed(sim: PlexTVSimulator, account: str | None = None) -> list[str]:
    """Return the ratingKeys of an account's watchlist, newest first."""
    return [item["ratingKey"] for item in sim.watchlist_of(account)]


@pytest.fixture
async def headers(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> dict[str, str]:
    """Return the headers of a client signed in to the sample account."""
    return with_token(await signed_in(session, plextv))


async def test_three_hosts(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]
) -> None:
    """Each host serves its own routes only; the log says which host a request hit."""
    assert len({plextv.url, plextv.discover_url, plextv.metadata_url}) == 3
    plextv.requests.clear()
    user_state = f"/library/metadata/{DUNE_2021}/userState"
    for url, status in (
        (plextv.discover_url + WATCHLIST, 200),
        (plextv.metadata_url + user_state, 200),
        (plextv.url + WATCHLIST, 404),
        (plextv.metadata_url + WATCHLIST, 404),
        (plextv.discover_url + "/api/v2/user", 404),
        (plextv.discover_url + "/_sim/state", 404),
    ):
        assert (await call(session, "GET", url, headers=headers)).status == status
    assert [r.host for r in plextv.requests] == [
        *("discover", "metadata", "plex.tv", "metadata", "discover", "discover")
    ]


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("discover", WATCHLIST),
        ("discover", "/library/search"),
        ("metadata", f"/library/metadata/{DUNE_2021}/userState"),
        ("metadata", "/actions/scrobble"),
    ],
)
async def test_token_required(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, host: str, path: str
) -> None:
    """Every route needs a valid token of the client that signed in."""
    url = (plextv.discover_url if host == "discover" else plextv.metadata_url) + path
    status, body, _ = await call(session, "GET", url, headers=JSON_HEADERS)
    assert status == 401
    plex_error(body, 1001, 401)
    token = await signed_in(session, plextv)
    other = with_token(token, "other-client")
    assert (await call(session, "GET", url, headers=other)).status == 401
    plextv.revoke(token, status=422)
    assert (await call(session, "GET", url, headers=with_token(token))).status == 422


async def test_watchlists(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]
) -> None:
    """The sample account lists three titles with an ETag, the second account one; XML too."""
    url = plextv.discover_url + WATCHLIST
    status, body, answered = await call(session, "GET", url, headers=headers)
    assert (status, keys(body)) == (200, [DUNE_2021, SEVERANCE, AMELIE])
    assert answered["ETag"].startswith('"')
    container = body["MediaContainer"]
    assert (container["totalSize"], container["size"], container["offset"]) == (3, 3, 0)
    dune = container["Metadata"][0]
    assert (dune["guid"], dune["watchlistedAt"]) == (f"plex://movie/{DUNE_2021}", 1764000000)
    assert "popularity" not in dune
    second = with_token(await signed_in(session, plextv, second_account()["uuid"]))
    assert keys((await call(session, "GET", url, headers=second)).body) == [PADDINGTON_2]
    xml = {**headers, "Accept": "application/xml"}
    text = (await call(session, "GET", url, headers=xml)).body
    assert '<MediaContainer librarySectionID="watchlist"' in text
    assert f'ratingKey="{DUNE_2021}"' in text


async def test_watchlist_paging_sorting_filters(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]
) -> None:
    """Pages (query or headers), sorts, the type filter and the three filters; else refused."""
    url = plextv.discover_url + WATCHLIST

    async def page(path: str = url, **params: str) -> Reply:
        return await call(session, "GET", path, headers=headers, params=params)

    paged = {"X-Plex-Container-Start": "1", "X-Plex-Container-Size": "1"}
    body = (await page(**paged)).body
    assert (keys(body), body["MediaContainer"]["offset"]) == ([SEVERANCE], 1)
    assert keys((await call(session, "GET", url, headers=headers | paged)).body) == [SEVERANCE]
    assert keys((await page(**{"X-Plex-Container-Start": "9"})).body) == []
    cases = {
        "watchlistedAt:desc": [DUNE_2021, SEVERANCE, AMELIE],
        "watchlistedAt:asc": [AMELIE, SEVERANCE, DUNE_2021],
        "titleSort": [AMELIE, DUNE_2021, SEVERANCE],
        "titleSort:desc": [SEVERANCE, DUNE_2021, AMELIE],
    }
    for sort, expected in cases.items():
        assert keys((await page(sort=sort)).body) == expected
    assert keys((await page(type="2")).body) == [SEVERANCE]
    assert keys((await page(type="1")).body) == [DUNE_2021, AMELIE]
    for name in ("available", "released"):
        assert (await page(url.replace("/all", f"/{name}"))).status == 200
    assert (await page(url.replace("/all", "/other"))).status == 404
    for bad in (
        {"X-Plex-Container-Start": "-1"},
        {"X-Plex-Container-Size": "many"},
        {"sort": "rating"},
        {"sort": "titleSort:up"},
        {"type": "3"},
    ):
        status, body, _ = await page(**bad)
        assert status == 400
        plex_error(body, 400, 400)


async def test_etag(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]
) -> None:
    """The ETag follows the content: 304 while it matches, a new one once the list changes."""
    url = plextv.discover_url + WATCHLIST
    etag = (await call(session, "GET", url, headers=headers)).headers["ETag"]
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        reply = await call(session, "GET", url, headers=headers | {"If-None-Match": value})
        assert (reply.status, reply.headers["ETag"], reply.body) == (304, etag, None)
    other = {"If-None-Match": '"other"'}
    assert (await call(session, "GET", url, headers=headers | other)).status == 200
    one = {"X-Plex-Container-Size": "1"}
    assert (await call(session, "GET", url, headers=headers | one)).headers["ETag"] != etag
    plextv.add_to_watchlist(ARRIVAL)
    changed = await call(session, "GET", url, headers=headers | {"If-None-Match": etag})
    assert (changed.status, changed.headers["ETag"] != etag) == (200, True)
    plextv.remove_from_watchlist(ARRIVAL)
    assert (
        await call(session, "GET", url, headers=headers | {"If-None-Match": etag})
    ).status == 304


async def test_add_and_remove(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]
) -> None:
    """Adding puts an item on top, once; removing one that is not there changes nothing."""
    add = plextv.discover_url + "/actions/addToWatchlist"
    remove = plextv.discover_url + "/actions/removeFromWatchlist"

    async def put(url: str, **params: str) -> int:
        return (await call(session, "PUT", url, headers=headers, params=params)).status

    before = int(datetime.now(UTC).timestamp())
    assert [await put(add, ratingKey=key) for key in (ARRIVAL, AMELIE)] == [200, 200]
    assert plextv.watchlist_of()[0]["watchlistedAt"] >= before
    assert [await put(remove, ratingKey=DUNE_2021) for _ in range(2)] == [200, 200]
    assert listed(plextv) == [ARRIVAL, SEVERANCE, AMELIE]
    assert (await put(add, ratingKey="f" * 24), await put(remove, ratingKey="f" * 24)) == (404, 404)
    assert await put(add) == 400
    assert listed(plextv, second_account()["uuid"]) == [PADDINGTON_2]


async def test_search(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]
) -> None:
    """Exact titles first, then by popularity; accents, case and word order do not matter."""

    async def search(**params: str) -> list[tuple[float, str]]:
        url = plextv.discover_url + "/library/search"
        status, body, _ = await call(session, "GET", url, headers=headers, params=params)
        assert status == 200
        groups = body["MediaContainer"]["SearchResults"]
        assert [group["id"] for group in groups] == ["plex", "external"]
        hits = groups[1]["SearchResult"]
        assert groups[1]["size"] == len(hits) == body["MediaContainer"]["size"]
        return [(hit["score"], hit["Metadata"]["ratingKey"]) for hit in hits]

    dune = await search(query="dune", searchTypes="movies,tv")
    assert [key for _, key in dune] == [DUNE_2021, DUNE_1984, DUNE_PART_TWO]
    assert dune[0][0] > dune[1][0] > 1 > dune[2][0]
    for query, found in (
        *((query, AMELIE) for query in ("AMÉLIE", "Amél", "destin amelie")),
        ("shogun", SHOGUN),
        ("千と千尋", SPIRITED_AWAY),
        ("dune part", DUNE_PART_TWO),
    ):
        assert [key for _, key in await search(query=query)] == [found]
    assert await search(query="dune", searchTypes="tv") == []
    assert [key for _, key in await search(query="severance", searchTypes="tv")] == [SEVERANCE]
    assert await search(query="severance", searchTypes="movies") == []
    assert len(await search(query="dune", limit="2")) == 2
    assert await search(query="  ") == []
    url = plextv.discover_url + "/library/search"
    bad = {"query": "x", "limit": "all"}
    assert (await call(session, "GET", url, headers=headers, params=bad)).status == 400


async def test_user_state_and_scrobble(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str]
) -> None:
    """A scrobble marks watched and leaves the item on the watchlist."""
    state_url = f"{plextv.metadata_url}/library/metadata/{SEVERANCE}/userState"
    state = (await call(session, "GET", state_url, headers=headers)).body
    assert state["MediaContainer"]["UserState"] == {
        "ratingKey": SEVERANCE,
        "type": "show",
        "viewCount": 0,
        "viewOffset": 0,
        "watchlistedAt": 1763500000,
    }
    scrobble = plextv.metadata_url + "/actions/scrobble"
    library = "com.plexapp.plugins.library"

    async def scrobbled(**params: str) -> int:
        return (await call(session, "GET", scrobble, headers=headers, params=params)).status

    assert [await scrobbled(key=SEVERANCE, identifier=library) for _ in range(2)] == [200, 200]
    state = (await call(session, "GET", state_url, headers=headers)).body
    state = state["MediaContainer"]["UserState"]
    assert (state["viewCount"], state["viewState"], state["watchlistedAt"]) == (
        2,
        "complete",
        1763500000,
    )
    assert isinstance(state["lastViewedAt"], int)
    assert plextv.user_state_of(SEVERANCE, second_account()["uuid"])["viewCount"] == 0
    assert "watchlistedAt" not in plextv.user_state_of(ARRIVAL)
    missing = f"{plextv.metadata_url}/library/metadata/{'f' * 24}/userState"
    assert (await call(session, "GET", missing, headers=headers)).status == 404
    assert await scrobbled(key="f" * 24, identifier=library) == 404
    assert (await scrobbled(identifier=library), await scrobbled(key=SEVERANCE)) == (400, 400)


def test_watchlist_api() -> None:
    """Watchlists by account through the Python API, and their errors."""
    sim = PlexTVSimulator()
    assert listed(sim) == [DUNE_2021, SEVERANCE, AMELIE]
    assert (sim.add_to_watchlist(ARRIVAL), sim.add_to_watchlist(ARRIVAL)) == (True, False)
    assert (sim.remove_from_watchlist(ARRIVAL), sim.remove_from_watchlist(ARRIVAL)) == (True, False)
    for wrong in (
        lambda: sim.add_to_watchlist("unknown"),
        lambda: sim.watchlist_of("nobody"),
        lambda: sim.set_watchlist([ARRIVAL, "unknown"]),
    ):
        with pytest.raises(KeyError):
            wrong()
    assert len(sim.watchlist_of()) == 3
    sim.set_watchlist([ARRIVAL, SEVERANCE, ARRIVAL], "jamiewatches")
    [arrival, severance] = sim.watchlist_of("jamiewatches")
    assert (arrival["ratingKey"], severance["ratingKey"]) == (ARRIVAL, SEVERANCE)
    assert arrival["watchlistedAt"] > severance["watchlistedAt"]
    sim.set_account(sample_account() | {"username": "renamed"})  # keeps its list
    assert len(sim.watchlist_of("renamed")) == 3
    sim.add_account({"uuid": "new-account", "username": "newcomer"})
    assert sim.watchlist_of("newcomer") == []


def test_catalogue() -> None:
    """The sample catalogue's keys and guids, generated titles, and a library of others."""
    catalogue = sample_catalogue()
    assert len({item["ratingKey"] for item in catalogue}) == len(catalogue) >= 10
    for item in catalogue:
        assert item["guid"] == f"plex://{item['type']}/{item['ratingKey']}"
        assert len(item["ratingKey"]) == 24
        int(item["ratingKey"], 16)
    assert {item["type"] for item in catalogue} == {"movie", "show"}
    generated = generated_items(3, start=10)
    assert [item["title"] for item in generated] == [f"Generated Film {n}" for n in (10, 11, 12)]
    assert not {item["ratingKey"] for item in generated} & {item["ratingKey"] for item in catalogue}
    assert sample_watchlists() == sample_watchlists()
    assert sample_watchlists() is not sample_watchlists()
    library = Library([{"ratingKey": "k", "type": "movie", "title": "T", "popularity": "x"}], {})
    assert (library.popularity, library.watchlist("anyone")) == ({"k": 0}, [])
    with pytest.raises(ValueError, match="ratingKey"):
        library.add_items([{"ratingKey": "k2", "title": "No type"}])
    assert fold(" Le  Fabuleux Destin d'Amélie ") == "le fabuleux destin d amelie"
    assert not etag_matches(None, '"x"')
