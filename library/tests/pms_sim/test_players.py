"""The players the server knows, and remote control of them through the server."""

import asyncio
from typing import Any
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.pms import (
    BEDROOM_PLEX_WEB_ID,
    KITCHEN_SPEAKER_ID,
    LIVING_ROOM_TV_ID,
    Command,
    FakeClock,
    PMSSimulator,
    bedroom_plex_web,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_film,
    sample_track,
)
from library.simulators.pms.players import TARGET
from library.tests.plextv_sim.helpers import CLIENT_ID, Reply, call
from library.tests.pms_sim.helpers import auth, play_state, sessions, until, ws_url

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
OK = f'{DECLARATION}\n<Response code="200" status="OK" />'


async def send(  # noqa: PLR0913
    session: aiohttp.ClientSession,
    sim: PMSSimulator,
    player: str | None,
    command: str,
    params: dict[str, str] | None = None,
    *,
    command_id: int | None = 1,
    method: str = "GET",
    json: bool = False,
) -> Reply:
    """Send a command to a player through the server, as python-plexapi sends it."""
    headers = auth(sim, json=json) | {"X-Plex-Client-Identifier": CLIENT_ID}
    if player is not None:
        headers[TARGET] = player
    query = dict(params or {})
    if command_id is not None:
        query["commandID"] = str(command_id)
    url = f"{sim.url}/player/{command}"
    return await call(session, method, url, params=query, headers=headers)


async def test_clients(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """/clients lists the known players with their capabilities, JSON or XML."""
    reply = await call(session, "GET", f"{pms.url}/clients", headers=auth(pms))
    container = reply.body["MediaContainer"]
    tv, speaker, web = container["Server"]
    assert container["size"] == 3
    assert tv == {
        "name": "Living Room TV",
        "host": "127.0.0.11",
        "address": "127.0.0.11",
        "port": 32500,
        "machineIdentifier": LIVING_ROOM_TV_ID,
        "version": "10.21.1.2881",
        "protocol": "plex",
        "product": "Plex for Android (TV)",
        "deviceClass": "stb",
        "protocolVersion": "1",
        "protocolCapabilities": "timeline,playback,navigation,mirror,playqueues",
    }
    assert (speaker["machineIdentifier"], speaker["product"], speaker["port"]) == (
        KITCHEN_SPEAKER_ID,
        "Plexamp",
        36000,
    )
    assert speaker["protocolCapabilities"] == "timeline,playback,playqueues,provider-playback"
    assert (web["name"], web["product"], web["protocolCapabilities"]) == (
        "Bedroom Plex Web",
        "Plex Web",
        "timeline",
    )
    xml = await call(session, "GET", f"{pms.url}/clients", headers=auth(pms, json=False))
    root = ET.fromstring(xml.body)  # noqa: S314 - the simulator's own XML
    assert [server.attrib["name"] for server in root.iter("Server")] == [
        "Living Room TV",
        "Kitchen Speaker",
        "Bedroom Plex Web",
    ]
    pms.remove_player(BEDROOM_PLEX_WEB_ID)
    pms.add_player(friend_phone())
    names = [
        s["name"]
        for s in (await call(session, "GET", f"{pms.url}/clients", headers=auth(pms))).body[
            "MediaContainer"
        ]["Server"]
    ]
    assert names == ["Living Room TV", "Kitchen Speaker", "Jamie's Phone"]
    assert (await call(session, "GET", f"{pms.url}/clients")).status == 401


async def test_commands_drive_the_session(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """pause, play, seekTo, step, stop change the player's session, with notifications."""
    pms = timed_pms
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        key = pms.start_session(player=living_room_tv(), media=sample_film())
        assert (await play_state(ws))["state"] == "playing"
        clock.advance(10)
        reply = await send(session, pms, LIVING_ROOM_TV_ID, "playback/pause", command_id=1)
        assert (reply.status, reply.body) == (200, OK)
        assert await play_state(ws) == notification(pms, key, "paused", 10_000)
        clock.advance(5)
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/play", command_id=2)
        assert ((await play_state(ws))["state"], pms.session(key).view_offset(clock())) == (
            "playing",
            10_000,
        )
        reply = await send(
            session, pms, LIVING_ROOM_TV_ID, "playback/seekTo", {"offset": "600000"}, command_id=3
        )
        assert reply.status == 200
        assert (await play_state(ws))["viewOffset"] == 600_000
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/stepForward", command_id=4)
        assert (await play_state(ws))["viewOffset"] == 630_000
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/stepBack", command_id=5)
        assert (await play_state(ws))["viewOffset"] == 615_000
        await send(session, pms, LIVING_ROOM_TV_ID, "playback/stop", method="POST", command_id=6)
        assert (await play_state(ws))["state"] == "stopped"
    assert pms.sessions == {}
    assert [command.command for command in pms.commands] == [
        "playback/pause",
        "playback/play",
        "playback/seekTo",
        "playback/stepForward",
        "playback/stepBack",
        "playback/stop",
    ]
    assert pms.commands[2] == Command(
        LIVING_ROOM_TV_ID, "playback/seekTo", {"offset": "600000", "commandID": "3"}, 3
    )
    # With no session, a command changes nothing and is still answered.
    reply = await send(session, pms, LIVING_ROOM_TV_ID, "playback/pause", command_id=7)
    assert (reply.status, pms.sessions) == (200, {})


def notification(sim: PMSSimulator, key: str, state: str, offset: int) -> dict[str, Any]:
    """Return the notification a session in this state at this position sends."""
    session = sim.session(key)
    return {
        "sessionKey": key,
        "clientIdentifier": session.player.machine_identifier,
        "guid": "",
        "ratingKey": session.media.rating_key,
        "url": "",
        "key": f"/library/metadata/{session.media.rating_key}",
        "viewOffset": offset,
        "playQueueItemID": session.play_queue_item_id,
        "playQueueID": session.play_queue_item_id // 10,
        "state": state,
    }


async def test_volume_and_timeline_poll(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """A setParameters command sets the volume; the poll shows the playing timeline, JSON or XML."""
    pms = timed_pms
    idle = await send(session, pms, KITCHEN_SPEAKER_ID, "timeline/poll", {"wait": "0"}, json=True)
    container = idle.body["MediaContainer"]
    assert (container["location"], container["commandID"]) == ("navigation", 1)
    assert [(t["type"], t["state"], t["volume"]) for t in container["Timeline"]] == [
        ("music", "stopped", 100),
        ("photo", "stopped", 100),
        ("video", "stopped", 100),
    ]
    pms.start_session(player=kitchen_speaker(), media=sample_track())
    clock.advance(7)
    reply = await send(session, pms, KITCHEN_SPEAKER_ID, "playback/setParameters", {"volume": "35"})
    assert reply.status == 200
    assert pms.players[KITCHEN_SPEAKER_ID].volume == 35
    for bad in ("101", "-1", "loud"):
        wrong = await send(
            session, pms, KITCHEN_SPEAKER_ID, "playback/setParameters", {"volume": bad}
        )
        assert wrong.status == 400
    assert pms.players[KITCHEN_SPEAKER_ID].volume == 35
    poll = await send(
        session, pms, KITCHEN_SPEAKER_ID, "timeline/poll", {"wait": "0"}, command_id=9
    )
    root = ET.fromstring(poll.body)  # noqa: S314 - the simulator's own XML
    assert (root.attrib["commandID"], root.attrib["location"]) == ("9", "fullScreenMusic")
    music = root.find("Timeline[@type='music']")
    assert music is not None
    assert music.attrib == music.attrib | {
        "state": "playing",
        "time": "7000",
        "duration": "214000",
        "ratingKey": "3112",
        "key": "/library/metadata/3112",
        "volume": "35",
        "machineIdentifier": pms.machine_identifier,
        "address": "127.0.0.1",
        "port": str(pms.port),
    }
    assert "playQueueID" not in music.attrib  # started without a queue
    # A poll needs its commandID.
    assert (
        await send(session, pms, KITCHEN_SPEAKER_ID, "timeline/poll", command_id=None)
    ).status == 400


async def test_refusals(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """No target: 400; an unknown player: 404; a player that refuses control: 500, unchanged."""
    key = pms.start_session(player=bedroom_plex_web(), media=sample_film())
    missing = await send(session, pms, None, "playback/pause")
    assert missing.status == 400
    unknown = await send(session, pms, "no-such-player", "playback/pause")
    assert unknown.status == 404
    # The friend's phone plays, remotely: the server cannot reach it.
    pms.start_session(player=friend_phone(), media=sample_film())
    assert (
        await send(session, pms, friend_phone().machine_identifier, "playback/pause")
    ).status == 404
    refused = await send(session, pms, BEDROOM_PLEX_WEB_ID, "playback/pause")
    refusal = '<Response code="500" status="The player does not accept remote control" />'
    assert (refused.status, refused.body) == (500, f"{DECLARATION}\n{refusal}")
    assert (await send(session, pms, BEDROOM_PLEX_WEB_ID, "timeline/poll")).status == 500
    assert pms.session(key).state == "playing"
    assert [(c.player, c.command) for c in pms.commands] == [
        ("", "playback/pause"),
        ("no-such-player", "playback/pause"),
        (friend_phone().machine_identifier, "playback/pause"),
        (BEDROOM_PLEX_WEB_ID, "playback/pause"),
        (BEDROOM_PLEX_WEB_ID, "timeline/poll"),
    ]
    # The target may be in the query; the token never shows in the record.
    query = f"{TARGET}={LIVING_ROOM_TV_ID}&commandID=4&X-Plex-Token={pms.token}"
    url = f"{pms.url}/player/playback/pause?{query}"
    assert (await call(session, "GET", url)).status == 200
    assert pms.commands[-1] == Command(
        LIVING_ROOM_TV_ID, "playback/pause", {TARGET: LIVING_ROOM_TV_ID, "commandID": "4"}, 4
    )
    assert (await send(session, pms, LIVING_ROOM_TV_ID, "playback/dance")).status == 404
    assert (await send(session, pms, LIVING_ROOM_TV_ID, "navigation/home")).status == 200
    for command, params in (
        ("playback/seekTo", {}),
        ("playback/seekTo", {"offset": "soon"}),
        ("playback/playMedia", {}),
        ("playback/setParameters", {"repeat": "5"}),
    ):
        assert (await send(session, pms, LIVING_ROOM_TV_ID, command, params)).status == 400
    no_token = await call(
        session, "GET", f"{pms.url}/player/playback/pause", headers={TARGET: LIVING_ROOM_TV_ID}
    )
    assert no_token.status == 401


async def test_controllable_switch(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A player may stop taking remote control and take it again; /clients follows."""
    key = pms.start_session(player=living_room_tv(), media=sample_film())
    control = f"{pms.control_url}/_sim/players"
    reply = await call(
        session, "POST", f"{control}/living_room_tv/controllable", json={"accepts": False}
    )
    assert (reply.status, reply.body["protocolCapabilities"], reply.body["acceptsControl"]) == (
        200,
        "timeline",
        False,
    )
    assert (await send(session, pms, LIVING_ROOM_TV_ID, "playback/pause")).status == 500
    assert pms.session(key).state == "playing"
    await call(
        session, "POST", f"{control}/{LIVING_ROOM_TV_ID}/controllable", json={"accepts": True}
    )
    assert (
        pms.players[LIVING_ROOM_TV_ID].capabilities
        == "timeline,playback,navigation,mirror,playqueues"
    )
    assert (await send(session, pms, LIVING_ROOM_TV_ID, "playback/pause")).status == 200
    assert pms.session(key).state == "paused"
    pms.controllable(BEDROOM_PLEX_WEB_ID)
    assert pms.players[BEDROOM_PLEX_WEB_ID].accepts_control
    for body, path, status in (
        ({"accepts": "yes"}, "living_room_tv/controllable", 400),
        ({"accepts": True}, "nobody/controllable", 404),
        ({"unresponsive": 1}, "living_room_tv/unresponsive", 400),
    ):
        assert (await call(session, "POST", f"{control}/{path}", json=body)).status == status
    assert (await call(session, "DELETE", f"{control}/bedroom_plex_web")).status == 204
    assert BEDROOM_PLEX_WEB_ID not in pms.players
    added = await call(session, "POST", control, json={"player": "friend_phone"})
    assert (added.status, added.body["deviceClass"]) == (201, "phone")
    assert (await call(session, "POST", control, json={"player": "nobody"})).status == 400
    state = (await call(session, "GET", f"{pms.control_url}/_sim/state")).body
    assert [p["name"] for p in state["players"]] == [
        "Living Room TV",
        "Kitchen Speaker",
        "Jamie's Phone",
    ]
    assert state["commands"][0] == {
        "player": LIVING_ROOM_TV_ID,
        "command": "playback/pause",
        "query": {"commandID": "1"},
        "commandID": 1,
    }


async def test_unresponsive_player(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """Commands to an unresponsive player hang command_timeout on the clock, then 504."""
    pms = timed_pms
    key = pms.start_session(player=living_room_tv(), media=sample_film())
    reply = await call(
        session,
        "POST",
        f"{pms.control_url}/_sim/players/living_room_tv/unresponsive",
        json={"unresponsive": True},
    )
    assert reply.body["unresponsive"] is True
    pending = asyncio.ensure_future(send(session, pms, LIVING_ROOM_TV_ID, "playback/pause"))
    await until(lambda: clock.sleepers == 1)
    clock.advance(19)
    await asyncio.sleep(0)
    assert not pending.done()
    clock.advance(1)
    answer = await pending
    assert (answer.status, "did not answer" in answer.body) == (504, True)
    assert pms.session(key).state == "playing"
    pms.command_timeout = 0
    assert (await send(session, pms, LIVING_ROOM_TV_ID, "playback/pause")).status == 504
    pms.unresponsive(LIVING_ROOM_TV_ID, unresponsive=False)
    assert (await send(session, pms, LIVING_ROOM_TV_ID, "playback/pause")).status == 200
    assert [item["Player"]["state"] for item in await sessions(session, pms)] == ["paused"]


async def test_held_command_ends_with_the_server(pms: PMSSimulator) -> None:
    """stop() ends a command held for an unresponsive player."""
    pms.unresponsive(LIVING_ROOM_TV_ID)
    async with aiohttp.ClientSession() as client:
        pending = asyncio.ensure_future(send(client, pms, LIVING_ROOM_TV_ID, "playback/play"))
        await until(lambda: len(pms.commands) == 1)
        await pms.stop()
        with pytest.raises(aiohttp.ClientError):
            await pending
