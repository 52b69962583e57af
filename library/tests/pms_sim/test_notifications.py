"""The notification websocket: a message on every transition, progress, and faults of it."""

import aiohttp
import pytest

from library.simulators.pms import (
    LIVING_ROOM_TV_ID,
    FakeClock,
    PMSFactory,
    PMSSimulator,
    kitchen_speaker,
    living_room_tv,
    sample_film,
    sample_track,
)
from library.tests.pms_sim.helpers import GONE, next_message, play_state, sessions, until, ws_url


async def test_websocket_needs_token(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Without the token, or with a wrong one, the upgrade is refused with 401."""
    base = f"{pms.url}/:/websockets/notifications"
    for url in (base, f"{base}?X-Plex-Token=wrong"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await session.ws_connect(url)
        assert err.value.status == 401
    assert pms.websocket_connections == 0
    async with session.ws_connect(base, headers={"X-Plex-Token": pms.token}, autoping=False) as ws:
        await pms.wait_for_websockets()
        await ws.ping(b"hi")  # the server answers heartbeats
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
        timed_pms.pause(key)
        assert play_state(await next_message(ws))["viewOffset"] == 30_000
        for change, state in (
            (timed_pms.resume, "playing"),
            (timed_pms.buffer, "buffering"),
            (timed_pms.resume, "playing"),
        ):
            change(key)
            assert play_state(await next_message(ws))["state"] == state
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
            assert (status["type"], status["StatusNotification"][0]["title"]) == (
                "status",
                "Library scan complete",
            )
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


async def test_drop_and_refuse_websockets(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """Dropped: closed abruptly, connect again; refused: 503 or the status given, HTTP works."""
    async with session.ws_connect(ws_url(pms)) as ws:
        await pms.wait_for_websockets()
        assert pms.drop_websockets() == 1
        assert (await ws.receive(timeout=1)).type in GONE
        assert ws.close_code != 1000  # not a clean close
    assert pms.open_websockets == 0
    for status in (503, 404):
        pms.refuse_websockets(status=status)
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


async def test_fault_on_websocket(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A fault on the websocket's path applies before the upgrade."""
    pms.add_fault("/:/websockets/notifications", status=500)
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await session.ws_connect(ws_url(pms))
    assert err.value.status == 500
    async with session.ws_connect(ws_url(pms)):
        await pms.wait_for_websockets()


async def test_sleep_and_wake(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """Asleep: connections refused, sockets closed; awake: same URL, sessions kept."""
    sim = await pms_factory(host="127.0.0.2")
    url = sim.url
    key = sim.start_session(player=living_room_tv(), media=sample_film())
    async with session.ws_connect(ws_url(sim)) as ws:
        await sim.wait_for_websockets()
        await sim.sleep()
        assert (await ws.receive(timeout=1)).type in GONE
    with pytest.raises(aiohttp.ClientConnectorError) as err:
        await session.get(f"{url}/identity")
    assert isinstance(err.value.os_error, ConnectionRefusedError)
    sim.pause(key)  # the state may change while asleep
    await sim.sleep()  # twice is harmless
    await sim.wake()
    await sim.wake()
    assert (sim.asleep, sim.url) == (False, url)
    [item] = await sessions(session, sim)
    assert item["Player"]["state"] == "paused"
