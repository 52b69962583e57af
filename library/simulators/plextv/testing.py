"""Requests as a Plex client sends them, for the simulator's own tests."""

import re
from typing import Any

import aiohttp

from .app import PlexTVSimulator

CLIENT_ID = "3b0c0cfa-5f0e-4a4e-9d7e-5a7c0a6f1e21"
JSON_HEADERS = {
    "X-Plex-Client-Identifier": CLIENT_ID,
    "X-Plex-Product": "Home Assistant",
    "X-Plex-Device": "Home",
    "X-Plex-Version": "0.1.0",
    "X-Plex-Platform": "Home Assistant",
    "Accept": "application/json",
}
XML_HEADERS = {key: value for key, value in JSON_HEADERS.items() if key != "Accept"}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def with_token(token: str, client_id: str = CLIENT_ID) -> dict[str, str]:
    """Return JSON headers that carry a token."""
    return {**JSON_HEADERS, "X-Plex-Client-Identifier": client_id, "X-Plex-Token": token}


async def create_pin(
    session: aiohttp.ClientSession, sim: PlexTVSimulator, *, strong: bool = False
) -> dict[str, Any]:
    """Create a pin over HTTP and return its JSON."""
    async with session.post(
        f"{sim.url}/api/v2/pins",
        params={"strong": "true" if strong else "false"},
        headers=JSON_HEADERS,
    ) as response:
        assert response.status == 201
        pin: dict[str, Any] = await response.json()
        return pin


async def get_json(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> tuple[int, Any]:
    """GET a URL and return the status and the JSON body."""
    async with session.get(url, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def signed_in(
    session: aiohttp.ClientSession, sim: PlexTVSimulator, account: str | None = None
) -> str:
    """Create and approve a pin (for the current account, or the one named); return the token."""
    pin = await create_pin(session, sim)
    return sim.approve(pin["code"], account)


def plex_error(body: Any, code: int, status: int) -> None:  # noqa: ANN401
    """Assert body is plex.tv's JSON error with this code and status."""
    assert body["errors"][0]["code"] == code
    assert body["errors"][0]["status"] == status
    assert isinstance(body["errors"][0]["message"], str)
