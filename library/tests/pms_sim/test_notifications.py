"""The notification websocket: a message on every transition, progress, and faults of it."""

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
from library.tests.pms_sim.helpers import GONE, next_message, play_state, sessions, until, ws_url


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
    """Start, pause, resume, buffer, seek and stop each push a `playing` notification."""
    async with session.ws_connect(ws_url(timed_pms)) as ws:
        await timed_pms.wait_for_websockets()
        key = timed_pms.start_session(player=living_room_tv(), media=sample_film())
        started = play_state(await next_message(ws))
        assert started == {
            "sessionKey": key,
            "clientIdentifier": LIVING_ROOM_TV_ID,
            "guid": "",
            "ratingKey": "1001",
            "url": "",
            "key": "/library/metadata/1001",
            "viewOffset": 0,
            "playQueueItemID": started["playQueueItemID"],
            "playQueueID": started["playQueueID"],
            "state": "playing",
        }
        clock.advance(30)
        states = []
        for change in (timed_pms.pause, timed_pms.resume, timed_pms.buffer, timed_pms.resume):
            change(key)
            notification = play_state(await next_message(ws))
            states.append((notification["state"], notification["viewOffset"]))
        assert states == [
            ("paused", 30_000),
            ("playing", 30_000),
            ("buffering", 30_000),
            ("playing", 30_000),
        ]
        timed_pms.seek(key, 600_000)
        assert play_state(await next_message(ws))["viewOffset"] == 600_000
        clock.advance(1)
        timed_pms.stop(key)
        stopped = play_state(await next_message(ws))
        assert (stopped["state"], stopped["viewOffset"]) == ("stopped", 601_000)
        assert len(timed_pms.notifications) == 7


async def test_every_socket_gets_every_message(
    session: aiohttp.ClientSession, timed_pms: PMSSimulator
) -> None:
    """Two clients each receive the messages, in order; a status message is another kind."""
    async with (
        session.ws_connect(ws_url(timed_pms)) as one,
        session.ws_connect(ws_url(timed_pms)) as two,
    ):
        await timed_pms.wait_for_websockets(2)
        key = timed_pms.start_session(player=kitchen_speaker(), media=sample_track())
        timed_pms.notify_status("Library scan complete")
        for ws in (one, two):
            assert play_state(await next_message(ws))["sessionKey"] == key
            status = (await next_message(ws))["NotificationContainer"]
            assert status["type"] == "status"
            assert status["StatusNotification"][0]["title"] == "Library scan complete"
    assert timed_pms.websocket_connections == 2


async def test_progress_notifications(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """With a progress interval, playing sessions are reported every interval on the clock."""
    async with session.ws_connect(ws_url(timed_pms)) as ws:
        await timed_pms.wait_for_websockets()
        key = timed_pms.start_session(player=living_room_tv(), media=sample_film())
        timed_pms.start_session(player=kitchen_speaker(), media=sample_track())
        timed_pms.pause(key)
        for _ in range(3):
            await next_message(ws)
        timed_pms.progress_interval = 10
        await until(lambda: clock.sleepers == 1)
        clock.advance(10)
        progress = play_state(await next_message(ws))
        assert (progress["state"], progress["viewOffset"]) == ("playing", 10_000)
        assert progress["ratingKey"] == "3112"  # the paused film is not reported
        timed_pms.progress_interval = None
        await until(lambda: clock.sleepers == 0)
        with pytest.raises(ValueError, match="positive"):
            timed_pms.progress_interval = 0


async def test_drop_refuse_and_fault(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Dropped websockets close abruptly; refused ones get 503; faults come before upgrades.

    HTTP keeps working meanwhile, and clients may connect again.
    """
    async with session.ws_connect(ws_url(pms)) as ws:
        await pms.wait_for_websockets()
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
        await pms.wait_for_websockets()
        pms.start_session(player=living_room_tv(), media=sample_film())
        assert play_state(await next_message(ws))["state"] == "playing"
    assert pms.websocket_connections == 2
