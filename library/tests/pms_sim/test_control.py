"""The server simulator's own /_sim/ routes (the faults' and the log's are in test_common)."""

import aiohttp
import pytest

from library.simulators.pms import (
    FakeClock,
    PMSFactory,
    PMSSimulator,
    friend_phone,
    living_room_tv,
    sample_film,
)
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import GONE, JSON, play_state, sessions, until, ws_url


async def test_session_controls(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Sessions start by sample names, change state and stop over HTTP; the state shows them."""
    control = f"{pms.control_url}/_sim"
    async with session.ws_connect(ws_url(pms)) as ws:
        body = {"player": "friend_phone", "media": "episode"}
        status, started, _ = await call(session, "POST", f"{control}/sessions", json=body)
        key = started["sessionKey"]
        assert (status, started["session"]["Player"]["title"]) == (201, friend_phone().title)
        assert (await play_state(ws))["state"] == "playing"
        for action, state in (("pause", "paused"), ("buffer", "buffering"), ("resume", "playing")):
            reply = await call(session, "POST", f"{control}/sessions/{key}/{action}")
            assert (reply.status, reply.body["Player"]["state"]) == (200, state)
            assert (await play_state(ws))["state"] == state
        [listed] = (await call(session, "GET", f"{control}/sessions")).body
        assert (listed["sessionKey"], listed["grandparentTitle"]) == (key, "Northern Lines")
        state = (await call(session, "GET", f"{control}/state")).body
        assert state == state | {"open_websockets": 1, "websocket_connections": 1, "asleep": False}
        assert (state["url"], state["control_url"], state["sessions"][0]["sessionKey"]) == (
            pms.url,
            pms.control_url,
            key,
        )
        reply = await call(session, "POST", f"{control}/sessions/{key}/stop")
        assert reply.body == {"sessionKey": key, "state": "stopped"}
        assert (await play_state(ws))["state"] == "stopped"
    pms.start_session(player=living_room_tv(), media=sample_film())
    assert (await call(session, "DELETE", f"{pms.url}/_sim/sessions")).status == 204
    assert pms.sessions == {}
    for method, path, sent, expected in (
        ("POST", "sessions", {"player": "nobody", "media": "film"}, 400),
        ("POST", "sessions", {"media": "film"}, 400),
        ("POST", "sessions/99/pause", None, 404),
        ("POST", f"sessions/{key}/seek", None, 404),
    ):
        assert (await call(session, method, f"{control}/{path}", json=sent)).status == expected


async def test_sleep_and_wake(
    session: aiohttp.ClientSession, pms_factory: PMSFactory, clock: FakeClock
) -> None:
    """Asleep: connections refused, websockets closed; awake: same URL, sessions kept.

    The control port stays up meanwhile.
    """
    pms = await pms_factory(host="127.0.0.2", clock=clock)
    url = pms.url
    key = pms.start_session(player=living_room_tv(), media=sample_film())
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        await pms.sleep()
        assert (await ws.receive(timeout=1)).type in GONE
    with pytest.raises(aiohttp.ClientConnectorError) as err:
        await call(session, "GET", f"{url}/identity")
    assert isinstance(err.value.os_error, ConnectionRefusedError)
    pms.pause(key)  # the state may change while asleep
    await pms.sleep()  # twice is harmless
    assert (await call(session, "GET", f"{pms.control_url}/_sim/state")).body["asleep"] is True
    await pms.wake()
    await pms.wake()  # twice is harmless
    assert pms.url == url
    assert [item["Player"]["state"] for item in await sessions(session, pms)] == ["paused"]
    assert (await call(session, "GET", f"{url}/identity", headers=JSON)).status == 200
