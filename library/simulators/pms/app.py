"""An aiohttp application that behaves like the parts of a Plex Media Server a client uses."""

import asyncio
import hashlib
import itertools
import secrets
import string
import struct
import time
import zlib
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from aiohttp.typedefs import Handler

from library.simulators.plextv.faults import apply_fault
from library.simulators.plextv.state import Fault, RecordedRequest, now_utc

from .render import media_container, unauthorized
from .sample import Media, Player
from .state import (
    BUFFERING,
    PAUSED,
    PLAYING,
    STOPPED,
    SimSession,
    playing_message,
    status_message,
)

TOKEN = "X-Plex-Token"  # noqa: S105 - a header name, not a secret
CONTROL_PREFIX = "/_sim/"
NOTIFICATIONS_PATH = "/:/websockets/notifications"
# Paths a client may read without a token.
OPEN_PATHS = ("/identity",)


def _png(width: int, rows: list[bytes]) -> bytes:
    """Return a PNG of RGB rows (each `width` pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    data = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(data))
        + chunk(b"IEND", b"")
    )


def poster(rgb: tuple[int, int, int], width: int = 100, height: int = 150) -> bytes:
    """Return a poster-shaped PNG: the colour at the top, fading to a third of it below."""
    rows = []
    for y in range(height):
        shade = 1 - 2 * y / (3 * (height - 1))
        rows.append(bytes(round(channel * shade) for channel in rgb) * width)
    return _png(width, rows)


def artwork(path: str) -> bytes:
    """Return the picture the server serves at a path: one poster per item and kind."""
    return poster(colour_of(path))


def colour_of(path: str) -> tuple[int, int, int]:
    """Return the colour of the artwork at a path: one per item and kind, always the same."""
    digest = hashlib.sha256(path.encode()).digest()
    return digest[0], digest[1], digest[2]


@dataclass(eq=False)
class _Socket:
    """An open notification websocket and the messages waiting to be sent on it."""

    ws: web.WebSocketResponse
    request: web.Request
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


class PMSSimulator:
    """A Plex Media Server stand-in served over real HTTP on a loopback address."""

    def __init__(  # noqa: PLR0913
        self,
        *,
        machine_identifier: str,
        token: str,
        name: str = "Living Room Server",
        version: str = "1.41.3.9314-a0bfb8370",
        clock: Callable[[], float] = time.monotonic,
        sessions_json_only: bool = False,
    ) -> None:
        """Set up the state; call start() to serve it.

        Args:
            machine_identifier: the server's id (plex.tv lists it as the resource's
                clientIdentifier).
            token: the token every request but /identity must carry; tests may replace
                sim.token later, so that the client's token goes stale (401).
            name: the friendlyName.
            version: the server's version.
            clock: seconds on a monotonic clock, read for the sessions' positions and the
                request log; with a FakeClock, positions move only when the test moves it,
                and periodic progress notifications sleep on it.
            sessions_json_only: answer /status/sessions with JSON even without the Accept
                header (XML is the server's default).
        """
        self.machine_identifier = machine_identifier
        self.token = token
        self.name = name
        self.version = version
        self.clock = clock
        self.sessions_json_only = sessions_json_only
        self.sessions: dict[str, SimSession] = {}
        """The current sessions, by sessionKey, oldest first."""
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.notifications: list[dict[str, Any]] = []
        """Every message sent (or that would have been sent) on the websockets, in order."""
        self.websocket_connections = 0
        """How many notification websockets were opened since the start."""
        self.refusing_websockets = False
        self.refuse_status = 503
        self.asleep = False
        self.host: str | None = None
        self.port: int | None = None
        self._url: str | None = None
        self._runner: web.AppRunner | None = None
        self._control_runner: web.AppRunner | None = None
        self._control_url: str | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._sockets: set[_Socket] = set()
        self._session_keys = itertools.count(1)
        self._play_queue_items = itertools.count(5101)
        self._delayed: set[asyncio.Task[Any]] = set()
        self._progress_interval: float | None = None
        self._progress_task: asyncio.Task[None] | None = None

    # Lifecycle

    @property
    def url(self) -> str:
        """Return the base URL, such as http://127.0.0.2:40123 (also while asleep)."""
        if self._url is None:
            msg = "the simulator has not been started"
            raise RuntimeError(msg)
        return self._url

    @property
    def control_url(self) -> str:
        """Return the base URL of the control port: /_sim/ routes only, up while asleep."""
        if self._control_url is None:
            msg = "the simulator has not been started"
            raise RuntimeError(msg)
        return self._control_url

    @property
    def address(self) -> str:
        """Return host:port, as the request log names the server."""
        return f"{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0, *, control_port: int = 0) -> str:
        """Serve on host:port (port 0 picks a free one) and return the base URL.

        The /_sim/ control routes are also served on control_port (0: a free one) of the
        same host, which stays up while the server sleeps: see control_url.
        """
        try:
            await self._serve(host, port)
            self._control_runner, self._control_url = await self._serve_control(host, control_port)
        except BaseException:
            await self._stop_server()
            raise
        self._start_progress()
        return self.url

    async def _serve_control(self, host: str, port: int) -> tuple[web.AppRunner, str]:
        from .control import add_control_routes  # noqa: PLC0415 - control imports this module

        app = web.Application()
        add_control_routes(self, app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        bound_host, bound_port = runner.addresses[0][:2]
        return runner, f"http://{bound_host}:{bound_port}"

    def in_background(self, awaitable: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine in a task that stop() cancels if it is still running."""
        task = asyncio.get_running_loop().create_task(awaitable)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _serve(self, host: str, port: int) -> None:
        app = web.Application(middlewares=[self._middleware])
        self._add_routes(app)
        # A short shutdown timeout: a request held by a delay fault must not stall stop().
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self.host, self.port = bound_host, bound_port
        self._url = f"http://{bound_host}:{bound_port}"

    async def _close(self) -> None:
        """Close every connection and the listening socket."""
        self._drop_sockets()
        delayed = list(self._delayed)
        for task in delayed:
            task.cancel()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if delayed:
            await asyncio.wait(delayed, timeout=1)

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
        await self._close()
        control, self._control_runner = self._control_runner, None
        if control is not None:
            await control.cleanup()
        self.asleep = False

    async def sleep(self) -> None:
        """Fall asleep, as a NAS that suspends: the server stops answering altogether.

        The listening socket is closed, so a new connection to the URL is refused
        (ECONNREFUSED at once, on loopback), and every open connection, websockets
        included, is closed without a word: the client sees the connection reset or its
        websocket closed abnormally (1006). The sessions and the URL are kept; wake()
        serves again on the same host and port.
        """
        if self.asleep or self._runner is None:
            return
        self.asleep = True
        await self._close()

    async def wake(self) -> None:
        """Serve again on the same host and port after sleep()."""
        if not self.asleep or self.host is None or self.port is None:
            return
        await self._serve(self.host, self.port)
        self.asleep = False

    async def __aenter__(self) -> Self:
        """Start on a free port of 127.0.0.1."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        await self._stop_server()

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
        if self._runner is not None or self.asleep:
            self._start_progress()

    def send_progress(self) -> None:
        """Send a `playing` notification for every playing session, as the server does."""
        for session in self.sessions.values():
            if session.state == PLAYING:
                self._notify_session(session)

    def notify(self, message: dict[str, Any]) -> None:
        """Send any message on every open websocket."""
        self.notifications.append(message)
        for socket in self._sockets:
            socket.queue.put_nowait(message)

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

    # Faults and the request log

    def add_fault(  # noqa: PLR0913
        self,
        path: str,
        *,
        status: int | None = None,
        delay: float = 0.0,
        body: str | bytes | None = None,
        drop: bool = False,
        count: int = 1,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        hold: asyncio.Event | None = None,
    ) -> None:
        """Give the next `count` requests whose path starts with `path` a fault.

        The request first sleeps `delay` seconds (real ones), then waits until `hold`, if
        given, is set. Then `drop` closes the connection with no answer; `status` answers
        with that status and a short HTML page (or `body`); `body` alone answers 200 with
        that body; with none of them the request is served normally. A fault on
        /:/websockets/notifications applies before the upgrade.

        aiohttp's client sends a GET once more when the connection drops: a drop fault
        needs count=2 for such a client to see the drop.
        """
        if count < 1:
            msg = "count must be at least 1"
            raise ValueError(msg)
        self.faults.append(
            Fault(
                path=path,
                status=status,
                delay=delay,
                body=body,
                drop=drop,
                count=count,
                headers=dict(headers or {}),
                method=method,
                hold=hold,
            )
        )

    def clear_faults(self) -> None:
        """Remove every pending fault."""
        self.faults.clear()

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Return the recorded requests whose path starts with path (and method, if given)."""
        return [
            recorded
            for recorded in self.requests
            if recorded.path.startswith(path)
            and (method is None or recorded.method == method.upper())
        ]

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
        sleep: Callable[[float], Awaitable[None]] = getattr(self.clock, "sleep", asyncio.sleep)
        while self._progress_interval is not None:
            await sleep(self._progress_interval)
            if not self.asleep:
                self.send_progress()

    def _drop_sockets(self) -> int:
        sockets = list(self._sockets)
        for socket in sockets:
            if socket.request.transport is not None:
                socket.request.transport.close()
        self._sockets.clear()
        return len(sockets)

    def _token_of(self, request: web.Request) -> str | None:
        return request.headers.get(TOKEN) or request.query.get(TOKEN) or None

    def _authorized(self, request: web.Request) -> bool:
        return self._token_of(request) == self.token

    def _take_fault(self, request: web.Request) -> Fault | None:
        for fault in self.faults:
            if fault.matches(request.method, request.path):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _record(self, request: web.Request) -> None:
        self.requests.append(
            RecordedRequest(
                time=self.clock(),
                wall_time=now_utc(),
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers={str(name): value for name, value in request.headers.items()},
                host=self.address,
            )
        )

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        self._record(request)
        fault = self._take_fault(request)
        if fault is not None:
            response = await apply_fault(
                request,
                fault,
                delayed=self._delayed,
                error_page=lambda _, status, headers: error_page(status, headers),
            )
            if response is not None:
                return response
        if request.path not in OPEN_PATHS and not self._authorized(request):
            return unauthorized()
        return await handler(request)

    def _add_routes(self, app: web.Application) -> None:
        from .control import add_control_routes  # noqa: PLC0415 - control imports this module

        app.router.add_get("/identity", self._identity)
        app.router.add_get("/", self._root)
        app.router.add_get("/status/sessions", self._sessions)
        app.router.add_get(NOTIFICATIONS_PATH, self._notifications)
        app.router.add_get("/library/metadata/{rating_key}/{kind}/{stamp}", self._artwork)
        app.router.add_get("/users/{user_id}/avatar", self._artwork)
        app.router.add_get("/photo/:/transcode", self._transcode)
        add_control_routes(self, app)

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
                "myPlexUsername": "plexfan",
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
        if self.sessions_json_only and "application/json" not in request.headers.get("Accept", ""):
            return web.json_response({"MediaContainer": container})
        return media_container(request, container)

    async def _notifications(self, request: web.Request) -> web.StreamResponse:
        if self.refusing_websockets:
            return error_page(self.refuse_status)
        ws = web.WebSocketResponse(autoping=True)
        if not ws.can_prepare(request).ok:
            return error_page(400)
        await ws.prepare(request)
        socket = _Socket(ws, request)
        self._sockets.add(socket)
        self.websocket_connections += 1
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
            message = await socket.queue.get()
            try:
                await socket.ws.send_json(message)
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


def error_page(status: int, headers: dict[str, str] | None = None) -> web.Response:
    """Answer with a status and the server's short HTML page."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return web.Response(
        status=status,
        text=f"<html><head><title>{phrase}</title></head>"
        f"<body><h1>{status} {phrase}</h1></body></html>",
        content_type="text/html",
        headers=headers,
    )


def _random_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(24))
