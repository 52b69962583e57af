"""The server's libraries: sections, listings and their paging, items, children, search."""

import time
from typing import Any
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.pms import PMSFactory, PMSSimulator
from library.simulators.pms.library import SECTION_UUIDS
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import auth, container

FILMS = ["9 Lives of Ada", "Amber Skies", "The Glass Orchard", "The Long Voyage"]


async def test_sections(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Four sections with fixed uuids, each with its location."""
    body = await container(session, pms, "/library/sections")
    directories = body["Directory"]
    assert [(d["key"], d["type"], d["title"]) for d in directories] == [
        ("1", "movie", "Films"),
        ("2", "show", "TV Shows"),
        ("3", "artist", "Music"),
        ("4", "photo", "Photos"),
    ]
    assert [d["uuid"] for d in directories] == list(SECTION_UUIDS.values())
    films = directories[0]
    assert films == films | {"agent": "tv.plex.agents.movie", "scanner": "Plex Movie"}
    assert (films["language"], films["refreshing"], films["Location"]) == (
        "en-US",
        False,
        [{"id": 1, "path": "/data/films"}],
    )
    assert isinstance(films["updatedAt"], int)
    assert isinstance(films["scannedAt"], int)


async def test_section_all(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Top level by default, in titleSort order; `type` picks a kind of the section."""
    body = await container(session, pms, "/library/sections/1/all")
    assert (body["size"], body["totalSize"], body["offset"]) == (6, 6, 0)
    titles = [item["title"] for item in body["Metadata"]]
    assert titles == [*FILMS, "Midnight Ferry", "Zephyr Road"]
    assert body["Metadata"][3]["titleSort"] == "Long Voyage"
    for path, kinds in (
        ("/library/sections/2/all", {"show": 2}),
        ("/library/sections/2/all?type=3", {"season": 4}),
        ("/library/sections/2/all?type=4", {"episode": 16}),
        ("/library/sections/3/all", {"artist": 2}),
        ("/library/sections/3/all?type=9", {"album": 3}),
        ("/library/sections/3/all?type=10", {"track": 11}),
        ("/library/sections/4/all", {"photoalbum": 1}),
        ("/library/sections/4/all?type=13", {"photo": 3}),
        ("/library/sections/4/all?clusterZoomLevel=1", {"photo": 3}),
        ("/library/sections/4/all?type=14", {"photoalbum": 1}),
        ("/library/sections/1/all?type=1", {"movie": 6}),
    ):
        metadata = (await container(session, pms, path))["Metadata"]
        found: dict[str, int] = {}
        for item in metadata:
            found[item["type"]] = found.get(item["type"], 0) + 1
        assert found == kinds, path
    none = await container(session, pms, "/library/sections/1/all?type=4")
    assert (none["size"], none["totalSize"], "Metadata" in none) == (0, 0, False)
    newest = await container(session, pms, "/library/sections/1/all?sort=addedAt:desc")
    assert newest["Metadata"][0]["ratingKey"] == "1001"
    unknown = await call(session, "GET", f"{pms.url}/library/sections/9/all", headers=auth(pms))
    assert unknown.status == 404


async def test_paging(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Start and size from the query or headers; size 0 is the count alone."""
    path = "/library/sections/2/all?type=4&X-Plex-Container-Start=0&X-Plex-Container-Size=0"
    reply = await call(session, "GET", f"{pms.url}{path}", headers=auth(pms))
    assert reply.body["MediaContainer"] == reply.body["MediaContainer"] | {
        "size": 0,
        "totalSize": 16,
    }
    assert "Metadata" not in reply.body["MediaContainer"]
    assert reply.headers["X-Plex-Container-Total-Size"] == "16"
    page = "/library/sections/1/all?X-Plex-Container-Start=1&X-Plex-Container-Size=2"
    body = await container(session, pms, page)
    assert (body["size"], body["totalSize"], body["offset"]) == (2, 6, 1)
    assert [item["title"] for item in body["Metadata"]] == FILMS[1:3]
    headers = auth(pms) | {"X-Plex-Container-Start": "4", "X-Plex-Container-Size": "10"}
    reply = await call(session, "GET", f"{pms.url}/library/sections/1/all", headers=headers)
    tail = reply.body["MediaContainer"]
    assert (tail["size"], tail["offset"], tail["Metadata"][0]["title"]) == (2, 4, "Midnight Ferry")
    past = await container(session, pms, "/library/sections/1/all?X-Plex-Container-Start=50")
    assert (past["size"], past["totalSize"], "Metadata" in past) == (0, 6, False)


async def test_first_characters(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Groups of the top level by titleSort's first letter, "#" first; each group's items."""
    body = await container(session, pms, "/library/sections/1/firstCharacter")
    groups = [(d["key"], d["title"], d["size"]) for d in body["Directory"]]
    assert groups == [
        ("#", "#", 1),
        ("A", "A", 1),
        ("G", "G", 1),
        ("L", "L", 1),
        ("M", "M", 1),
        ("Z", "Z", 1),
    ]
    digits = await container(session, pms, "/library/sections/1/firstCharacter/%23")
    assert [item["title"] for item in digits["Metadata"]] == ["9 Lives of Ada"]
    shows = await container(session, pms, "/library/sections/2/firstCharacter/n")
    assert [item["title"] for item in shows["Metadata"]] == ["Northern Lines"]
    empty = await container(session, pms, "/library/sections/2/firstCharacter/Q")
    assert (empty["size"], empty["totalSize"]) == (0, 0)


async def test_metadata(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """One item or a comma list; containers point at their children; leaves carry Media."""
    [film] = (await container(session, pms, "/library/metadata/1001"))["Metadata"]
    assert film == film | {
        "ratingKey": "1001",
        "key": "/library/metadata/1001",
        "type": "movie",
        "title": "The Long Voyage",
        "titleSort": "Long Voyage",
        "year": 2014,
        "duration": 8_160_000,
        "librarySectionID": 1,
        "librarySectionTitle": "Films",
        "librarySectionKey": "/library/sections/1",
        "thumb": "/library/metadata/1001/thumb/1700000000",
        "art": "/library/metadata/1001/art/1700000000",
    }
    [media] = film["Media"]
    [part] = media["Part"]
    assert (media["container"], media["videoCodec"], part["container"]) == ("mkv", "h264", "mkv")
    assert part["key"] == "/library/parts/10012/1700000000/file.mkv"
    assert part["file"] == "/data/films/The Long Voyage (2014)/The Long Voyage (2014).mkv"
    found = await _items(session, pms, "2205,3112,2000,77")
    assert list(found) == ["2205", "3112", "2000"]
    episode, track, show = found.values()
    assert episode == episode | {
        "grandparentTitle": "Northern Lines",
        "parentTitle": "Season 2",
        "parentIndex": 2,
        "index": 5,
        "parentRatingKey": "2200",
        "grandparentRatingKey": "2000",
    }
    assert track == track | {"grandparentTitle": "The Quiet Tides", "parentTitle": "Harbour Songs"}
    assert (track["Media"][0]["container"], track["Media"][0]["audioCodec"]) == ("wav", "pcm")
    assert "videoCodec" not in track["Media"][0]
    assert show == show | {"key": "/library/metadata/2000/children", "type": "show"}
    assert (show["childCount"], show["leafCount"], "Media" in show) == (2, 9, False)
    assert (
        await call(session, "GET", f"{pms.url}/library/metadata/77", headers=auth(pms))
    ).status == 404
    [photo] = (await container(session, pms, "/library/metadata/4002"))["Metadata"]
    assert (photo["type"], photo["parentTitle"], photo["Media"][0]["container"]) == (
        "photo",
        "Summer 2024",
        "png",
    )


async def _items(
    session: aiohttp.ClientSession, pms: PMSSimulator, keys: str
) -> dict[str, dict[str, Any]]:
    metadata = (await container(session, pms, f"/library/metadata/{keys}"))["Metadata"]
    return {item["ratingKey"]: item for item in metadata}


async def test_children(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Seasons of a show, episodes of a season, albums, tracks, photos; paged; 404 unknown."""
    for key, expected in (
        ("2000", ["Season 1", "Season 2"]),
        ("2300", ["Season 1", "Season 2"]),
        ("2200", ["Thaw", "Black Sand", "The Crossing", "Aurora", "The Lighthouse"]),
        ("3000", ["Harbour Songs", "Undertow"]),
        ("3100", ["Low Tide", "Paper Boats", "Lantern Bay", "Salt and Rope"]),
        ("4000", ["Beach at Dawn", "Lighthouse Steps", "Harbour Market"]),
        ("1001", []),
    ):
        body = await container(session, pms, f"/library/metadata/{key}/children")
        assert [item["title"] for item in body.get("Metadata", [])] == expected
    season = await container(session, pms, "/library/metadata/2000/children")
    assert season["Metadata"][1] == season["Metadata"][1] | {
        "type": "season",
        "index": 2,
        "key": "/library/metadata/2200/children",
        "parentRatingKey": "2000",
        "leafCount": 5,
    }
    page = "/library/metadata/2200/children?X-Plex-Container-Start=3&X-Plex-Container-Size=5"
    body = await container(session, pms, page)
    assert (body["size"], body["totalSize"], body["Metadata"][1]["ratingKey"]) == (2, 5, "2205")
    url = f"{pms.url}/library/metadata/99999/children"
    assert (await call(session, "GET", url, headers=auth(pms))).status == 404


async def test_xml(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Without Accept: application/json, listings are the server's XML."""
    url = f"{pms.url}/library/metadata/1001,3112,4001,2000"
    reply = await call(session, "GET", url, headers=auth(pms, json=False))
    root = ET.fromstring(reply.body)  # noqa: S314 - the simulator's own XML
    assert [child.tag for child in root] == ["Video", "Track", "Photo", "Directory"]
    assert root.find("Video/Media/Part[@container='mkv']") is not None


@pytest.mark.parametrize(
    "path",
    [
        "/library/sections",
        "/library/sections/1/all",
        "/library/metadata/1001",
        "/library/metadata/2000/children",
        "/library/parts/10012/1700000000/file.mkv",
        "/updater/status",
        "/security/token?type=delegation&scope=all",
    ],
)
async def test_needs_token(session: aiohttp.ClientSession, pms: PMSSimulator, path: str) -> None:
    """Every library route answers 401 without the token."""
    assert (await call(session, "GET", f"{pms.url}{path}")).status == 401
    assert (await call(session, "GET", f"{pms.url}{path}", headers=auth(pms))).status == 200


async def test_transient_tokens(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A transient token stands for the server's own, in a header or the query, till voided."""
    for method in ("GET", "POST"):
        url = f"{pms.url}/security/token?type=delegation&scope=all"
        reply = await call(session, method, url, headers=auth(pms))
        body = reply.body["MediaContainer"]
        assert (reply.status, body["size"], body["token"][:10]) == (200, 0, "transient-")
    token = body["token"]
    assert len(pms.transient_tokens) == 2
    assert token in pms.transient_tokens
    url = f"{pms.url}/library/metadata/1001"
    assert (await call(session, "GET", url, headers={"X-Plex-Token": token})).status == 200
    assert (await call(session, "GET", f"{url}?X-Plex-Token={token}")).status == 200
    pms.restart_tokens()
    assert (await call(session, "GET", f"{url}?X-Plex-Token={token}")).status == 401
    assert (await call(session, "GET", url, headers=auth(pms))).status == 200


async def test_many_films(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """20,000 generated films: counted, grouped by letter, paged (times shown, not asserted)."""
    started = time.perf_counter()
    pms = await pms_factory(films=20_000)
    startup = time.perf_counter() - started
    body = await container(session, pms, "/library/sections/1/all?type=1&X-Plex-Container-Size=0")
    assert body["totalSize"] == 20_006
    started = time.perf_counter()
    path = "/library/sections/1/all?X-Plex-Container-Start=10000&X-Plex-Container-Size=50"
    page = await container(session, pms, path)
    paging = time.perf_counter() - started
    assert (page["size"], page["offset"]) == (50, 10_000)
    titles = [item["titleSort"].casefold() for item in page["Metadata"]]
    assert titles == sorted(titles)
    groups = (await container(session, pms, "/library/sections/1/firstCharacter"))["Directory"]
    assert sum(group["size"] for group in groups) == 20_006
    assert [group["key"] for group in groups] == ["#", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    letter = await container(
        session, pms, "/library/sections/1/firstCharacter/Q?X-Plex-Container-Size=3"
    )
    assert letter["totalSize"] == next(g["size"] for g in groups if g["key"] == "Q")
    assert all(item["titleSort"].startswith("Q") for item in letter["Metadata"])
    print(f"20,006 films: started in {startup:.3f} s, a page in {paging:.3f} s")  # noqa: T201
