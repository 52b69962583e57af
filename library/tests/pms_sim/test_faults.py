"""Faults: injected statuses and drops, dropped and refused websockets, sleep and wake."""

import asyncio

import aiohttp
import pytest

from library.simulators.pms import PMSSimulator, living_room_tv, sample_film
from library.simulators.pms.fixtures import PMSFactory
from library.simulators.pms.testing import JSON, asleep, auth, get_json, next_message, play_state, sessions


def ws_url(sim: PMSSimulator) -> str:
    """Return the notification websocket's URL with the token."""
    return f"{sim.url}/:/websockets/notifications?X-Plex-Token={sim.token}"


async def test_fault_status_count_method(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A status fault answers that status `count` times, for its method only."""
    pms.add_fault("/status/sessions", status=503, count=2, method="get", headers={"X": "1"})
    for _ in range(2):
        async with session.get(f"{pms.url}/status/sessions", headers=auth(pms)) as response:
            assert response.status == 503
            assert response.headers["X"] == "1"
    assert await sessions(session, pms) == []
    pms.add_fault("/identity", body='{"MediaContainer": ')
    async with session.get(f"{pms.url}/identity", headers=JSON) as response:
        assert response.status == 200
        assert await response.text() == '{"MediaContainer": '
    pms.add_fault("/", status=500, method="POST")
    pms.clear_faults()
    assert pms.faults == []
    with pytest.raises(ValueError, match="count"):
        pms.add_fault("/", count=0)


async def test_fault_drop_and_delay(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A drop closes the connection unanswered; a delay holds the answer (real seconds)."""
    # aiohttp sends a GET once more after a dropped connection: drop both.
    pms.add_fault("/identity", drop=True, count=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await get_json(session, f"{pms.url}/identity", JSON)
    pms.add_fault("/identity", delay=1.0)
    with pytest.raises(TimeoutError):
        async with session.get(f"{pms.url}/identity", timeout=aiohttp.ClientTimeout(total=0.1)):
            pass
    assert len(pms.requests_to("/identity", "GET")) == 3


async def test_fault_on_websocket(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A fault on the websocket path applies before the upgrade."""
    pms.add_fault("/:/websockets/notifications", status=500)
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await session.ws_connect(ws_url(pms))
    assert err.value.status == 500
    async with session.ws_connect(ws_url(pms)):
        pass


async def test_drop_websockets(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """drop_websockets() closes every socket abruptly; a client may connect again."""
    async with session.ws_connect(ws_url(pms)) as ws:
        await pms.wait_for_websockets()
        assert pms.drop_websockets() == 1
        message = await ws.receive(timeout=1)
        assert message.type in {aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR}
        assert ws.closed
        assert ws.close_code != 1000  # not a clean close
    assert pms.open_websockets == 0
    async with session.ws_connect(ws_url(pms)) as ws:
        await pms.wait_for_websockets()
        pms.start_session(player=living_room_tv(), media=sample_film())
        assert play_state(await next_message(ws))["state"] == "playing"
    assert pms.websocket_connections == 2


async def test_refuse_websockets(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Refused upgrades get 503 (or the status given) while HTTP keeps working."""
    pms.refuse_websockets()
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await session.ws_connect(ws_url(pms))
    assert err.value.status == 503
    pms.refuse_websockets(status=404)
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await session.ws_connect(ws_url(pms))
    assert err.value.status == 404
    assert await sessions(session, pms) == []
    pms.refuse_websockets(refuse=False)
    async with session.ws_connect(ws_url(pms)):
        assert pms.websocket_connections == 1


async def test_sleep_and_wake(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """Asleep: connections refused, sockets closed; awake: same URL, sessions kept."""
    sim = await pms_factory(host="127.0.0.2")
    url = sim.url
    key = sim.start_session(player=living_room_tv(), media=sample_film())
    async with session.ws_connect(ws_url(sim)) as ws:
        await sim.wait_for_websockets()
        await sim.sleep()
        assert asleep(sim)
        message = await ws.receive(timeout=1)
        assert message.type in {aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR}
    with pytest.raises(aiohttp.ClientConnectorError) as err:
        await get_json(session, f"{url}/identity", JSON)
    assert isinstance(err.value.os_error, ConnectionRefusedError)
    sim.pause(key)  # the state may change while asleep
    await sim.sleep()  # twice is harmless
    await sim.wake()
    assert not asleep(sim)
    assert sim.url == url
    [item] = await sessions(session, sim)
    assert item["Player"]["state"] == "paused"
    await sim.wake()  # twice is harmless


async def test_stop_closes_websockets(pms_factory: PMSFactory) -> None:
    """Stopping the simulator ends open websockets and held requests without delay."""
    sim = await pms_factory()
    sim.add_fault("/identity", hold=asyncio.Event())
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(ws_url(sim))
        await sim.wait_for_websockets()
        held = asyncio.ensure_future(get_json(client, f"{sim.url}/identity"))
        async with asyncio.timeout(1):
            while not sim.requests_to("/identity"):  # noqa: ASYNC110 - polls the log
                await asyncio.sleep(0.01)
        async with asyncio.timeout(2):
            await sim.stop()
        message = await ws.receive(timeout=1)
        assert message.type in {aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR}
        with pytest.raises(aiohttp.ClientError):
            await held
    await sim.stop()
