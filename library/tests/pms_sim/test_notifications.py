"""The notification websocket: auth, a message on every transition, progress, other kinds."""

import asyncio
from collections.abc import Callable

import aiohttp
import pytest

from library.simulators.plextv.clock import FakeClock
from library.simulators.pms import (
    LIVING_ROOM_TV_ID,
    PMSSimulator,
    kitchen_speaker,
    living_room_tv,
    sample_film,
    sample_track,
)
from library.simulators.pms.testing import next_message, play_state


def ws_url(sim: PMSSimulator) -> str:
    """Return the notification websocket's URL with the token in the query, as libraries do."""
    return f"{sim.url}/:/websockets/notifications?X-Plex-Token={sim.token}"


async def test_websocket_needs_token(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Without the token, or with a wrong one, the upgrade is refused with 401."""
    for url in (
        f"{pms.url}/:/websockets/notifications",
        f"{pms.url}/:/websockets/notifications?X-Plex-Token=wrong",
    ):
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await session.ws_connect(url)
        assert err.value.status == 401
    assert pms.websocket_connections == 0
    headers = {"X-Plex-Token": pms.token}
    async with session.ws_connect(f"{pms.url}/:/websockets/notifications", headers=headers):
        await pms.wait_for_websockets()
        assert pms.open_websockets == 1


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
        timed_pms.pause(key)
        paused = play_state(await next_message(ws))
        assert (paused["state"], paused["viewOffset"]) == ("paused", 30_000)
        timed_pms.resume(key)
        assert play_state(await next_message(ws))["state"] == "playing"
        timed_pms.buffer(key)
        assert play_state(await next_message(ws))["state"] == "buffering"
        timed_pms.resume(key)
        assert play_state(await next_message(ws))["state"] == "playing"
        timed_pms.seek(key, 600_000)
        sought = play_state(await next_message(ws))
        assert (sought["state"], sought["viewOffset"]) == ("playing", 600_000)
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


async def test_pings_answered(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """The server answers websocket pings (clients' heartbeats)."""
    async with session.ws_connect(ws_url(pms), autoping=False) as ws:
        await ws.ping(b"hi")
        message = await ws.receive(timeout=1)
        assert message.type is aiohttp.WSMsgType.PONG
        assert message.data == b"hi"


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
        await _until(lambda: clock.sleepers == 1)
        clock.advance(10)
        progress = play_state(await next_message(ws))
        assert (progress["state"], progress["viewOffset"]) == ("playing", 10_000)
        assert progress["ratingKey"] == "3112"  # the paused film is not reported
        timed_pms.progress_interval = None
        await _until(lambda: clock.sleepers == 0)
        with pytest.raises(ValueError, match="positive"):
            timed_pms.progress_interval = 0


async def _until(condition: Callable[[], bool]) -> None:
    """Let other tasks run until condition holds (a second at most)."""
    async with asyncio.timeout(1):
        while not condition():  # noqa: ASYNC110 - polls the clock's sleepers
            await asyncio.sleep(0)
