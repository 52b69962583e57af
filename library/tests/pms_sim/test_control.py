"""The server simulator's own /_sim/ routes (the faults' and the log's are in test_common)."""

import aiohttp
import pytest

from library.simulators.pms import (
    FakeClock,
    PMSFactory,
    PMSSimulator,
    as_dict,
    living_room_tv,
    sample_film,
)
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import (
    GONE,
    JSON,
    next_message,
    play_state,
    sessions,
    until,
    ws_url,
)


async def test_session_controls(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Sessions start by sample names or objects, change state, and stop over HTTP."""
    control = f"{pms.url}/_sim"
    async with session.ws_connect(ws_url(pms)) as ws:
        body = {"player": "living_room_tv", "media": "film"}
        status, started, _ = await call(session, "POST", f"{control}/sessions", json=body)
        key = started["sessionKey"]
        assert (status, play_state(await next_message(ws))["state"]) == (201, "playing")
        for action, state in (("pause", "paused"), ("buffer", "buffering"), ("resume", "playing")):
            reply = await call(session, "POST", f"{control}/sessions/{key}/{action}")
            assert (reply.status, reply.body["Player"]["state"]) == (200, state)
            assert play_state(await next_message(ws))["state"] == state
        seek = {"position_ms": 90_000}
        reply = await call(session, "POST", f"{control}/sessions/{key}/seek", json=seek)
        assert reply.body["viewOffset"] >= 90_000
        assert play_state(await next_message(ws))["viewOffset"] >= 90_000
        reply = await call(session, "POST", f"{control}/sessions/{key}/stop")
        assert reply.body == {"sessionKey": key, "state": "stopped"}
        assert play_state(await next_message(ws))["state"] == "stopped"
    body = {"player": as_dict(living_room_tv()) | {"title": "Den TV"}, "media": "track"}
    key = (await call(session, "POST", f"{control}/sessions", json=body)).body["sessionKey"]
    [listed] = (await call(session, "GET", f"{control}/sessions")).body
    assert (listed["sessionKey"], listed["Player"]["title"]) == (key, "Den TV")
    assert (await call(session, "DELETE", f"{control}/sessions/{key}")).status == 204
    pms.start_session(player=living_room_tv(), media=sample_film())
    assert (await call(session, "DELETE", f"{control}/sessions")).status == 204
    assert pms.sessions == {}
    for method, path, sent, expected in (
        ("POST", "sessions", {"player": "nobody", "media": "film"}, 404),
        ("POST", "sessions", {"media": "film"}, 400),
        ("POST", "sessions/99/pause", None, 404),
        ("DELETE", "sessions/99", None, 404),
    ):
        assert (await call(session, method, f"{control}/{path}", json=sent)).status == expected


async def test_server_controls(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """The token, status messages, progress and websockets are driven over HTTP; the state."""
    control = f"{pms.url}/_sim"
    assert (await call(session, "PUT", f"{control}/token", json={"token": "new"})).status == 204
    assert pms.token == "new"  # noqa: S105 - made up
    async with session.ws_connect(ws_url(pms)) as ws:
        body = {"title": "Scan done"}
        assert (await call(session, "POST", f"{control}/notify/status", json=body)).status == 204
        assert (await next_message(ws))["NotificationContainer"]["type"] == "status"
        state = (await call(session, "PUT", f"{control}/progress", json={"interval": 30})).body
        assert state["progress_interval"] == 30
        await call(session, "PUT", f"{control}/progress", json={"interval": None})
        refuse = {"refuse": True, "status": 404}
        state = (await call(session, "PUT", f"{control}/websockets", json=refuse)).body
        assert (state["refusing_websockets"], pms.refuse_status) == (True, 404)
        assert (await call(session, "POST", f"{control}/websockets/drop")).body == {"dropped": 1}
        assert (await ws.receive(timeout=1)).type in GONE
    state = (await call(session, "GET", f"{control}/state")).body
    assert state == state | {"websocket_connections": 1, "open_websockets": 0}
    assert (state["url"], state["control_url"], pms.progress_interval) == (
        pms.url,
        pms.control_url,
        None,
    )
    for method, path, wrong in (
        ("PUT", "token", {"token": 1}),
        ("POST", "notify/status", {}),
        ("PUT", "progress", {"interval": "often"}),
        ("PUT", "progress", {"interval": -1}),
        ("PUT", "websockets", {"refuse": "yes"}),
        ("POST", "sleep", {"seconds": "long"}),
    ):
        assert (await call(session, method, f"{control}/{path}", json=wrong)).status == 400


async def test_sleep_and_wake(
    session: aiohttp.ClientSession, pms_factory: PMSFactory, clock: FakeClock
) -> None:
    """Asleep: connections refused, websockets closed; awake: same URL, sessions kept.

    The control port stays up: wake there, or by itself after a while on the clock.
    """
    pms = await pms_factory(host="127.0.0.2", clock=clock)
    url = pms.url
    key = pms.start_session(player=living_room_tv(), media=sample_film())
    async with session.ws_connect(ws_url(pms)) as ws:
        await pms.wait_for_websockets()
        await pms.sleep()
        assert (await ws.receive(timeout=1)).type in GONE
    with pytest.raises(aiohttp.ClientConnectorError) as err:
        await call(session, "GET", f"{url}/identity")
    assert isinstance(err.value.os_error, ConnectionRefusedError)
    pms.pause(key)  # the state may change while asleep
    await pms.sleep()  # twice is harmless
    assert (await call(session, "GET", f"{pms.control_url}/_sim/state")).body["asleep"] is True
    assert (await call(session, "POST", f"{pms.control_url}/_sim/wake")).body["asleep"] is False
    await pms.wake()  # twice is harmless
    assert pms.url == url
    assert [item["Player"]["state"] for item in await sessions(session, pms)] == ["paused"]
    reply = await call(session, "POST", f"{url}/_sim/sleep", json={"seconds": 60})
    assert (reply.status, reply.body) == (202, {"asleep": True, "wake_after": 60})
    await until(lambda: pms.asleep and clock.sleepers == 1)
    clock.advance(60)
    await until(lambda: not pms.asleep)
    assert (await call(session, "GET", f"{url}/identity", headers=JSON)).status == 200
