"""The discover and metadata hosts: watchlists, search, user state, faults and controls."""

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from library.simulators.plextv import (
    PlexTVSimulator,
    generated_items,
    sample_account,
    sample_catalogue,
    sample_watchlists,
    second_account,
)
from library.simulators.plextv.catalogue import (
    AMELIE,
    ARRIVAL,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    PADDINGTON_2,
    SEVERANCE,
    SHOGUN,
    SPIRITED_AWAY,
)
from library.simulators.plextv.library import Library, etag_matches, fold
from library.simulators.plextv.testing import JSON_HEADERS, XML_HEADERS, plex_error, signed_in, with_token

WATCHLIST = "/library/sections/watchlist/all"


async def request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    headers: dict[str, str],
    **params: str,
) -> tuple[int, CIMultiDict[str], Any]:
    """Send a request; return the status, headers and JSON body (None if there is none)."""
    async with session.request(method, url, headers=headers, params=params) as response:
        text = await response.text()
        body = await response.json(content_type=None) if text.startswith(("{", "[")) else text
        return response.status, CIMultiDict(response.headers), body or None


def keys(body: Any) -> list[str]:  # noqa: ANN401
    """Return the ratingKeys of a watchlist page."""
    return [item["ratingKey"] for item in body["MediaContainer"]["Metadata"]]


# Hosts


async def test_three_hosts(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Each host serves its own routes only; the log says which host a request hit."""
    urls = {plextv.url, plextv.discover_url, plextv.metadata_url}
    assert len(urls) == 3
    headers = with_token(await signed_in(session, plextv))
    plextv.requests.clear()
    user_state = f"/library/metadata/{DUNE_2021}/userState"
    assert (await request(session, "GET", plextv.discover_url + WATCHLIST, headers))[0] == 200
    assert (await request(session, "GET", plextv.metadata_url + user_state, headers))[0] == 200
    assert (await request(session, "GET", plextv.url + WATCHLIST, headers))[0] == 404
    assert (await request(session, "GET", plextv.metadata_url + WATCHLIST, headers))[0] == 404
    assert (await request(session, "GET", plextv.discover_url + user_state, headers))[0] == 404
    assert (await request(session, "GET", plextv.discover_url + "/api/v2/user", headers))[0] == 404
    assert (await request(session, "GET", plextv.discover_url + "/_sim/state", headers))[0] == 404
    assert [(r.host, r.path) for r in plextv.requests] == [
        ("discover", WATCHLIST),
        ("metadata", user_state),
        ("plex.tv", WATCHLIST),
        ("metadata", WATCHLIST),
        ("discover", user_state),
        ("discover", "/api/v2/user"),
        ("discover", "/_sim/state"),
    ]
    assert plextv.requests[0].as_json()["host"] == "discover"
    assert len(plextv.requests_to("/library/", host="metadata")) == 2


async def test_urls_before_start(socket_enabled: None) -> None:
    """The hosts' URLs are known once started, and forgotten once stopped."""
    sim = PlexTVSimulator()
    for name in ("url", "discover_url", "metadata_url"):
        with pytest.raises(RuntimeError):
            getattr(sim, name)
    async with sim:
        assert sim.discover_url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        _ = sim.metadata_url


async def test_start_fails_cleanly(socket_enabled: None) -> None:
    """A port that is taken fails start() and leaves nothing served."""
    async with PlexTVSimulator() as first:
        port = int(first.discover_url.rpartition(":")[2])
        second = PlexTVSimulator()
        with pytest.raises(OSError, match="address already in use"):
            await second.start(discover_port=port)
        assert second._runners == []
        with pytest.raises(RuntimeError):
            _ = second.url


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
    status, _, body = await request(session, "GET", url, JSON_HEADERS)
    assert status == 401
    plex_error(body, 1001, 401)
    token = await signed_in(session, plextv)
    assert (await request(session, "GET", url, with_token(token, "other-client")))[0] == 401
    plextv.revoke(token, status=422)
    assert (await request(session, "GET", url, with_token(token)))[0] == 422


# The watchlist


async def test_sample_watchlists(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """The sample account starts with three titles, the second account with one."""
    first = with_token(await signed_in(session, plextv))
    second = with_token(await signed_in(session, plextv, second_account()["uuid"]))
    status, headers, body = await request(session, "GET", plextv.discover_url + WATCHLIST, first)
    assert status == 200
    assert headers["ETag"].startswith('"')
    container = body["MediaContainer"]
    assert keys(body) == [DUNE_2021, SEVERANCE, AMELIE]
    assert (container["totalSize"], container["size"], container["offset"]) == (3, 3, 0)
    dune = container["Metadata"][0]
    assert dune["guid"] == f"plex://movie/{DUNE_2021}"
    assert dune["watchlistedAt"] == 1764000000
    assert "popularity" not in dune
    _, _, body = await request(session, "GET", plextv.discover_url + WATCHLIST, second)
    assert keys(body) == [PADDINGTON_2]
    assert [item["ratingKey"] for item in plextv.watchlist_of("jamiewatches")] == [PADDINGTON_2]


async def test_watchlist_paging(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Paging by X-Plex-Container-Start/Size, in the query or the headers."""
    headers = with_token(await signed_in(session, plextv))
    url = plextv.discover_url + WATCHLIST
    params = {"X-Plex-Container-Start": "1", "X-Plex-Container-Size": "1"}
    _, _, body = await request(session, "GET", url, headers, **params)
    assert keys(body) == [SEVERANCE]
    assert (body["MediaContainer"]["offset"], body["MediaContainer"]["totalSize"]) == (1, 3)
    _, _, body = await request(session, "GET", url, headers | params)
    assert keys(body) == [SEVERANCE]
    _, _, body = await request(session, "GET", url, headers, **{"X-Plex-Container-Start": "2"})
    assert keys(body) == [AMELIE]
    _, _, body = await request(session, "GET", url, headers, **{"X-Plex-Container-Size": "0"})
    assert (keys(body), body["MediaContainer"]["totalSize"]) == ([], 3)
    _, _, body = await request(session, "GET", url, headers, **{"X-Plex-Container-Start": "9"})
    assert (keys(body), body["MediaContainer"]["size"]) == ([], 0)
    for bad in ({"X-Plex-Container-Start": "-1"}, {"X-Plex-Container-Size": "many"}):
        status, _, body = await request(session, "GET", url, headers, **bad)
        assert status == 400
        plex_error(body, 400, 400)


async def test_watchlist_sort_type_filter(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """Sorts, the type filter and the three filters; anything else is refused."""
    headers = with_token(await signed_in(session, plextv))
    url = plextv.discover_url + WATCHLIST
    cases = {
        "watchlistedAt:desc": [DUNE_2021, SEVERANCE, AMELIE],
        "watchlistedAt": [DUNE_2021, SEVERANCE, AMELIE],
        "watchlistedAt:asc": [AMELIE, SEVERANCE, DUNE_2021],
        "titleSort": [AMELIE, DUNE_2021, SEVERANCE],
        "titleSort:desc": [SEVERANCE, DUNE_2021, AMELIE],
    }
    for sort, expected in cases.items():
        assert keys((await request(session, "GET", url, headers, sort=sort))[2]) == expected
    assert keys((await request(session, "GET", url, headers, type="2"))[2]) == [SEVERANCE]
    assert keys((await request(session, "GET", url, headers, type="1"))[2]) == [DUNE_2021, AMELIE]
    for name in ("available", "released"):
        status, _, _ = await request(session, "GET", url.replace("/all", f"/{name}"), headers)
        assert status == 200
    assert (await request(session, "GET", url.replace("/all", "/other"), headers))[0] == 404
    assert (await request(session, "GET", url, headers, sort="rating"))[0] == 400
    assert (await request(session, "GET", url, headers, sort="titleSort:up"))[0] == 400
    assert (await request(session, "GET", url, headers, type="3"))[0] == 400


async def test_watchlist_xml(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Without Accept: application/json the page is XML, as Plex answers python-plexapi."""
    token = await signed_in(session, plextv)
    headers = {**XML_HEADERS, "X-Plex-Token": token}
    status, _, body = await request(session, "GET", plextv.discover_url + WATCHLIST, headers)
    assert status == 200
    assert '<MediaContainer librarySectionID="watchlist"' in body
    assert f'ratingKey="{DUNE_2021}"' in body


async def test_etag(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """The ETag follows the content: 304 while it matches, a new one once the list changes."""
    headers = with_token(await signed_in(session, plextv))
    url = plextv.discover_url + WATCHLIST
    _, answer, _ = await request(session, "GET", url, headers)
    etag = answer["ETag"]
    _, again, _ = await request(session, "GET", url, headers)
    assert again["ETag"] == etag
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        status, answer, body = await request(
            session, "GET", url, headers | {"If-None-Match": value}
        )
        assert (status, answer["ETag"], body) == (304, etag, None)
    status, _, _ = await request(session, "GET", url, headers | {"If-None-Match": '"other"'})
    assert status == 200
    paged = {"X-Plex-Container-Size": "1"}
    _, first_page, _ = await request(session, "GET", url, headers, **paged)
    assert first_page["ETag"] != etag
    plextv.add_to_watchlist(ARRIVAL)
    status, changed, _ = await request(session, "GET", url, headers | {"If-None-Match": etag})
    assert status == 200
    assert changed["ETag"] != etag
    plextv.remove_from_watchlist(ARRIVAL)
    status, _, _ = await request(session, "GET", url, headers | {"If-None-Match": etag})
    assert status == 304


async def test_add_and_remove(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Adding puts an item on top, once; removing one that is not there changes nothing."""
    headers = with_token(await signed_in(session, plextv))
    add = plextv.discover_url + "/actions/addToWatchlist"
    remove = plextv.discover_url + "/actions/removeFromWatchlist"
    before = datetime.now(UTC).timestamp()
    assert (await request(session, "PUT", add, headers, ratingKey=ARRIVAL))[0] == 200
    [arrival, *_] = plextv.watchlist_of()
    assert arrival["ratingKey"] == ARRIVAL
    assert arrival["watchlistedAt"] >= int(before)
    assert (await request(session, "PUT", add, headers, ratingKey=AMELIE))[0] == 200
    listed = [item["ratingKey"] for item in plextv.watchlist_of()]
    assert listed == [ARRIVAL, DUNE_2021, SEVERANCE, AMELIE]
    assert (await request(session, "PUT", remove, headers, ratingKey=DUNE_2021))[0] == 200
    assert (await request(session, "PUT", remove, headers, ratingKey=DUNE_2021))[0] == 200
    listed = [item["ratingKey"] for item in plextv.watchlist_of()]
    assert listed == [ARRIVAL, SEVERANCE, AMELIE]
    status, _, body = await request(session, "PUT", add, headers, ratingKey="f" * 24)
    assert status == 404
    plex_error(body, 404, 404)
    assert (await request(session, "PUT", remove, headers, ratingKey="f" * 24))[0] == 404
    assert (await request(session, "PUT", add, headers))[0] == 400
    assert (await request(session, "GET", add, headers, ratingKey=ARRIVAL))[0] == 405
    # The second account's list is its own.
    assert [item["ratingKey"] for item in plextv.watchlist_of(second_account()["uuid"])] == [
        PADDINGTON_2
    ]


# Search


async def search(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, headers: dict[str, str], **params: str
) -> list[tuple[float, str]]:
    """Search and return (score, ratingKey) of the external hits."""
    status, _, body = await request(
        session, "GET", plextv.discover_url + "/library/search", headers, **params
    )
    assert status == 200
    groups = body["MediaContainer"]["SearchResults"]
    assert [group["id"] for group in groups] == ["plex", "external"]
    hits = groups[1]["SearchResult"]
    assert groups[1]["size"] == len(hits) == body["MediaContainer"]["size"]
    return [(hit["score"], hit["Metadata"]["ratingKey"]) for hit in hits]


async def test_search(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Exact titles first, then by popularity; accents and case do not matter."""
    headers = with_token(await signed_in(session, plextv))
    dune = await search(session, plextv, headers, query="dune", searchTypes="movies,tv")
    assert [key for _, key in dune] == [DUNE_2021, DUNE_1984, DUNE_PART_TWO]
    assert [score for score, _ in dune] == sorted((score for score, _ in dune), reverse=True)
    assert dune[0][0] > 1 > dune[2][0]
    for query in ("amelie", "AMÉLIE", "Amél", "fabuleux destin", "destin amelie"):
        assert [key for _, key in await search(session, plextv, headers, query=query)] == [AMELIE]
    assert [key for _, key in await search(session, plextv, headers, query="shogun")] == [SHOGUN]
    assert [key for _, key in await search(session, plextv, headers, query="千と千尋")] == [
        SPIRITED_AWAY
    ]
    part = await search(session, plextv, headers, query="dune part")
    assert [key for _, key in part] == [DUNE_PART_TWO]
    assert await search(session, plextv, headers, query="dune", searchTypes="tv") == []
    shows = await search(session, plextv, headers, query="severance", searchTypes="tv")
    assert [key for _, key in shows] == [SEVERANCE]
    assert await search(session, plextv, headers, query="severance", searchTypes="movies") == []
    assert len(await search(session, plextv, headers, query="dune", limit="2")) == 2
    assert await search(session, plextv, headers, query="  ") == []
    assert await search(session, plextv, headers) == []
    status, _, _ = await request(
        session, "GET", plextv.discover_url + "/library/search", headers, query="x", limit="all"
    )
    assert status == 400


# User state and scrobbles


async def test_user_state_and_scrobble(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """A scrobble marks watched and leaves the item on the watchlist."""
    headers = with_token(await signed_in(session, plextv))
    state_url = f"{plextv.metadata_url}/library/metadata/{SEVERANCE}/userState"
    status, _, body = await request(session, "GET", state_url, headers)
    assert status == 200
    state = body["MediaContainer"]["UserState"]
    assert state == {
        "ratingKey": SEVERANCE,
        "type": "show",
        "viewCount": 0,
        "viewOffset": 0,
        "watchlistedAt": 1763500000,
    }
    scrobble = plextv.metadata_url + "/actions/scrobble"
    identifier = "com.plexapp.plugins.library"
    for _ in range(2):
        params = {"key": SEVERANCE, "identifier": identifier}
        assert (await request(session, "GET", scrobble, headers, **params))[0] == 200
    _, _, body = await request(session, "GET", state_url, headers)
    state = body["MediaContainer"]["UserState"]
    assert (state["viewCount"], state["viewState"]) == (2, "complete")
    assert isinstance(state["lastViewedAt"], int)
    assert state["watchlistedAt"] == 1763500000
    assert plextv.user_state_of(SEVERANCE)["viewCount"] == 2
    assert plextv.user_state_of(SEVERANCE, second_account()["uuid"])["viewCount"] == 0
    assert "watchlistedAt" not in plextv.user_state_of(ARRIVAL)
    missing = f"{plextv.metadata_url}/library/metadata/{'f' * 24}/userState"
    assert (await request(session, "GET", missing, headers))[0] == 404
    params = {"key": "f" * 24, "identifier": identifier}
    assert (await request(session, "GET", scrobble, headers, **params))[0] == 404
    assert (await request(session, "GET", scrobble, headers, identifier=identifier))[0] == 400
    assert (await request(session, "GET", scrobble, headers, key=SEVERANCE))[0] == 400


# Faults


async def test_faults_on_new_hosts(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Faults apply on any host unless limited to one."""
    headers = with_token(await signed_in(session, plextv))
    plextv.add_fault("/library/sections/watchlist", status=429, headers={"Retry-After": "30"})
    status, answer, body = await request(session, "GET", plextv.discover_url + WATCHLIST, headers)
    assert (status, answer["Retry-After"]) == (429, "30")
    plex_error(body, 1003, 429)
    plextv.add_fault("/library/", status=500, host="metadata")
    assert (await request(session, "GET", plextv.discover_url + WATCHLIST, headers))[0] == 200
    user_state = f"{plextv.metadata_url}/library/metadata/{DUNE_2021}/userState"
    assert (await request(session, "GET", user_state, headers))[0] == 500
    with pytest.raises(ValueError, match="host"):
        plextv.add_fault("/", host="elsewhere")


# The Python API and the library


def test_library_api() -> None:
    """Watchlists by account, the catalogue and their errors, without HTTP."""
    sim = PlexTVSimulator()
    assert [item["ratingKey"] for item in sim.watchlist_of()] == [DUNE_2021, SEVERANCE, AMELIE]
    assert sim.add_to_watchlist(ARRIVAL)
    assert not sim.add_to_watchlist(ARRIVAL)
    assert sim.remove_from_watchlist(ARRIVAL)
    assert not sim.remove_from_watchlist(ARRIVAL)
    with pytest.raises(KeyError):
        sim.add_to_watchlist("unknown")
    with pytest.raises(KeyError):
        sim.watchlist_of("nobody")
    with pytest.raises(KeyError):
        sim.set_watchlist([ARRIVAL, "unknown"])
    assert len(sim.watchlist_of()) == 3
    sim.set_watchlist([ARRIVAL, SEVERANCE, ARRIVAL], "jamiewatches")
    listed = sim.watchlist_of("jamiewatches")
    assert [item["ratingKey"] for item in listed] == [ARRIVAL, SEVERANCE]
    assert listed[0]["watchlistedAt"] > listed[1]["watchlistedAt"]
    # A renamed account keeps its list; a new one starts empty.
    renamed = sample_account() | {"username": "renamed"}
    sim.set_account(renamed)
    assert len(sim.watchlist_of("renamed")) == 3
    sim.add_account({"uuid": "new-account", "username": "newcomer"})
    assert sim.watchlist_of("newcomer") == []


def test_catalogue() -> None:
    """The sample catalogue's keys, guids and the generated titles."""
    catalogue = sample_catalogue()
    assert len({item["ratingKey"] for item in catalogue}) == len(catalogue) >= 10
    for item in catalogue:
        assert item["guid"] == f"plex://{item['type']}/{item['ratingKey']}"
        assert len(item["ratingKey"]) == 24
        int(item["ratingKey"], 16)
        assert item["thumb"].startswith("/")
    assert [item["year"] for item in catalogue if item["title"] == "Dune"] == [2021, 1984]
    assert {item["type"] for item in catalogue} == {"movie", "show"}
    generated = generated_items(3, start=10)
    assert [item["title"] for item in generated] == [f"Generated Film {n}" for n in (10, 11, 12)]
    assert not {item["ratingKey"] for item in generated} & {item["ratingKey"] for item in catalogue}
    assert sample_watchlists() == sample_watchlists()
    assert sample_watchlists() is not sample_watchlists()


def test_library_custom() -> None:
    """A library of other titles, popularity optional; items need a key, type and title."""
    library = Library([{"ratingKey": "k", "type": "movie", "title": "T", "popularity": "x"}], {})
    assert library.popularity == {"k": 0}
    assert library.watchlist("anyone") == []
    with pytest.raises(ValueError, match="ratingKey"):
        library.add_items([{"ratingKey": "k2", "title": "No type"}])
    assert fold(" Le  Fabuleux Destin d'Amélie ") == "le fabuleux destin d amelie"
    assert not etag_matches(None, '"x"')


# The control interface


async def test_control_watchlist(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Read, replace, add and remove through /_sim/watchlist."""
    control = f"{plextv.url}/_sim"
    status, _, body = await request(session, "GET", f"{control}/watchlist", {})
    assert status == 200
    assert [item["ratingKey"] for item in body] == [DUNE_2021, SEVERANCE, AMELIE]
    _, _, body = await request(session, "GET", f"{control}/watchlist", {}, account="jamiewatches")
    assert [item["ratingKey"] for item in body] == [PADDINGTON_2]
    assert (await request(session, "GET", f"{control}/watchlist", {}, account="nobody"))[0] == 404

    async with session.put(f"{control}/watchlist", json=[ARRIVAL, AMELIE]) as response:
        assert response.status == 200
        assert [item["ratingKey"] for item in await response.json()] == [ARRIVAL, AMELIE]
    async with session.put(f"{control}/watchlist", json={"x": 1}) as response:
        assert response.status == 400
    async with session.put(f"{control}/watchlist", json=["unknown"]) as response:
        assert response.status == 404
    async with session.put(f"{control}/watchlist?account=nobody", json=[]) as response:
        assert response.status == 404

    second = f"{control}/watchlist?account={second_account()['uuid']}"
    async with session.post(second, json={"ratingKey": SEVERANCE}) as response:
        assert response.status == 201
        assert [item["ratingKey"] for item in await response.json()] == [SEVERANCE, PADDINGTON_2]
    async with session.post(second, json={"ratingKey": SEVERANCE}) as response:
        assert response.status == 200
    async with session.post(second, json={"ratingKey": "unknown"}) as response:
        assert response.status == 404
    async with session.post(second, json=["x"]) as response:
        assert response.status == 400
    async with session.post(
        f"{control}/watchlist?account=nobody", json={"ratingKey": SEVERANCE}
    ) as r:
        assert r.status == 404

    async with session.delete(f"{control}/watchlist/{ARRIVAL}") as response:
        assert response.status == 200
        assert [item["ratingKey"] for item in await response.json()] == [AMELIE]
    async with session.delete(f"{control}/watchlist/unknown") as response:
        assert response.status == 404
    async with session.delete(f"{control}/watchlist/{ARRIVAL}?account=nobody") as response:
        assert response.status == 404


async def test_control_user_state_and_catalogue(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """/_sim/user_state, /_sim/catalogue, and the hosts' URLs in /_sim/state."""
    control = f"{plextv.url}/_sim"
    status, _, body = await request(session, "GET", f"{control}/user_state/{AMELIE}", {})
    assert (status, body["watchlistedAt"], body["viewCount"]) == (200, 1762000000, 0)
    assert (await request(session, "GET", f"{control}/user_state/unknown", {}))[0] == 404
    url = f"{control}/user_state/{AMELIE}"
    assert (await request(session, "GET", url, {}, account="nobody"))[0] == 404

    _, _, body = await request(session, "GET", f"{control}/catalogue", {})
    assert len(body) == len(sample_catalogue())
    assert body[0]["popularity"] == 95
    new = generated_items(2)
    async with session.post(f"{control}/catalogue", json=new) as response:
        assert response.status == 201
        assert (await response.json())["items"] == len(sample_catalogue()) + 2
    async with session.post(f"{control}/catalogue", json={"x": 1}) as response:
        assert response.status == 400
    async with session.post(f"{control}/catalogue", json=[{"title": "no key"}]) as response:
        assert response.status == 400
    async with session.post(f"{control}/watchlist", json={"ratingKey": new[0]["ratingKey"]}) as r:
        assert r.status == 201

    _, _, state = await request(session, "GET", f"{control}/state", {})
    assert (state["discover_url"], state["metadata_url"]) == (
        plextv.discover_url,
        plextv.metadata_url,
    )
    plextv.add_fault("/library/", host="discover", status=500)
    _, _, state = await request(session, "GET", f"{control}/state", {})
    assert state["faults"][0]["host"] == "discover"
    async with session.post(
        f"{control}/faults", json={"path": "/actions/", "host": "metadata", "status": 503}
    ) as response:
        assert response.status == 201
    assert plextv.faults[-1].host == "metadata"
