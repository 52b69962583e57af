"""A small stand-in server for the client's unit tests, with every answer under the test's control.

The project's simulator (library.simulators.pms) plays a whole server; this one plays single answers
(a status, a delay, a redirect, another machine) so that each error path has a test.
"""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TOKEN_NAME = "X-Plex-Token"  # noqa: S105 - a header name, not a secret
NOTIFICATIONS = "/:/websockets/notifications"
PNG = b"\x89PNG\r\n\x1a\n-not-really-a-png"


def empty_sessions() -> dict[str, Any]:
    """Return the answer of a server on which nothing plays."""
    return {"MediaContainer": {"size": 0}}


@dataclass(eq=False)
class FakeServer:
    """What the stand-in answers; change the fields while it runs."""

    machine_identifier: str = "machine-1"
    token: str = "server-token-abc"  # noqa: S105 - a test token
    delay: float = 0.0
    status: int | None = None
    """Answer every route with this status instead."""
    body: bytes | None = None
    """Answer the JSON routes with this body instead."""
    sessions: object = field(default_factory=empty_sessions)
    content_type: str = "image/png"
    artwork: bytes = PNG
    redirect_to: str | None = None
    refuse_websockets: bool = False
    url: str = ""
    paths: list[str] = field(default_factory=list)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    ws_tokens: list[str | None] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    on_socket: Callable[[web.WebSocketResponse], Awaitable[None]] | None = None

    def app(self) -> web.Application:
        """Return the aiohttp application that answers as the fields say."""
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        return app

    def _authorised(self, request: web.Request) -> bool:
        given = request.headers.get(TOKEN_NAME) or request.query.get(TOKEN_NAME)
        return given == self.token

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path)
        if self.delay:
            # Held until the delay is over or the server stops, so no handler outlives the test.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.released.wait(), self.delay)
        if self.redirect_to is not None:
            raise web.HTTPFound(self.redirect_to)
        if self.status is not None:
            return web.Response(status=self.status, text="<html>no</html>")
        if request.path == "/identity":
            return self._json(
                {
                    "MediaContainer": {
                        "size": 0,
                        "machineIdentifier": self.machine_identifier,
                        "version": "1.41.0.0",
                        "claimed": True,
                    }
                }
            )
        if not self._authorised(request):
            return web.Response(status=401, text="<html>Unauthorized</html>")
        if request.path == NOTIFICATIONS:
            return await self._websocket(request)
        if request.path == "/status/sessions":
            return self._json(self.sessions)
        return web.Response(body=self.artwork, content_type=self.content_type)

    def _json(self, data: object) -> web.Response:
        if self.body is not None:
            return web.Response(body=self.body, content_type="application/json")
        return web.json_response(data)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        self.ws_tokens.append(request.query.get(TOKEN_NAME))
        if self.refuse_websockets:
            return web.Response(status=503, text="no")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        if self.on_socket is not None:
            await self.on_socket(ws)
        async for message in ws:
            if message.type == WSMsgType.ERROR:  # pragma: no cover - the client's doing
                break
        return ws

    async def send(self, data: object) -> None:
        """Send a message to every open notification websocket."""
        for ws in list(self.sockets):
            if not ws.closed:
                if isinstance(data, str):
                    await ws.send_str(data)
                else:
                    await ws.send_json(data)

    async def drop(self) -> None:
        """Close every open notification websocket."""
        for ws in list(self.sockets):
            await ws.close()
        self.sockets.clear()


@contextlib.asynccontextmanager
async def serving(server: FakeServer, host: str = "127.0.0.2") -> AsyncIterator[FakeServer]:
    """Serve the stand-in on a loopback address and a free port while the block runs."""
    # No access log: it would quote the websocket URL, token and all, as a real server does.
    runner = web.AppRunner(server.app(), shutdown_timeout=0.1, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        server.released.set()
        await server.drop()
        await runner.cleanup()


def closed_port(host: str = "127.0.0.4") -> str:
    """Return the URL of a port on which nothing listens: a connection is refused at once."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    return f"http://{host}:{port}"


@contextlib.asynccontextmanager
async def blackhole(host: str = "127.0.0.5") -> AsyncIterator[str]:
    """Accept connections on a loopback port and never answer, while the block runs."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, host, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
