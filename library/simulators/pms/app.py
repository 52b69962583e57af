"""An aiohttp application that behaves like the parts of a Plex Media Server a client uses."""

import asyncio
import itertools
import json
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict, Unpack, override

from aiohttp import web

from library.simulators.common import Simulator
from library.simulators.render import wants_json

from .artwork import artwork
from .control import add_control_routes
from .render import error_page, media_container, unauthorized
from .sample import (
    OWNER_USER,
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_SERVER_NAME,
    SAMPLE_TOKEN,
    Media,
    Player,
)
from .state import (
    BUFFERING,
    PAUSED,
    PLAYING,
    STOPPED,
    SimSession,
    playing_message,
    status_message,
)

__all__ = ["PMSFactory", "PMSOptions", "PMSSimulator", "artwork"]

TOKEN = "X-Plex-Token"  # noqa: S105 - a header name, not a secret
NOTIFICATIONS_PATH = "/:/websockets/notifications"
# Paths a client may read without a token.
OPEN_PATHS = ("/identity",)
VERSION = "1.41.3.9314-a0bfb8370"
# The names of the two apps a simulator serves: the server itself, and its control port.
SERVER = "server"
CONTROL = "control"


class PMSOptions(TypedDict, total=False):
    """Keyword arguments of PMSSimulator."""

    machine_identifier: str
    token: str
    name: str
    version: str
    clock: Callable[[], float]
    sessions_json_only: bool
    close_websockets: bool
    oversized_frame: int | None


class PMSFactory(Protocol):
    """Start a PMSSimulator with the given arguments, host and port (the pms_factory fixture)."""

    async def __call__(
        self, *, host: str = "127.0.0.1", port: int = 0, **kwargs: Unpack[PMSOptions]
    ) -> PMSSimulator:
        """Return a simulator started on a loopback host (port 0: a free one), stopped after."""


@dataclass(eq=False)
class _Socket:
    """An open notification websocket and the messages waiting to be sent on it."""

    ws: web.WebSocketResponse
    request: web.Request
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


def oversized_message(size: int) -> str:
    """Return a JSON message longer than size bytes (size + 1 of them, from 14 on)."""
    shell = json.dumps({"padding": ""})
    return shell[:-2] + "x" * max(0, size + 1 - len(shell)) + shell[-2:]


class PMSSimulator(Simulator):
    """A Plex Media Server stand-in served over real HTTP on a loopback address.

    Its URL stays the same while it sleeps (see sleep()).
    """

    main = SERVER

    def __init__(  # noqa: PLR0913
        self,
        *,
        machine_identifier: str = SAMPLE_MACHINE_IDENTIFIER,
        token: str = SAMPLE_TOKEN,
        name: str = SAMPLE_SERVER_NAME,
        version: str = VERSION,
        clock: Callable[[], float] = time.monotonic,
        sessions_json_only: bool = False,
        close_websockets: bool = False,
        oversized_frame: int | None = None,
    ) -> None:
        """Set up the state; call start() to serve it.

        Args:
            machine_identifier: the server's id (plex.tv lists it as the resource's
                clientIdentifier); by default the sample Living Room Server's.
            token: the token every request but /identity must carry; tests may replace
                sim.token later, so that the client's token goes stale (401).
            name: the friendlyName.
            version: the server's version.
            clock: seconds on a monotonic clock, read for the sessions' positions and the
                request log; with a FakeClock, positions move only when the test moves it,
                and periodic progress notifications and fault delays sleep on it.
            sessions_json_only: answer /status/sessions with JSON even without the Accept
                header (XML is the server's default).
            close_websockets: accept each notification websocket and close it at once.
            oversized_frame: as each notification websocket opens, send it one message
                longer than this many bytes.
        """
        super().__init__(clock)
        self.machine_identifier = machine_identifier
        self.token = token
        self.name = name
        self.version = version
        self.sessions_json_only = sessions_json_only
        self.close_websockets = close_websockets
        self.oversized_frame = oversized_frame
        self.sessions: dict[str, SimSession] = {}
        """The current sessions, by sessionKey, oldest first."""
        self.notifications: list[dict[str, Any]] = []
        """Every message sent (or that would have been sent) on the websockets, in order."""
        self.websocket_connections = 0
        """How many notification websockets were opened since the start."""
        self.refusing_websockets = False
        self.refuse_status = 503
        self.asleep = False
        self.host: str | None = None
        self.port: int | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._sockets: set[_Socket] = set()
        self._session_keys = itertools.count(1)
        self._play_queue_items = itertools.count(5101)
        self._progress_interval: float | None = None
        self._progress_task: asyncio.Task[None] | None = None

    # Lifecycle

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
            await self._stop_server()
            raise
        self._start_progress()
        return self.url

    def in_background(self, awaitable: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine in a task that stop() cancels if it is still running."""
        task = asyncio.get_running_loop().create_task(awaitable)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _serve_server(self, host: str, port: int) -> None:
        middleware = self._middleware(
            lambda: self.address,
            lambda _request, status, headers: error_page(status, headers),
            self._guard,
            control=True,
        )
        app = web.Application(middlewares=[middleware])
        app.router.add_get("/identity", self._identity)
        app.router.add_get("/", self._root)
        app.router.add_get("/status/sessions", self._sessions)
        app.router.add_get(NOTIFICATIONS_PATH, self._notifications)
        app.router.add_get("/library/metadata/{rating_key}/{kind}/{stamp}", self._artwork)
        app.router.add_get("/users/{user_id}/avatar", self._artwork)
        app.router.add_get("/photo/:/transcode", self._transcode)
        add_control_routes(self, app)
        self.host, self.port = await self._serve(SERVER, app, host, port)

    @override
    def stop(self, key: str | None = None) -> Awaitable[None]:
        """Stop the server (`await sim.stop()`), or end one session (`sim.stop(key)`).

        With a sessionKey it does as stop_session(), at once, and returns an awaitable that
        has nothing left to do, so `sim.stop(key)` and `await sim.stop(key)` both work.
        Without one it returns the coroutine that stops serving and closes every
        connection; stopping twice is harmless.
        """
        if key is not None:
            self.stop_session(key)
            return _Done()
        return self._stop_server()

    async def _stop_server(self) -> None:
        if self._progress_task is not None:
            self._progress_task.cancel()
            self._progress_task = None
        background = [task for task in self._background if task is not asyncio.current_task()]
        for task in background:
            task.cancel()
        self._drop_sockets()
        await self._close()
        self.asleep = False

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
        self._drop_sockets()
        await self._close(SERVER)

    async def wake(self) -> None:
        """Serve again on the same host and port after sleep()."""
        if not self.asleep or self.host is None or self.port is None:
            return
        await self._serve_server(self.host, self.port)
        self.asleep = False

    # Sessions

    def start_session(
        self,
        *,
        player: dict[str, Any] | Player,
        media: dict[str, Any] | Media,
        user: dict[str, Any] | None = None,
        view_offset: int = 0,
    ) -> str:
        """Start playing media on player (by user: default the player's) and return the sessionKey.

        The session starts in state playing at view_offset (ms); a `playing` notification
        goes out on every websocket.
        """
        the_player = Player.from_dict(player) if isinstance(player, dict) else player
        the_media = Media.from_dict(media) if isinstance(media, dict) else media
        session = SimSession(
            session_key=str(next(self._session_keys)),
            player=the_player,
            media=the_media,
            user=dict(user or the_player.user),
            state=PLAYING,
            offset_ms=view_offset,
            anchor=self.clock(),
            session_id=_random_id(),
            play_queue_item_id=next(self._play_queue_items),
        )
        self.sessions[session.session_key] = session
        self._notify_session(session)
        return session.session_key

    def session(self, key: str) -> SimSession:
        """Return the current session with this sessionKey.

        Raises:
            KeyError: no current session has this key.
        """
        return self.sessions[str(key)]

    def pause(self, key: str) -> None:
        """Pause a session (KeyError if there is none with this key)."""
        self._set_state(key, PAUSED)

    def resume(self, key: str) -> None:
        """Resume a paused or buffering session."""
        self._set_state(key, PLAYING)

    def buffer(self, key: str) -> None:
        """Put a session in state buffering: its position holds until resume()."""
        self._set_state(key, BUFFERING)

    def seek(self, key: str, position_ms: int) -> None:
        """Move a session to a position (ms); a notification carries the new viewOffset."""
        session = self.session(key)
        session.seek(position_ms, self.clock())
        self._notify_session(session)

    def stop_session(self, key: str) -> None:
        """End a session: it leaves /status/sessions; a `stopped` notification goes out."""
        session = self.sessions.pop(str(key))
        session.set_state(STOPPED, self.clock())
        self._notify_session(session)

    def stop_all(self) -> None:
        """End every session."""
        for key in list(self.sessions):
            self.stop_session(key)

    def sessions_json(self) -> list[dict[str, Any]]:
        """Return MediaContainer.Metadata of /status/sessions, as it is now."""
        now = self.clock()
        return [session.as_json(now) for session in self.sessions.values()]

    # Notifications

    @property
    def progress_interval(self) -> float | None:
        """Return the seconds between progress notifications of playing sessions (None: off)."""
        return self._progress_interval

    @progress_interval.setter
    def progress_interval(self, seconds: float | None) -> None:
        if seconds is not None and seconds <= 0:
            msg = "the progress interval must be positive"
            raise ValueError(msg)
        self._progress_interval = seconds
        if self._progress_task is not None:
            self._progress_task.cancel()
            self._progress_task = None
        if SERVER in self._runners or self.asleep:
            self._start_progress()

    def send_progress(self) -> None:
        """Send a `playing` notification for every playing session, as the server does."""
        for session in self.sessions.values():
            if session.state == PLAYING:
                self._notify_session(session)

    def notify(self, message: dict[str, Any]) -> None:
        """Send any message on every open websocket."""
        self.notifications.append(message)
        self.notify_raw(json.dumps(message))

    def notify_raw(self, text: str) -> int:
        """Send one text frame, any text at all, on every open websocket; return how many.

        Unlike notify(), the text is not kept in `notifications`.
        """
        for socket in self._sockets:
            socket.queue.put_nowait(text)
        return len(self._sockets)

    def notify_status(self, title: str, description: str = "") -> None:
        """Send a `status` notification, such as "Library scan complete"."""
        self.notify(status_message(title, description))

    @property
    def open_websockets(self) -> int:
        """Return how many notification websockets are open."""
        return len(self._sockets)

    def drop_websockets(self) -> int:
        """Close every notification websocket abruptly (no close frame); return how many."""
        return self._drop_sockets()

    def refuse_websockets(self, refuse: bool = True, *, status: int = 503) -> None:  # noqa: FBT002
        """Refuse (or accept again) websocket upgrades with `status`; HTTP keeps working."""
        self.refusing_websockets = refuse
        self.refuse_status = status

    async def wait_for_websockets(self, count: int = 1) -> None:
        """Wait until at least `count` notification websockets are open (5 s at most)."""
        async with asyncio.timeout(5):
            while len(self._sockets) < count:  # noqa: ASYNC110 - polls the simulator's state
                await asyncio.sleep(0.005)

    def answer_sessions_once(self, body: str | bytes) -> None:
        """Make the next GET /status/sessions answer 200 with body, whatever it holds.

        The body is sent as it is (as JSON if the request accepts it, XML otherwise), token
        or not: a hostile server's answer, such as a viewOffset thousands of digits long.
        """
        self.add_fault("/status/sessions", method="GET", body=body)

    # Internals

    def _set_state(self, key: str, state: str) -> None:
        session = self.session(key)
        session.set_state(state, self.clock())
        self._notify_session(session)

    def _notify_session(self, session: SimSession) -> None:
        self.notify(playing_message(session.notification(self.clock())))

    def _start_progress(self) -> None:
        if self._progress_interval is None or self._progress_task is not None:
            return
        self._progress_task = asyncio.get_running_loop().create_task(self._progress_loop())

    async def _progress_loop(self) -> None:
        while self._progress_interval is not None:
            await self.clock_sleep(self._progress_interval)
            if not self.asleep:
                self.send_progress()

    def _drop_sockets(self) -> int:
        sockets = list(self._sockets)
        for socket in sockets:
            if socket.request.transport is not None:
                socket.request.transport.close()
        self._sockets.clear()
        return len(sockets)

    def _guard(self, request: web.Request) -> web.Response | None:
        token = request.headers.get(TOKEN) or request.query.get(TOKEN)
        if request.path in OPEN_PATHS or token == self.token:
            return None
        return unauthorized()

    async def _identity(self, request: web.Request) -> web.Response:
        return media_container(
            request,
            {
                "size": 0,
                "apiVersion": "1.1.1",
                "claimed": True,
                "machineIdentifier": self.machine_identifier,
                "version": self.version,
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
                "version": self.version,
                "Directory": [
                    {"count": 1, "key": "library", "title": "library"},
                    {"count": 1, "key": "status", "title": "status"},
                ],
            },
        )

    async def _sessions(self, request: web.Request) -> web.Response:
        metadata = self.sessions_json()
        container = {"size": len(metadata), "Metadata": metadata}
        if self.sessions_json_only and not wants_json(request):
            return web.json_response({"MediaContainer": container})
        return media_container(request, container)

    async def _notifications(self, request: web.Request) -> web.StreamResponse:
        if self.refusing_websockets:
            return error_page(self.refuse_status)
        ws = web.WebSocketResponse(autoping=True)
        if not ws.can_prepare(request).ok:
            return error_page(400)
        await ws.prepare(request)
        self.websocket_connections += 1
        if self.oversized_frame is not None:
            await ws.send_str(oversized_message(self.oversized_frame))
        if self.close_websockets:
            await ws.close()
            return ws
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
        kind = request.match_info.get("kind")
        if kind is not None and kind not in {"thumb", "art"}:
            return error_page(404)
        return web.Response(body=artwork(request.path), content_type="image/png")

    async def _transcode(self, request: web.Request) -> web.Response:
        path = request.query.get("url", "").split("?", 1)[0]
        if not path.startswith("/"):
            return error_page(400)
        for name in ("width", "height"):
            if not request.query.get(name, "1").isdigit():
                return error_page(400)
        return web.Response(body=artwork(path), content_type="image/png")


class _Done:
    """An awaitable with nothing left to do."""

    def __await__(self) -> Generator[None]:
        return
        yield


def _random_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(24))
