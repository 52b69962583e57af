"""Additions, refreshes and removals as a server announces them; scans; recent and on deck."""

from typing import Any

import aiohttp
import pytest

from library.simulators.pms import FakeClock, PMSSimulator
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import auth, container, until, ws_url


async def notification(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    """Return the NotificationContainer of the websocket's next message, of a kind."""
    message = await ws.receive(timeout=1)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    body: dict[str, Any] = message.json()["NotificationContainer"]
    assert body["type"] == kind, body
    return body


async def entries(ws: aiohttp.ClientWebSocketResponse) -> list[tuple[str, int, str | None]]:
    """Return the next timeline frame's entries as (itemID, state, metadataState)."""
    frame = await notification(ws, "timeline")
    assert frame["size"] == len(frame["TimelineEntry"])
    return [(e["itemID"], e["state"], e.get("metadataState")) for e in frame["TimelineEntry"]]


async def count(session: aiohttp.ClientSession, pms: PMSSimulator, section: str, kind: int) -> int:
    """Return a section's count of a kind, read as Home Assistant reads it."""
    path = f"/library/sections/{section}/all?type={kind}&X-Plex-Container-Start=0"
    body = await container(session, pms, f"{path}&X-Plex-Container-Size=0")
    total: int = body["totalSize"]
    return total


async def test_add_episode(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """An episode is created, processing and done; counted; listed first as recently added."""
    pms = timed_pms
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        clock.advance(120)
        key = pms.library.add(
            section="2", kind="episode", title="Spring", show="Northern Lines", season=2, episode=6
        )
        assert key == "5001"
        pms.announce_added([key])
        frame = await notification(ws, "timeline")
        [entry] = frame["TimelineEntry"]
        assert entry == {
            "identifier": "com.plexapp.plugins.library",
            "sectionID": "2",
            "itemID": key,
            "parentItemID": "2200",
            "rootItemID": "2000",
            "type": 4,
            "title": "Spring",
            "state": 0,
            "metadataState": "created",
            "updatedAt": pms.epoch(),
        }
        assert [await entries(ws) for _ in range(3)] == [
            [(key, 1, "processing")],
            [(key, 4, "processing")],
            [(key, 5, None)],
        ]
    assert await count(session, pms, "2", 4) == 17
    recent = await container(session, pms, "/library/recentlyAdded?X-Plex-Container-Size=2")
    assert [item["ratingKey"] for item in recent["Metadata"]] == [key, "2205"]
    assert recent["Metadata"][0]["addedAt"] == pms.epoch()
    season = await container(session, pms, "/library/metadata/2200/children")
    assert [item["index"] for item in season["Metadata"]] == [1, 2, 3, 4, 5, 6]


async def test_add_new_show_and_music(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A new show brings its season; a new artist its album; films and tracks count."""
    episode = pms.library.add(section="2", kind="episode", show="Fresh Start", season=1)
    [item] = (await container(session, pms, f"/library/metadata/{episode}"))["Metadata"]
    assert (item["grandparentTitle"], item["parentTitle"], item["index"]) == (
        "Fresh Start",
        "Season 1",
        1,
    )
    assert await count(session, pms, "2", 2) == 3
    track = pms.library.add(
        section="3", kind="track", title="New", artist="Amber Static", album="B"
    )
    [item] = (await container(session, pms, f"/library/metadata/{track}"))["Metadata"]
    assert (item["grandparentRatingKey"], item["parentTitle"]) == ("3500", "B")
    assert (await count(session, pms, "3", 9), await count(session, pms, "3", 10)) == (4, 12)
    film = pms.library.add(section="1", kind="movie", title="Another Dawn", year=2025)
    assert await count(session, pms, "1", 1) == 7
    titles = [
        i["title"] for i in (await container(session, pms, "/library/sections/1/all"))["Metadata"]
    ]
    assert titles[1:3] == ["Amber Skies", "Another Dawn"]
    album = pms.library.item(track).parent
    assert album is not None
    recent = (await container(session, pms, "/library/recentlyAdded"))["Metadata"]
    assert [i["ratingKey"] for i in recent[:3]] == [film, album.rating_key, episode]
    for section, kind in (("1", "track"), ("4", "movie")):
        with pytest.raises(ValueError, match="cannot hold"):
            pms.library.add(section=section, kind=kind)
    with pytest.raises(KeyError):
        pms.library.add(section="9", kind="movie")


async def test_unprocessed_then_finished(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """processed=False stops at state 0; finish_processing sends state 5, again if asked."""
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        keys = [pms.library.add(section="1", kind="movie") for _ in range(12)]
        pms.announce_added(keys, processed=False)
        first, second = await entries(ws), await entries(ws)
        assert [entry[0] for entry in first + second] == keys  # two frames: 10, then 2
        assert {entry[1:] for entry in first + second} == {(0, "created")}
        pms.finish_processing(keys[:1])
        pms.finish_processing(keys[:1])
        assert [await entries(ws), await entries(ws)] == [[(keys[0], 5, None)]] * 2
        pms.refresh_item("1001")
        assert await entries(ws) == [("1001", 5, None)]
        pms.library.remove(keys[0])
        assert await entries(ws) == [(keys[0], 9, "deleted")]
        pms.library.remove("2100")  # a season goes with its episodes
        gone = await entries(ws)
        assert gone == [
            *((str(2100 + n), 9, "deleted") for n in range(1, 5)),
            ("2100", 9, "deleted"),
        ]
    assert await count(session, pms, "1", 1) == 6 + 11
    assert await count(session, pms, "2", 4) == 12
    url = f"{pms.url}/library/metadata/{keys[0]}"
    assert (await call(session, "GET", url, headers=auth(pms))).status == 404
    [film] = (await container(session, pms, "/library/metadata/1001"))["Metadata"]
    assert film["updatedAt"] > 1_700_000_000  # refreshed


async def test_on_deck_and_search(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """On deck: what was stopped part-way; search: hubs of titles holding the query."""
    deck = (await container(session, pms, "/library/onDeck"))["Metadata"]
    assert [(item["ratingKey"], item["viewOffset"]) for item in deck] == [
        ("1004", 3_000_000),
        ("2203", 600_000),
    ]
    recent = await container(session, pms, "/library/recentlyAdded?type=9")
    assert {item["type"] for item in recent["Metadata"]} == {"album"}
    recent = await container(session, pms, "/library/recentlyAdded?sectionID=1")
    assert recent["totalSize"] == 6
    hubs = (await container(session, pms, "/hubs/search?query=HARBOUR&limit=5"))["Hub"]
    assert [(h["hubIdentifier"], h["size"]) for h in hubs] == [
        ("episode", 1),
        ("album", 1),
        ("photo", 1),
    ]
    assert hubs[0]["Metadata"][0]["title"] == "Harbour Lights"
    hubs = (await container(session, pms, "/hubs/search?query=the&limit=1"))["Hub"]
    by_hub = {hub["hubIdentifier"]: hub for hub in hubs}
    assert by_hub["movie"]["size"] == 1
    assert by_hub["movie"]["more"] is True
    assert "artist" in by_hub
    empty = await container(session, pms, "/hubs/search?query=nothing-like-it")
    assert (empty["size"], "Hub" in empty) == (0, False)


async def test_scan(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A scan: activity started and ended, status notifications; counted; 404 unknown."""
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        reply = await call(
            session, "POST", f"{pms.url}/library/sections/1/refresh", headers=auth(pms)
        )
        assert (reply.status, reply.body) == (200, None)
        started = (await notification(ws, "activity"))["ActivityNotification"][0]
        assert started["event"] == "started"
        assert started["Activity"] == {
            "type": "library.update.section",
            "title": "Scanning Films",
            "subtitle": "",
            "progress": 0,
            "Context": {"librarySectionID": "1"},
        }
        scanning = (await notification(ws, "status"))["StatusNotification"][0]
        assert scanning["title"] == 'Scanning the "Films" section'
        ended = (await notification(ws, "activity"))["ActivityNotification"][0]
        assert (ended["event"], ended["uuid"], ended["Activity"]["progress"]) == (
            "ended",
            started["uuid"],
            100,
        )
        done = (await notification(ws, "status"))["StatusNotification"][0]
        assert done == {
            "title": "Library scan complete",
            "description": "",
            "notificationName": "LIBRARY_UPDATE",
        }
    url = f"{pms.url}/library/sections/2/refresh"
    assert (await call(session, "GET", url, headers=auth(pms))).status == 200
    assert pms.scans == {"1": 1, "2": 1}
    url = f"{pms.url}/library/sections/7/refresh"
    assert (await call(session, "POST", url, headers=auth(pms))).status == 404
