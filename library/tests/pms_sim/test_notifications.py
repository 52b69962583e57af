"""The notification websocket: a message on every transition, to every client, and faults."""

import aiohttp
import pytest

from library.simulators.pms import (
    LIVING_ROOM_TV_ID,
    FakeClock,
    PMSSimulator,
    kitchen_speaker,
    living_room_tv,
    sample_film,
    sample_track,
)
from library.tests.pms_sim.helpers import GONE, play_state, sessions, until, ws_url


async def test_websocket_needs_token(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Without the token, or with a wrong one, the upgrade is refused with 401; pings answered."""
    base = f"{pms.url}/:/websockets/notifications"
    for url in (base, f"{base}?X-Plex-Token=wrong"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await session.ws_connect(url)
        assert err.value.status == 401
    assert pms.websocket_connections == 0
    async with session.ws_connect(base, headers={"X-Plex-Token": pms.token}, autoping=False) as ws:
        await ws.ping(b"hi")
        pong = await ws.receive(timeout=1)
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"hi")


async def test_notification_on_each_transition(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """Start, pause, resume, buffer, seek, progress and stop each push a `playing` message."""
    async with session.ws_connect(ws_url(timed_pms)) as ws:
        await until(lambda: timed_pms.open_websockets == 1)
        key = timed_pms.start_session(player=living_room_tv(), media=sample_film())
        started = await play_state(ws)
        assert started == {
            "sessionKey": key,
            "clientIdentifier": LIVING_ROOM_TV_ID,
            "guid": "",
            "ratingKey": "1001",
            "url": "",
            "key": "/library/metadata/1001",
            "viewOffset": 0,
            "playQueueItemID": started["playQueueItemID"],
            "playQueueID": started["playQueueItemID"] // 10,
            "state": "playing",
        }
        clock.advance(30)
        pms = timed_pms
        for change, state in (
            (pms.pause, "paused"),
            (pms.resume, "playing"),
            (pms.buffer, "buffering"),
            (pms.resume, "playing"),
        ):
            change(key)
            notification = await play_state(ws)
            assert (notification["state"], notification["viewOffset"]) == (state, 30_000)
        timed_pms.seek(key, 600_000)
        assert (await play_state(ws))["viewOffset"] == 600_000
        timed_pms.start_session(player=kitchen_speaker(), media=sample_track())
        timed_pms.pause(key)
        assert [(await play_state(ws))["state"] for _ in "12"] == ["playing", "paused"]
        timed_pms.send_progress()  # the paused film is not reported
        assert (await play_state(ws))["ratingKey"] == "3112"
        clock.advance(1)
        timed_pms.stop(key)
        stopped = await play_state(ws)
        assert (stopped["state"], stopped["viewOffset"]) == ("stopped", 600_000)


async def test_every_socket_gets_every_message(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """Two clients each receive the messages, in order."""
    async with session.ws_connect(ws_url(pms)) as one, session.ws_connect(ws_url(pms)) as two:
        await until(lambda: pms.open_websockets == 2)
        key = pms.start_session(player=kitchen_speaker(), media=sample_track())
        pms.pause(key)
        for ws in (one, two):
            assert [(await play_state(ws))["state"] for _ in "12"] == ["playing", "paused"]
    assert pms.websocket_connections == 2


async def test_drop_refuse_and_fault(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Dropped websockets close abruptly; refused ones get 503; faults come before upgrades.

    HTTP keeps working meanwhile, and clients may connect again.
    """
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        assert pms.drop_websockets() == 1
        assert (await ws.receive(timeout=1)).type in GONE
        assert ws.close_code != 1000  # not a clean close
    assert pms.open_websockets == 0
    pms.refuse_websockets()
    pms.add_fault("/:/websockets/notifications", status=500)
    for status in (500, 503):
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await session.ws_connect(ws_url(pms))
        assert err.value.status == status
    assert await sessions(session, pms) == []
    pms.refuse_websockets(refuse=False)
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        pms.start_session(player=living_room_tv(), media=sample_film())
        assert (await play_state(ws))["state"] == "playing"
    assert pms.websocket_connections == 2
