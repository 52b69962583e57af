"""The /_sim/ control interface, and the simulator run as a process of its own."""

import asyncio
import json
import re
import select
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from library.simulators.pms import PMSSimulator, living_room_tv
from library.simulators.pms.sample import as_dict
from library.simulators.pms.testing import JSON, asleep, get_json, next_message, play_state


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, body: object = None
) -> tuple[int, Any]:
    async with session.request(method, url, json=body) as response:
        if response.content_type != "application/json":
            return response.status, None
        return response.status, await response.json()


async def test_session_controls(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Sessions start by sample names or objects, change state, and stop over HTTP."""
    control = f"{pms.url}/_sim"
    async with session.ws_connect(
        f"{pms.url}/:/websockets/notifications?X-Plex-Token={pms.token}"
    ) as ws:
        status, body = await _call(
            session, "POST", f"{control}/sessions", {"player": "living_room_tv", "media": "film"}
        )
        assert status == 201
        key = body["sessionKey"]
        assert play_state(await next_message(ws))["state"] == "playing"
        for action, state in (("pause", "paused"), ("buffer", "buffering"), ("resume", "playing")):
            status, body = await _call(session, "POST", f"{control}/sessions/{key}/{action}")
            assert (status, body["Player"]["state"]) == (200, state)
            assert play_state(await next_message(ws))["state"] == state
        status, body = await _call(
            session, "POST", f"{control}/sessions/{key}/seek", {"position_ms": 90_000}
        )
        assert status == 200
        assert body["viewOffset"] >= 90_000
        assert play_state(await next_message(ws))["viewOffset"] >= 90_000
        status, body = await _call(session, "POST", f"{control}/sessions/{key}/stop")
        assert (status, body["state"]) == (200, "stopped")
        assert play_state(await next_message(ws))["state"] == "stopped"

    player = as_dict(living_room_tv()) | {"title": "Den TV"}
    status, body = await _call(
        session, "POST", f"{control}/sessions", {"player": player, "media": "track"}
    )
    assert (status, body["session"]["Player"]["title"]) == (201, "Den TV")
    assert len((await _call(session, "GET", f"{control}/sessions"))[1]) == 1
    assert (await _call(session, "DELETE", f"{control}/sessions"))[0] == 204
    assert pms.sessions == {}
    bad = [
        ("POST", "sessions", {"player": "nobody", "media": "film"}, 404),
        ("POST", "sessions", {"media": "film"}, 400),
        ("POST", "sessions/99/pause", None, 404),
        ("DELETE", "sessions/99", None, 404),
    ]
    for method, path, body_sent, expected in bad:
        assert (await _call(session, method, f"{control}/{path}", body_sent))[0] == expected


async def test_fault_token_and_log_controls(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """Faults, the token, status messages and the request log are driven over HTTP."""
    control = f"{pms.url}/_sim"
    status, _ = await _call(session, "POST", f"{control}/faults", {"path": "/", "status": 500})
    assert status == 201
    assert (await _call(session, "POST", f"{control}/faults", {"path": "/", "x": 1}))[0] == 400
    assert (await get_json(session, f"{pms.url}/identity", JSON))[0] == 500
    await _call(session, "POST", f"{control}/faults", {"path": "/", "status": 500})
    assert (await _call(session, "DELETE", f"{control}/faults"))[0] == 204
    assert pms.faults == []

    assert (await _call(session, "PUT", f"{control}/token", {"token": "new"}))[0] == 204
    assert pms.token == "new"  # noqa: S105 - made up

    status, log = await _call(session, "GET", f"{control}/requests")
    assert [entry["path"] for entry in log] == ["/identity"]  # /_sim/ is not logged
    assert log[0]["host"] == pms.address
    assert (await _call(session, "DELETE", f"{control}/requests"))[0] == 204
    assert pms.requests == []

    async with session.ws_connect(f"{pms.url}/:/websockets/notifications?X-Plex-Token=new") as ws:
        await _call(session, "POST", f"{control}/notify/status", {"title": "Scan done"})
        assert (await next_message(ws))["NotificationContainer"]["type"] == "status"
        status, body = await _call(session, "PUT", f"{control}/progress", {"interval": 30})
        assert body["progress_interval"] == 30
        await _call(session, "PUT", f"{control}/progress", {"interval": None})
        assert (await _call(session, "PUT", f"{control}/websockets", {"refuse": True}))[0] == 200
        assert pms.refusing_websockets
        status, body = await _call(session, "POST", f"{control}/websockets/drop")
        assert body == {"dropped": 1}
        message = await ws.receive(timeout=1)
        assert message.type in {aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR}
    status, state = await _call(session, "GET", f"{control}/state")
    assert state["websocket_connections"] == 1
    assert state["refusing_websockets"] is True


async def test_sleep_and_wake_controls(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Sleep on the server's port; wake on the control port, which stays up."""
    status, body = await _call(session, "POST", f"{pms.url}/_sim/sleep")
    assert (status, body["asleep"]) == (202, True)
    async with asyncio.timeout(2):
        while not asleep(pms):  # noqa: ASYNC110 - polls the simulator's state
            await asyncio.sleep(0.01)
    with pytest.raises(aiohttp.ClientConnectorError):
        await get_json(session, f"{pms.url}/identity", JSON)
    status, state = await _call(session, "GET", f"{pms.control_url}/_sim/state")
    assert state["asleep"] is True
    status, state = await _call(session, "POST", f"{pms.control_url}/_sim/wake")
    assert (status, state["asleep"]) == (200, False)
    assert (await get_json(session, f"{pms.url}/identity", JSON))[0] == 200

    # A sleep of a few tenths of a second wakes by itself.
    await _call(session, "POST", f"{pms.control_url}/_sim/sleep", {"seconds": 0.1})
    async with asyncio.timeout(2):
        while not asleep(pms):  # noqa: ASYNC110 - polls the simulator's state
            await asyncio.sleep(0.01)
        while asleep(pms):  # noqa: ASYNC110 - polls the simulator's state
            await asyncio.sleep(0.01)
    assert (await get_json(session, f"{pms.url}/identity", JSON))[0] == 200


def test_standalone(socket_enabled: None) -> None:
    """`python -m library.simulators.pms` prints its URLs, serves, stops on SIGTERM."""
    with subprocess.Popen(
        [sys.executable, "-m", "library.simulators.pms", "--port", "0", "--machine-identifier", "abc"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        try:
            ready, _, _ = select.select([process.stdout], [], [], 15)
            assert ready, "the simulator printed nothing"
            line = process.stdout.readline()
            match = re.fullmatch(
                r"Plex Media Server simulator on (http://127\.0\.0\.1:\d+)\n", line
            )
            assert match, line
            line = process.stdout.readline()
            control = re.fullmatch(
                r"Plex Media Server simulator control on (http://127\.0\.0\.1:\d+)\n", line
            )
            assert control, line
            request = urllib.request.Request(  # noqa: S310 - loopback http
                f"{match[1]}/identity", headers=JSON
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                assert json.loads(response.read())["MediaContainer"]["machineIdentifier"] == "abc"
            with urllib.request.urlopen(f"{control[1]}/_sim/state", timeout=5) as response:  # noqa: S310
                assert json.loads(response.read())["asleep"] is False
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
