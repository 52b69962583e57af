"""A stand-in server whose every answer the test controls, served on a loopback address.

Where the simulator plays a whole server, this plays single answers (a status, a hold, a
redirect, a websocket closed at once, an endless body...): one for each path of the library.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from library.simulators.pms import closed_port as refused_port

TOKEN_NAME = "X-Plex-Token"  # noqa: S105 - a header name, not a secret
NOTIFICATIONS = "/:/websockets/notifications"
SESSIONS = "/status/sessions"
SERVER_TOKEN = "server-token-abc"  # noqa: S105 - a test token
PNG = b"\x89PNG\r\n\x1a\n-not-really-a-png"

type WebsocketMode = Literal["accept", "refuse", "close", "drop"]


@dataclass(eq=False)
class FakeServer:
    """What the stand-in answers; change the fields while it runs."""

    machine_identifier: str = "machine-1"
    token: str = SERVER_TOKEN
    """The token every route but /identity needs ("": none is needed)."""
    clock: Callable[[], float] = time.monotonic
    """When each websocket upgrade came, as `upgrades` records it."""
    statuses: dict[str, int] = field(default_factory=dict)
    """Answer a path with this status instead."""
    sessions: object = field(default_factory=lambda: {"MediaContainer": {"size": 0}})
    """The answer of GET /status/sessions: JSON, or text or bytes sent as they are."""
    content_type: str = "image/png"
    """The type of the artwork's answer (a PNG's bytes)."""
    redirects: dict[str, str] = field(default_factory=dict)
    """Answer a path with a redirect to another URL."""
    hold: asyncio.Event | None = None
    """Hold every request until the event is set."""
    endless: bool = False
    """Answer every route but /identity and the websocket with a body that never ends."""
    websocket: WebsocketMode = "accept"
    """Accept, refuse (503), close as soon as it opens, or drop the connection at once."""
    greeting: str | None = None
    """A message to send on each websocket as soon as it opens."""
    url: str = ""
    paths: list[str] = field(default_factory=list)
    upgrades: list[float] = field(default_factory=list)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)

    def app(self) -> web.Application:
        """Return the aiohttp application that answers as the fields say."""
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path)
        if self.hold is not None:
            await self.hold.wait()
        if request.path in self.redirects:
            raise web.HTTPFound(self.redirects[request.path])
        if status := self.statuses.get(request.path):
            return web.Response(status=status, text="<html>no</html>")
        if request.path == "/identity":
            container = {"machineIdentifier": self.machine_identifier, "version": "1.41.0.0"}
            return web.json_response({"MediaContainer": container | {"claimed": True}})
        if request.path == NOTIFICATIONS:
            self.upgrades.append(self.clock())
        given = request.headers.get(TOKEN_NAME) or request.query.get(TOKEN_NAME)
        if self.token and given != self.token:
            return web.Response(status=401, text="<html>Unauthorized</html>")
        return await self._authorised(request)

    async def _authorised(self, request: web.Request) -> web.StreamResponse:
        if request.path == NOTIFICATIONS:
            return await self._websocket(request)
        if self.endless:
            return await _endless(request)
        if request.path != SESSIONS:
            return web.Response(body=PNG, content_type=self.content_type)
        if isinstance(self.sessions, str | bytes):
            return web.Response(body=self.sessions, content_type="application/json")
        return web.json_response(self.sessions)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if self.websocket == "refuse":
            return web.Response(status=503, text="no")
        if self.websocket == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=204)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        if self.greeting is not None:
            await ws.send_str(self.greeting)
        if self.websocket == "close":
            await ws.close()
        async for _ in ws:
            pass  # the server ignores what clients send
        return ws

    async def send(self, data: object) -> None:
        """Send a message (JSON, or text as it is) on every open notification websocket."""
        for ws in self.sockets:
            if not ws.closed:
                await (ws.send_str(data) if isinstance(data, str) else ws.send_json(data))

    async def drop(self) -> None:
        """Close every open notification websocket."""
        for ws in self.sockets:
            await ws.close()
        self.sockets.clear()

    @property
    def open_sockets(self) -> int:
        """Return how many notification websockets are open."""
        return sum(not ws.closed for ws in self.sockets)


async def _endless(request: web.Request) -> web.StreamResponse:
    """Send a JSON body that never ends, until the client goes away."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        while True:
            await response.write(b" " * 65536)
    return response


@contextlib.asynccontextmanager
async def serving(server: FakeServer, host: str = "127.0.0.2") -> AsyncIterator[FakeServer]:
    """Serve the stand-in on a loopback address and a free port while the block runs."""
    # No access log: it would quote the websocket URL, token and all, as a real server does.
    runner = web.AppRunner(server.app(), shutdown_timeout=0.1, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, 0).start()
    server.url = f"http://{host}:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        if server.hold is not None:
            server.hold.set()
        await server.drop()
        await runner.cleanup()


def closed_port(host: str = "127.0.0.4") -> str:
    """Return the URL of a port on which nothing listens: a connection is refused at once."""
    return f"http://{host}:{refused_port(host)}"
