"""Play queues, and players told to play them through the server (playMedia, skip...)."""

from typing import Any
from urllib.parse import quote_plus

import aiohttp

from library.simulators.pms import (
    KITCHEN_SPEAKER_ID,
    LIVING_ROOM_TV_ID,
    SAMPLE_MACHINE_IDENTIFIER,
    FakeClock,
    PMSSimulator,
)
from library.tests.plextv_sim.helpers import Reply, call
from library.tests.pms_sim.helpers import auth, play_state, sessions, until, ws_url
from library.tests.pms_sim.test_players import send

LIBRARY = f"server://{SAMPLE_MACHINE_IDENTIFIER}/com.plexapp.plugins.library"
# The episodes of Northern Lines, season 1 then season 2 (2205 is the sample episode).
NORTHERN_LINES = ["2101", "2102", "2103", "2104", "2201", "2202", "2203", "2204", "2205"]


def item_uri(*keys: str) -> str:
    """Return the uri of library items, as python-plexapi names one item or several."""
    if len(keys) == 1:
        return f"{LIBRARY}/library/metadata/{keys[0]}"
    return f"library:///directory/{quote_plus('/library/metadata/' + ','.join(keys))}"


async def create(
    session: aiohttp.ClientSession, sim: PMSSimulator, kind: str, **params: str
) -> Reply:
    """POST /playQueues with these parameters."""
    query = {"type": kind, "shuffle": "0", "repeat": "0"} | params
    return await call(session, "POST", f"{sim.url}/playQueues", params=query, headers=auth(sim))


def keys(container: dict[str, Any]) -> list[str]:
    """Return the rating keys of a queue's items."""
    return [item["ratingKey"] for item in container.get("Metadata", [])]


async def test_queues_of_each_kind(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A film is itself; an episode itself or its show onward; albums, artists, shows expand."""
    film = (await create(session, pms, "video", uri=item_uri("1001"), continuous="0")).body
    container = film["MediaContainer"]
    [item] = container["Metadata"]
    assert container == container | {
        "playQueueID": 7001,
        "playQueueSelectedItemID": item["playQueueItemID"],
        "playQueueSelectedItemOffset": 0,
        "playQueueSelectedMetadataItemID": "1001",
        "playQueueVersion": 1,
        "playQueueTotalCount": 1,
        "playQueueShuffled": False,
        "size": 1,
    }
    assert (item["ratingKey"], item["title"]) == ("1001", "The Long Voyage")
    for kind, uri, continuous, expected in (
        ("video", item_uri("2205"), "0", ["2205"]),
        ("video", item_uri("2203"), "1", ["2203", "2204", "2205"]),
        ("video", item_uri("2104"), "1", NORTHERN_LINES[3:]),
        ("video", item_uri("2000"), "0", NORTHERN_LINES),
        ("video", f"{LIBRARY}/library/metadata/2000/children", "0", NORTHERN_LINES),
        ("video", item_uri("2100"), "0", NORTHERN_LINES[:4]),
        ("audio", item_uri("3100"), "0", ["3111", "3112", "3113", "3114"]),
        ("audio", item_uri("3000"), "0", ["3111", "3112", "3113", "3114", "3211", "3212", "3213"]),
        ("audio", item_uri("3112", "3611"), "0", ["3112", "3611"]),
        ("video", item_uri("1002", "2205", "1003"), "0", ["1002", "2205", "1003"]),
        ("photo", item_uri("4000"), "0", ["4001", "4002", "4003"]),
    ):
        reply = await create(session, pms, kind, uri=uri, continuous=continuous)
        assert (reply.status, keys(reply.body["MediaContainer"])) == (200, expected), uri
    ids = [queue.id for queue in pms.play_queues.values()]
    assert ids == list(range(7001, 7001 + len(ids)))
    items = [item.item_id for queue in pms.play_queues.values() for item in queue.items]
    assert len(set(items)) == len(items)  # every item of every queue has an id of its own


async def test_playlists_start_and_shuffle(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """playlistID= queues a playlist; key= picks the item to start at; shuffle puts it first."""
    listed = (await call(session, "GET", f"{pms.url}/playlists", headers=auth(pms))).body
    assert [
        (p["ratingKey"], p["title"], p["playlistType"], p["leafCount"])
        for p in listed["MediaContainer"]["Metadata"]
    ] == [
        ("9001", "Evening Mix", "audio", 5),
        ("9002", "Weekend Films", "video", 3),
    ]
    items = await call(session, "GET", f"{pms.url}/playlists/9002/items", headers=auth(pms))
    assert keys(items.body["MediaContainer"]) == ["1001", "1004", "1002"]
    mix = (await create(session, pms, "audio", playlistID="9001")).body["MediaContainer"]
    assert keys(mix) == ["3112", "3211", "3611", "3113", "3612"]
    started = await create(
        session, pms, "video", uri=item_uri("2000"), key="/library/metadata/2203"
    )
    container = started.body["MediaContainer"]
    assert (
        container["playQueueSelectedItemOffset"],
        container["playQueueSelectedMetadataItemID"],
    ) == (6, "2203")
    shuffled = (
        await create(
            session, pms, "video", uri=item_uri("2000"), key="/library/metadata/2203", shuffle="1"
        )
    ).body["MediaContainer"]
    assert (keys(shuffled)[0], sorted(keys(shuffled)), shuffled["playQueueShuffled"]) == (
        "2203",
        NORTHERN_LINES,
        True,
    )
    assert keys(shuffled) != ["2203", *[key for key in NORTHERN_LINES if key != "2203"]]


async def test_queue_errors(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A missing or wrong type or uri: 400; an item, playlist or queue that is not there: 404."""
    other = "server://another-server/com.plexapp.plugins.library/library/metadata/1001"
    for params, status in (
        ({"uri": item_uri("1001")}, 400),  # no type
        ({"type": "movie", "uri": item_uri("1001")}, 400),
        ({"type": "video"}, 400),
        ({"type": "video", "uri": other}, 400),
        ({"type": "video", "uri": "server://x"}, 400),
        ({"type": "audio", "uri": item_uri("1001")}, 400),  # nothing of that type
        ({"type": "video", "uri": item_uri("999")}, 404),
        ({"type": "video", "playlistID": "8888"}, 404),
    ):
        reply = await call(
            session, "POST", f"{pms.url}/playQueues", params=params, headers=auth(pms)
        )
        assert reply.status == status, params
    for method, path in (
        ("GET", "/playQueues/1"),
        ("GET", "/playQueues/x"),
        ("PUT", "/playQueues/1"),
        ("GET", "/playlists/1/items"),
    ):
        assert (
            await call(
                session,
                method,
                f"{pms.url}{path}",
                params={"uri": item_uri("1001")},
                headers=auth(pms),
            )
        ).status == 404
    assert pms.play_queues == {}


async def test_enqueue(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """PUT adds at the end, or with next=1 after the selected item and the others added so."""
    queue = (await create(session, pms, "audio", uri=item_uri("3100"))).body["MediaContainer"]
    url = f"{pms.url}/playQueues/{queue['playQueueID']}"
    for key, up_next in (("3611", "0"), ("3211", "1"), ("3212", "1")):
        reply = await call(
            session, "PUT", url, params={"uri": item_uri(key), "next": up_next}, headers=auth(pms)
        )
        assert reply.status == 200
    container = reply.body["MediaContainer"]
    assert keys(container) == ["3111", "3211", "3212", "3112", "3113", "3114", "3611"]
    assert container["playQueueVersion"] == 4
    assert container["playQueueLastAddedItemID"] == container["Metadata"][2]["playQueueItemID"]
    again = await call(session, "GET", url, params={"window": "1", "own": "1"}, headers=auth(pms))
    assert keys(again.body["MediaContainer"]) == ["3111", "3211"]
    assert again.body["MediaContainer"]["playQueueTotalCount"] == 7
    wrong = await call(session, "PUT", url, params={"uri": item_uri("1001")}, headers=auth(pms))
    assert wrong.status == 400  # a film in a music queue


async def test_play_media_and_skip(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """A playMedia command starts a queue's item on the player; skipNext, skipPrevious move."""
    pms = timed_pms
    queue = (await create(session, pms, "video", uri=item_uri("2203"), continuous="1")).body
    queue_id = queue["MediaContainer"]["playQueueID"]
    first, second, third = queue["MediaContainer"]["Metadata"]
    token = (
        await call(
            session, "GET", f"{pms.url}/security/token?type=delegation&scope=all", headers=auth(pms)
        )
    ).body["MediaContainer"]["token"]
    params = {
        "key": "/library/metadata/2203",
        "offset": "120000",
        "machineIdentifier": pms.machine_identifier,
        "address": "127.0.0.1",
        "port": str(pms.port),
        "protocol": "http",
        "token": token,
        "providerIdentifier": "com.plexapp.plugins.library",
        "containerKey": f"/playQueues/{queue_id}?window=100&own=1",
        "type": "video",
    }
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        reply = await send(session, pms, LIVING_ROOM_TV_ID, "playback/playMedia", params)
        assert reply.status == 200
        started = await play_state(ws)
        assert started == started | {
            "ratingKey": "2203",
            "viewOffset": 120_000,
            "state": "playing",
            "playQueueID": queue_id,
            "playQueueItemID": first["playQueueItemID"],
        }
        [playing] = await sessions(session, pms)
        assert playing == playing | {
            "ratingKey": "2203",
            "title": "The Crossing",
            "grandparentTitle": "Northern Lines",
        }
        assert playing["Player"]["machineIdentifier"] == LIVING_ROOM_TV_ID
        assert playing["Media"][0]["Part"][0]["key"] == "/library/parts/22032/1700000000/file.mkv"
        clock.advance(60)
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/skipNext", command_id=2)
        moved = await play_state(ws)
        assert (moved["sessionKey"], moved["ratingKey"], moved["viewOffset"]) == (
            started["sessionKey"],
            "2204",
            0,
        )
        assert moved["playQueueItemID"] == second["playQueueItemID"]
        assert pms.play_queues[queue_id].selected == 1
        poll = await send(session, pms, LIVING_ROOM_TV_ID, "timeline/poll", command_id=3, json=True)
        video = poll.body["MediaContainer"]["Timeline"][2]
        assert video == video | {
            "type": "video",
            "state": "playing",
            "ratingKey": "2204",
            "playQueueID": queue_id,
            "playQueueItemID": second["playQueueItemID"],
            "containerKey": f"/playQueues/{queue_id}",
        }
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/skipNext", command_id=4)
        assert (await play_state(ws))["playQueueItemID"] == third["playQueueItemID"]
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/skipPrevious", command_id=5)
        assert (await play_state(ws))["ratingKey"] == "2204"
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/skipNext", command_id=6)
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/skipNext", command_id=7)
        assert [(await play_state(ws))["state"] for _ in range(2)] == ["playing", "stopped"]
    assert pms.sessions == {}
    assert pms.commands[0].query["token"] == token


async def test_play_media_replaces_and_pauses(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """A player told to play something else stops what it played; paused=1 starts paused."""
    first = await send(
        session,
        pms,
        KITCHEN_SPEAKER_ID,
        "playback/playMedia",
        {"key": "/library/metadata/3112", "type": "music"},
    )
    assert first.status == 200
    [old_key] = pms.sessions
    assert pms.session(old_key).play_queue is None
    reply = await send(
        session,
        pms,
        KITCHEN_SPEAKER_ID,
        "playback/playMedia",
        {"key": "/library/metadata/3100", "paused": "1", "offset": "5000"},
    )
    assert reply.status == 200
    [(key, playing)] = pms.sessions.items()
    assert (key != old_key, playing.media.rating_key, playing.state) == (True, "3111", "paused")
    assert playing.view_offset(pms.clock()) == 5000
    for params, status in (
        ({"key": "/library/metadata/999"}, 404),
        ({"key": "/library/metadata/3112", "containerKey": "/playQueues/4"}, 404),
        ({"key": "/library/metadata/3112", "containerKey": "/library/sections/1"}, 400),
        ({"key": "/library/metadata/3112", "machineIdentifier": "another"}, 400),
    ):
        assert (
            await send(session, pms, KITCHEN_SPEAKER_ID, "playback/playMedia", params)
        ).status == status
    queue = pms.create_play_queue("audio", uri=item_uri("3200"))
    outside = {"key": "/library/metadata/3112", "containerKey": f"/playQueues/{queue.id}"}
    assert (
        await send(session, pms, KITCHEN_SPEAKER_ID, "playback/playMedia", outside)
    ).status == 400


async def test_create_play_queue_command(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """createPlayQueue: the player has the server build the queue, then plays it."""
    params = {"uri": item_uri("3100"), "type": "music", "continuous": "0", "offset": "0"}
    reply = await send(session, pms, KITCHEN_SPEAKER_ID, "playback/createPlayQueue", params)
    assert reply.status == 200
    [queue] = pms.play_queues.values()
    [playing] = pms.sessions.values()
    assert (queue.type, queue.rating_keys, playing.media.rating_key) == (
        "audio",
        ["3111", "3112", "3113", "3114"],
        "3111",
    )
    assert playing.play_queue is queue
    refresh = {"playQueueID": str(queue.id)}
    assert (
        await send(session, pms, KITCHEN_SPEAKER_ID, "playback/refreshPlayQueue", refresh)
    ).status == 200
    assert (
        await send(
            session, pms, KITCHEN_SPEAKER_ID, "playback/refreshPlayQueue", {"playQueueID": "1"}
        )
    ).status == 404
    assert (
        await send(session, pms, KITCHEN_SPEAKER_ID, "playback/createPlayQueue", {"type": "music"})
    ).status == 400
    state = (await call(session, "GET", f"{pms.control_url}/_sim/state")).body
    [shown] = state["playQueues"]
    assert (shown["playQueueID"], [i["ratingKey"] for i in shown["items"]]) == (
        queue.id,
        queue.rating_keys,
    )
