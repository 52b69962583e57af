"""Requests as a Plex client sends them, for the simulators' own tests."""

import json
import re
from typing import Any, NamedTuple

import aiohttp
from multidict import CIMultiDictProxy

from library.simulators.plextv import PlexTVSimulator

CLIENT_ID = "3b0c0cfa-5f0e-4a4e-9d7e-5a7c0a6f1e21"
JSON_HEADERS = {
    "X-Plex-Client-Identifier": CLIENT_ID,
    "X-Plex-Product": "Home Assistant",
    "Accept": "application/json",
}
XML = {"Accept": "application/xml"}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class Reply(NamedTuple):
    """A simulator's answer: the status, the body (JSON, text or bytes) and the headers."""

    status: int
    body: Any
    headers: CIMultiDictProxy[str]


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    **kwargs: Any,  # noqa: ANN401
) -> Reply:
    """Send a request (aiohttp's keyword arguments); the body is JSON if it reads as JSON."""
    async with session.request(method, url, **kwargs) as response:
        raw = await response.read()
    body: Any = raw or None
    try:
        body = raw.decode() or None
        body = json.loads(raw)
    except ValueError:
        pass
    return Reply(response.status, body, response.headers)


def with_token(token: str, client_id: str = CLIENT_ID) -> dict[str, str]:
    """Return JSON headers that carry a token."""
    return {**JSON_HEADERS, "X-Plex-Client-Identifier": client_id, "X-Plex-Token": token}


async def create_pin(
    session: aiohttp.ClientSession, sim: PlexTVSimulator, *, strong: bool = False
) -> dict[str, Any]:
    """Create a pin over HTTP and return its JSON."""
    params = {"strong": "true" if strong else "false"}
    url = f"{sim.url}/api/v2/pins"
    reply = await call(session, "POST", url, params=params, headers=JSON_HEADERS)
    assert reply.status == 201
    pin: dict[str, Any] = reply.body
    return pin


async def signed_in(
    session: aiohttp.ClientSession, sim: PlexTVSimulator, account: str | None = None
) -> str:
    """Create and approve a pin (for the current account, or the one named); return the token."""
    return sim.approve((await create_pin(session, sim))["code"], account)


def plex_error(body: Any, code: int, status: int) -> None:  # noqa: ANN401
    """Assert body is plex.tv's JSON error with this code and status."""
    [error] = body["errors"]
    assert (error["code"], error["status"], type(error["message"])) == (code, status, str)
