"""Requests as a Plex client sends them, for the simulator's own tests."""

from typing import Any

import aiohttp

from .app import PMSSimulator

JSON = {"Accept": "application/json"}


def auth(sim: PMSSimulator, *, json: bool = True) -> dict[str, str]:
    """Return headers that carry the simulator's token (and ask for JSON unless told)."""
    return {**(JSON if json else {}), "X-Plex-Token": sim.token}


async def get_json(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """GET a URL and return the status and the JSON body (None if it is not JSON)."""
    async with session.get(url, headers=headers) as response:
        if response.content_type != "application/json":
            return response.status, None
        return response.status, await response.json()


async def sessions(session: aiohttp.ClientSession, sim: PMSSimulator) -> list[dict[str, Any]]:
    """Return MediaContainer.Metadata of /status/sessions, read as JSON."""
    status, body = await get_json(session, f"{sim.url}/status/sessions", auth(sim))
    assert status == 200
    metadata: list[dict[str, Any]] = body["MediaContainer"].get("Metadata", [])
    return metadata


async def next_message(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """Return the next JSON message of a notification websocket (1 s at most)."""
    message = await ws.receive(timeout=1)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    data: dict[str, Any] = message.json()
    return data


def play_state(message: dict[str, Any]) -> dict[str, Any]:
    """Return the one PlaySessionStateNotification of a `playing` message."""
    container = message["NotificationContainer"]
    assert container["type"] == "playing"
    assert container["size"] == 1
    notification: dict[str, Any] = container["PlaySessionStateNotification"][0]
    return notification


def asleep(sim: PMSSimulator) -> bool:
    """Return whether the simulator sleeps (read afresh: it changes behind the test's back)."""
    return sim.asleep
