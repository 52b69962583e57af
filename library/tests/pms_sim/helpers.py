"""Requests and websockets as a Plex client uses them, for the server simulator's tests."""

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp

from library.simulators.pms import PMSSimulator
from library.tests.plextv_sim.helpers import call

JSON = {"Accept": "application/json"}
GONE = {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR}
"""What a client's websocket receives once the server has closed or dropped it."""


def auth(sim: PMSSimulator, *, json: bool = True) -> dict[str, str]:
    """Return headers that carry the simulator's token (and ask for JSON unless told)."""
    return {**(JSON if json else {}), "X-Plex-Token": sim.token}


def ws_url(sim: PMSSimulator) -> str:
    """Return the notification websocket's URL with the token in the query, as libraries do."""
    return f"{sim.url}/:/websockets/notifications?X-Plex-Token={sim.token}"


async def sessions(session: aiohttp.ClientSession, sim: PMSSimulator) -> list[dict[str, Any]]:
    """Return MediaContainer.Metadata of /status/sessions, read as JSON."""
    reply = await call(session, "GET", f"{sim.url}/status/sessions", headers=auth(sim))
    assert reply.status == 200
    metadata: list[dict[str, Any]] = reply.body["MediaContainer"]["Metadata"]
    return metadata


async def play_state(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """Return the PlaySessionStateNotification of the websocket's next message (1 s at most)."""
    message = await ws.receive(timeout=1)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    container = message.json()["NotificationContainer"]
    assert (container["type"], container["size"]) == ("playing", 1)
    notification: dict[str, Any] = container["PlaySessionStateNotification"][0]
    return notification


async def until(condition: Callable[[], bool]) -> None:
    """Let other tasks run until condition() holds (a second at most)."""
    async with asyncio.timeout(1):
        while not condition():  # noqa: ASYNC110 - polls the simulator's state
            await asyncio.sleep(0.005)


async def container(session: aiohttp.ClientSession, sim: PMSSimulator, path: str) -> dict[str, Any]:
    """Return the MediaContainer of a GET of path (with the token), read as JSON."""
    reply = await call(session, "GET", f"{sim.url}{path}", headers=auth(sim))
    assert reply.status == 200, (path, reply.status)
    body: dict[str, Any] = reply.body["MediaContainer"]
    return body
