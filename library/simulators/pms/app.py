"""An aiohttp application that behaves like the parts of a Plex Media Server a client uses."""

import asyncio
import itertools
import json
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict, Unpack, override

from aiohttp import web

from library.simulators.common import Simulator

from .artwork import artwork
from .control import add_control_routes
from .render import error_page, media_container
from .sample import (
    OWNER_USER,
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_SERVER_NAME,
    SAMPLE_TOKEN,
    Media,
    Player,
)
from .state import BUFFERING, PAUSED, PLAYING, STOPPED, SimSession

__all__ = ["PMSFactory", "PMSOptions", "PMSSimulator", "artwork"]

TOKEN = "X-Plex-Token"  # noqa: S105 - a header name, not a secret
VERSION = "1.41.3.9314-a0bfb8370"
# The names of the two apps a simulator serves: the server itself, and its control port.
SERVER = "server"
CONTROL = "control"


class PMSOptions(TypedDict, total=False):
    """Keyword arguments of PMSSimulator."""

    machine_identifier: str
    token: str
    name: str
    clock: Callable[[], float]


class PMSFactory(Protocol):
    """Start a PMSSimulator with the given arguments and host (the pms_factory fixture)."""

    async def __call__(
        self, *, host: str = "127.0.0.1", **kwargs: Unpack[PMSOptions]
    ) -> PMSSimulator:
        """Return a simulator started on a free port of a loopback host, stopped after."""


@dataclass(eq=False)
class _Socket:
    """An open notification websocket and the messages waiting to be sent on it."""

    ws: web.WebSocketResponse
    request: web.Request
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


class PMSSimulator(Simulator):
    """A Plex Media Server stand-in served over real HTTP on a loopback address.

    Every request but /identity must carry its token (a header or the query); tests may
    replace sim.token later, so that the client's token goes stale (401). Positions move on
    its clock: with a FakeClock, only when the test moves it. Its URL stays the same while it
    sleeps (see sleep()).
    """

    main = SERVER

    def __init__(
        self,
        *,
        machine_identifier: str = SAMPLE_MACHINE_IDENTIFIER,
        token: str = SAMPLE_TOKEN,
        name: str = SAMPLE_SERVER_NAME,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set up the state (by default the sample Living Room Server's); start() serves it."""
        super().__init__(clock)
        self.machine_identifier = machine_identifier
        self.token = token
        self.name = name
        self.sessions: dict[str, SimSession] = {}
        """The current sessions, by sessionKey, oldest first."""
        self.websocket_connections = 0
        """How many notification websockets were opened since the start."""
        self.refusing_websockets = False
        self.asleep = False
        self.host: str | None = None
        self.port: int | None = None
        self._sockets: set[_Socket] = set()
        self._session_keys = itertools.count(1)
        self._play_queue_items = itertools.count(5101)

    @property
    def control_url(self) -> str:
        """Return the base URL of the control port: /_sim/ routes only, up while asleep."""
        return self._url_of(CONTROL)

    @property
    def address(self) -> str:
        """Return host:port, as the request log names the server."""
        return f"{self.host}:{self.port}"

    @override
    async def start(self, host: str = "127.0.0.1", port: int = 0, *, control_port: int = 0) -> str:
        """Serve on a loopback host:port (port 0 picks a free one) and return the base URL.

        The /_sim/ control routes are also served on control_port (0: a free one) of the
        same host, which stays up while the server sleeps: see control_url.
        """
        try:
            await self._serve_server(host, port)
            control = web.Application()
            add_control_routes(self, control)
            await self._serve(CONTROL, control, host, control_port)
        except BaseException:
            await self._close()
            raise
        return self.url

    async def _serve_server(self, host: str, port: int) -> None:
        def page(_request: web.Request, status: int, headers: dict[str, str]) -> web.Response:
            return error_page(status, headers)

        app = web.Application(
            middlewares=[self._middleware(lambda: self.address, page, self._guard)]
        )
        app.router.add_get("/identity", self._identity)
        app.router.add_get("/", self._root)
        app.router.add_get("/status/sessions", self._sessions)
        app.router.add_get("/:/websockets/notifications", self._notifications)
        app.router.add_get("/library/metadata/{rating_key}/{kind:thumb|art}/{stamp}", self._artwork)
        add_control_routes(self, app)
        self.host, self.port = await self._serve(SERVER, app, host, port)

    @override
    def stop(self, key: str | None = None) -> Awaitable[None]:
        """Stop the server (`await sim.stop()`), or end one session (`sim.stop(key)`).

        With a sessionKey it does as stop_session(), at once, and returns an awaitable that
        has nothing left to do, so `sim.stop(key)` and `await sim.stop(key)` both work.
        """
        if key is not None:
            self.stop_session(key)
            return _Done()
        self.drop_websockets()
        self.asleep = False
        return self._close()

    async def sleep(self) -> None:
        """Fall asleep, as a NAS that suspends: the server stops answering altogether.

        The listening socket is closed, so a new connection to the URL is refused
        (ECONNREFUSED at once, on loopback), and every open connection, websockets
        included, is closed without a word: the client sees the connection reset or its
        websocket closed abnormally (1006). The sessions and the URL are kept; wake()
        serves again on the same host and port.
        """
        if self.asleep or SERVER not in self._runners:
            return
        self.asleep = True
        self.drop_websockets()
        await self._close(SERVER)

    async def wake(self) -> None:
        """Serve again on the same host and port after sleep()."""
        if self.asleep and self.host is not None and self.port is not None:
            await self._serve_server(self.host, self.port)
            self.asleep = False

    # Sessions; each change sends a `playing` notification on every websocket.

    def start_session(self, *, player: Player, media: Media) -> str:
        """Start playing media on player (by its user) from the start; return the sessionKey."""
        session = SimSession(
            session_key=str(next(self._session_keys)),
            player=player,
            media=media,
            state=PLAYING,
            offset_ms=0,
            anchor=self.clock(),
            session_id="".join(
                secrets.choice(string.ascii_lowercase + string.digits) for _ in range(24)
            ),
            play_queue_item_id=next(self._play_queue_items),
        )
        self.sessions[session.session_key] = session
        self._notify(session)
        return session.session_key

    def session(self, key: str) -> SimSession:
        """Return the current session with this sessionKey (KeyError if there is none)."""
        return self.sessions[str(key)]

    def pause(self, key: str) -> None:
        """Pause a session."""
        self._set_state(key, PAUSED)

    def resume(self, key: str) -> None:
        """Resume a paused or buffering session."""
        self._set_state(key, PLAYING)

    def buffer(self, key: str) -> None:
        """Put a session in state buffering: its position holds until resume()."""
        self._set_state(key, BUFFERING)

    def seek(self, key: str, position_ms: int) -> None:
        """Move a session to a position (ms)."""
        self.session(key).seek(position_ms, self.clock())
        self._notify(self.session(key))

    def stop_session(self, key: str) -> None:
        """End a session: it leaves /status/sessions with a `stopped` notification."""
        session = self.sessions.pop(str(key))
        session.set_state(STOPPED, self.clock())
        self._notify(session)

    def stop_all(self) -> None:
        """End every session."""
        for key in list(self.sessions):
            self.stop_session(key)

    def sessions_json(self) -> list[dict[str, Any]]:
        """Return MediaContainer.Metadata of /status/sessions, as it is now."""
        return [session.as_json(self.clock()) for session in self.sessions.values()]

    def send_progress(self) -> None:
        """Send a `playing` notification for every playing session, as the server does."""
        for session in self.sessions.values():
            if session.state == PLAYING:
                self._notify(session)

    # The notification websockets

    @property
    def open_websockets(self) -> int:
        """Return how many notification websockets are open."""
        return len(self._sockets)

    def drop_websockets(self) -> int:
        """Close every notification websocket abruptly (no close frame); return how many."""
        sockets, self._sockets = self._sockets, set()
        for socket in sockets:
            if socket.request.transport is not None:
                socket.request.transport.close()
        return len(sockets)

    def refuse_websockets(self, refuse: bool = True) -> None:  # noqa: FBT002
        """Refuse (or accept again) websocket upgrades with 503; HTTP keeps working."""
        self.refusing_websockets = refuse

    # Internals

    def _set_state(self, key: str, state: str) -> None:
        self.session(key).set_state(state, self.clock())
        self._notify(self.session(key))

    def _notify(self, session: SimSession) -> None:
        text = json.dumps(session.playing_message(self.clock()))
        for socket in self._sockets:
            socket.queue.put_nowait(text)

    def _guard(self, request: web.Request) -> web.Response | None:
        token = request.headers.get(TOKEN) or request.query.get(TOKEN)
        return None if request.path == "/identity" or token == self.token else error_page(401)

    async def _identity(self, request: web.Request) -> web.Response:
        return media_container(
            request,
            {
                "size": 0,
                "apiVersion": "1.1.1",
                "claimed": True,
                "machineIdentifier": self.machine_identifier,
                "version": VERSION,
            },
        )

    async def _root(self, request: web.Request) -> web.Response:
        return media_container(
            request,
            {
                "size": 0,
                "allowCameraUpload": False,
                "allowSync": True,
                "claimed": True,
                "friendlyName": self.name,
                "machineIdentifier": self.machine_identifier,
                "multiuser": True,
                "myPlex": True,
                "myPlexMappingState": "mapped",
                "myPlexSigninState": "ok",
                "myPlexSubscription": True,
                "myPlexUsername": OWNER_USER["title"],
                "platform": "Linux",
                "platformVersion": "6.8.0",
                "transcoderActiveVideoSessions": 0,
                "transcoderAudio": True,
                "transcoderVideo": True,
                "updatedAt": 1700000000,
                "version": VERSION,
                "Directory": [
                    {"count": 1, "key": "library", "title": "library"},
                    {"count": 1, "key": "status", "title": "status"},
                ],
            },
        )

    async def _sessions(self, request: web.Request) -> web.Response:
        metadata = self.sessions_json()
        return media_container(request, {"size": len(metadata), "Metadata": metadata})

    async def _notifications(self, request: web.Request) -> web.StreamResponse:
        if self.refusing_websockets:
            return error_page(503)
        ws = web.WebSocketResponse(autoping=True)
        if not ws.can_prepare(request).ok:
            return error_page(400)
        await ws.prepare(request)
        self.websocket_connections += 1
        socket = _Socket(ws, request)
        self._sockets.add(socket)
        sender = asyncio.create_task(self._send_loop(socket))
        try:
            async for _message in ws:
                pass  # the server ignores what clients send; pings are answered by aiohttp
        finally:
            sender.cancel()
            self._sockets.discard(socket)
        return ws

    @staticmethod
    async def _send_loop(socket: _Socket) -> None:
        while True:
            text = await socket.queue.get()
            try:
                await socket.ws.send_str(text)
            except ConnectionError:
                return

    async def _artwork(self, request: web.Request) -> web.Response:
        return web.Response(body=artwork(request.path), content_type="image/png")


class _Done:
    """An awaitable with nothing left to do."""

    def __await__(self) -> Generator[None]:
        return
        yield
