"""An aiohttp application that behaves like the parts of a Plex Media Server a client uses."""

import asyncio
import itertools
import json
import secrets
import string
import time
import uuid
from collections.abc import Awaitable, Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict, Unpack, override

from aiohttp import web

from library.simulators.common import Simulator

from .artwork import artwork
from .control import add_control_routes
from .library import SimLibrary
from .players import Command, add_player_routes
from .queues import PlayQueue, PlayQueues
from .render import TOKEN, error_page, media_container
from .routes import add_library_routes
from .sample import (
    CONTROL_CAPABILITIES,
    KNOWN_PLAYERS,
    OWNER_USER,
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_PLAYERS,
    SAMPLE_SERVER_NAME,
    SAMPLE_TOKEN,
    TIMELINE_ONLY,
    Media,
    Player,
)
from .state import (
    BUFFERING,
    DECISIONS,
    DIRECT_PLAY,
    PAUSED,
    PLAYING,
    SOURCE_FIELDS,
    STOPPED,
    SimSession,
)
from .updater import INSTALLING, SimUpdater

__all__ = ["PMSFactory", "PMSOptions", "PMSSimulator", "artwork"]

VERSION = "1.41.3.9314-a0bfb8370"
NEW_VERSION = "1.42.1.10060-4e8b05daf"
EPOCH_AT_START = 1_760_000_000
"""The epoch time (s) when a simulator starts: later than every sample item's addedAt."""
REPEAT_ALL = 2
"""A play queue's repeat mode that starts it over after its last item."""
TRANSCODE_SESSIONS = "/video/:/transcode/universal/session/"
"""An HLS session's playlists and segments: its id authorizes them, as on a real server."""
# The names of the two apps a simulator serves: the server itself, and its control port.
SERVER = "server"
CONTROL = "control"


class PMSOptions(TypedDict, total=False):
    """Keyword arguments of PMSSimulator."""

    machine_identifier: str
    token: str
    name: str
    clock: Callable[[], float]
    films: int


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
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    """Texts to send; None closes the connection once everything before it was sent."""


class PMSSimulator(Simulator):
    """A Plex Media Server stand-in served over real HTTP on a loopback address.

    Every request but /identity must carry its token (a header or the query); tests may
    replace sim.token later, so that the client's token goes stale (401). Positions move on
    its clock: with a FakeClock, only when the test moves it. Its URL stays the same while it
    sleeps (see sleep()).

    Its libraries (sim.library, see library.SimLibrary) hold the sample items and `films`
    generated films more; transient tokens (GET /security/token) are accepted as the token
    until restart_tokens() or an update's restart voids them.

    It knows the players of sample.KNOWN_PLAYERS (sim.players, GET /clients) and passes
    commands on to them (see players.py): those that take remote control obey, on their
    newest session; sim.commands records each. Play queues (sim.play_queues, see
    queues.py) are built from the library; playMedia starts a session of a queue's item.
    Sessions stream by direct play, direct stream or transcode (see state.py), and end by
    terminate (sim.terminated), which needs Plex Pass (sim.plex_pass).
    """

    main = SERVER

    def __init__(
        self,
        *,
        machine_identifier: str = SAMPLE_MACHINE_IDENTIFIER,
        token: str = SAMPLE_TOKEN,
        name: str = SAMPLE_SERVER_NAME,
        clock: Callable[[], float] = time.monotonic,
        films: int = 0,
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
        self._clock_at_start = clock()
        self.version = VERSION
        """The server's version, as /identity and / show it; an update's restart changes it."""
        self.transient_tokens: set[str] = set()
        """The transient tokens handed out since the last restart."""
        self.scans: dict[str, int] = {}
        """How many scans each section (by key) was asked for."""
        self.transcodes: list[dict[str, Any]] = []
        """Each transcoder request: {"path": ..., "query": {...}} (without the token)."""
        self.transcode_sessions: dict[str, str] = {}
        """The HLS sessions the transcoder started: the rating key of each, by session id."""
        self.updater = SimUpdater()
        self.install_seconds = 0.0
        """How long an update installs (on the clock) before the server restarts."""
        self.restarts = 0
        self.library = SimLibrary(epoch=self.epoch, notify=self.notify, films=films)
        self.players: dict[str, Player] = {}
        """The players the server knows and can reach (GET /clients), by machineIdentifier."""
        for known in KNOWN_PLAYERS:
            self.add_player(SAMPLE_PLAYERS[known]())
        self.commands: list[Command] = []
        """Each command sent to a player through the server, in order (refused ones too)."""
        self.unresponsive_players: set[str] = set()
        self.command_timeout = 20.0
        """How long (s, on the clock) a command to an unresponsive player hangs before 504."""
        self._saved_capabilities: dict[str, str] = {}
        self._queues = PlayQueues(
            self.library, lambda: self.machine_identifier, self._play_queue_items
        )
        self.play_queues: dict[int, PlayQueue] = self._queues.queues
        """The play queues built since the start, by playQueueID."""
        self.terminated: list[tuple[str, str]] = []
        """Each session ended by terminate: (Session.id, reason)."""
        self.plex_pass = True
        """Whether the server's owner has Plex Pass: terminate needs it (else 401)."""

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
        add_library_routes(self, app)
        add_player_routes(self, app)
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

    def start_session(  # noqa: PLR0913
        self,
        *,
        player: Player,
        media: Media,
        decision: str = DIRECT_PLAY,
        bandwidth: int | None = None,
        hardware: bool = False,
        offset_ms: int = 0,
        paused: bool = False,
        play_queue: PlayQueue | None = None,
    ) -> str:
        """Start playing media on player (by its user); return the sessionKey.

        `decision`: directplay, copy (direct stream) or transcode (`hardware`: on the GPU);
        `bandwidth` (kbit/s): Session.bandwidth, by default the stream's bitrate. It starts
        at offset_ms, paused if asked, as the item of play_queue it is (ValueError if the
        queue does not hold it).
        """
        if decision not in DECISIONS:
            msg = f"decision must be one of {', '.join(DECISIONS)}"
            raise ValueError(msg)
        queued = None
        if play_queue is not None:
            queued = play_queue.select(media.rating_key)
            if queued is None:
                msg = f"play queue {play_queue.id} does not hold {media.rating_key}"
                raise ValueError(msg)
        now = self.clock()
        session = SimSession(
            session_key=str(next(self._session_keys)),
            player=player,
            media=media,
            state=PAUSED if paused else PLAYING,
            offset_ms=max(0, min(offset_ms, media.duration)),
            anchor=now,
            session_id="".join(
                secrets.choice(string.ascii_lowercase + string.digits) for _ in range(24)
            ),
            play_queue_item_id=queued.item_id if queued else next(self._play_queue_items),
            decision=decision,
            bandwidth=bandwidth,
            hardware=hardware,
            play_queue=play_queue,
            transcode_key=secrets.token_hex(12),
            transcode_anchor=now,
        )
        self._load_file(session)
        self.sessions[session.session_key] = session
        self._notify(session)
        return session.session_key

    def _load_file(self, session: SimSession) -> None:
        """Give a session the library's file of its item, if the library holds it."""
        session.container, session.part_key, session.source = None, None, {}
        if (item := self.library.items.get(session.media.rating_key)) is not None and item.leaf:
            # The same file as the library's item: a client may play the session's part.
            media = item.media_json()
            session.container = item.container
            session.part_key = media["Part"][0]["key"]
            session.source = {name: value for name, value in media.items() if name in SOURCE_FIELDS}

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

    def terminate(self, session_id: str, reason: str = "") -> bool:
        """End the session of a Session.id as terminate does; False if there is none."""
        for session in self.sessions.values():
            if session.session_id == session_id:
                self.terminated.append((session_id, reason))
                self.stop_session(session.session_key)
                return True
        return False

    def sessions_json(self) -> list[dict[str, Any]]:
        """Return MediaContainer.Metadata of /status/sessions, as it is now."""
        return [session.as_json(self.clock()) for session in self.sessions.values()]

    def send_progress(self) -> None:
        """Send a `playing` notification for every playing session, as the server does."""
        for session in self.sessions.values():
            if session.state == PLAYING:
                self._notify(session)

    # Players and remote control (the routes: players.py)

    def add_player(self, player: Player) -> None:
        """Make a player known to the server (listed by /clients, reachable by commands)."""
        self.players[player.machine_identifier] = player

    def remove_player(self, player_id: str) -> None:
        """Forget a player, as when it goes offline: gone from /clients, commands get 404."""
        self.players.pop(player_id, None)

    def controllable(self, player_id: str, *, accepts: bool = True) -> None:
        """Let a known player take remote control, or refuse it (its capabilities change)."""
        player = self.players[player_id]
        if accepts == player.accepts_control:
            return
        if accepts:
            player.capabilities = self._saved_capabilities.pop(player_id, CONTROL_CAPABILITIES)
        else:
            self._saved_capabilities[player_id] = player.capabilities
            player.capabilities = TIMELINE_ONLY

    def unresponsive(self, player_id: str, *, unresponsive: bool = True) -> None:
        """Make commands to a player hang command_timeout seconds, then 504 (or answer again)."""
        if unresponsive:
            self.unresponsive_players.add(player_id)
        else:
            self.unresponsive_players.discard(player_id)

    def player_session(self, player_id: str) -> SimSession | None:
        """Return the newest session of a player, if it plays anything."""
        found = [s for s in self.sessions.values() if s.player.machine_identifier == player_id]
        return found[-1] if found else None

    def play_media(
        self,
        player_id: str,
        rating_key: str,
        *,
        offset_ms: int = 0,
        play_queue: PlayQueue | None = None,
        paused: bool = False,
    ) -> str:
        """Have a known player play a library item (of play_queue), as playMedia does.

        What it played before stops; the new session starts at offset_ms. A container
        (show, album...) plays its first leaf. Returns the new sessionKey.
        """
        player = self.players[player_id]
        item = next(self.library.items[rating_key].leaves())
        if (old := self.player_session(player_id)) is not None:
            self.stop_session(old.session_key)
        return self.start_session(
            player=player,
            media=item.media(),
            offset_ms=offset_ms,
            paused=paused,
            play_queue=play_queue,
        )

    def skip_next(self, key: str) -> None:
        """Move a session to the next item of its play queue.

        After the last one the session stops (unless the queue repeats all: repeat=2); a
        session without a queue stays as it is.
        """
        session = self.session(key)
        queue = session.play_queue
        if queue is None:
            return
        index = self._queue_index(session, queue)
        if index + 1 < len(queue.items):
            self._change_item(session, queue, index + 1)
        elif queue.repeat == REPEAT_ALL:
            self._change_item(session, queue, 0)
        else:
            self.stop_session(key)

    def skip_previous(self, key: str) -> None:
        """Move a session to the previous item of its queue; at the first, back to its start."""
        session = self.session(key)
        queue = session.play_queue
        if queue is None:
            return
        index = self._queue_index(session, queue)
        if index > 0:
            self._change_item(session, queue, index - 1)
        else:
            self.seek(key, 0)

    def create_play_queue(self, kind: str, **options: Any) -> PlayQueue:  # noqa: ANN401
        """Build a play queue (see queues.PlayQueues.create); QueueError if it cannot."""
        return self._queues.create(kind, **options)

    def play_queue(self, queue_id: int | str) -> PlayQueue:
        """Return a play queue by id; QueueError if there is none."""
        return self._queues.get(queue_id)

    def add_to_play_queue(
        self,
        queue_id: int | str,
        *,
        uri: str | None = None,
        playlist: str | None = None,
        up_next: bool = False,
    ) -> PlayQueue:
        """Add a uri's items (or a playlist's) to a queue: next, or at the end."""
        return self._queues.add(queue_id, uri=uri, playlist=playlist, up_next=up_next)

    def _queue_index(self, session: SimSession, queue: PlayQueue) -> int:
        ids = [item.item_id for item in queue.items]
        if session.play_queue_item_id in ids:
            return ids.index(session.play_queue_item_id)
        return queue.selected

    def _change_item(self, session: SimSession, queue: PlayQueue, index: int) -> None:
        """Play another item of the queue in the same session, from its start."""
        queued = queue.items[index]
        queue.selected = index
        now = self.clock()
        session.media = self.library.items[queued.rating_key].media()
        session.play_queue_item_id = queued.item_id
        session.offset_ms, session.anchor, session.state = 0, now, PLAYING
        session.transcode_anchor = now
        self._load_file(session)
        self._notify(session)

    # Time

    def epoch(self) -> int:
        """Return the epoch time (s) on the simulator's clock: addedAt, checkedAt..."""
        return EPOCH_AT_START + int(self.clock() - self._clock_at_start)

    # The library: additions and changes, announced as a server announces them

    def announce_added(self, rating_keys: Iterable[str], *, processed: bool = True) -> None:
        """Send the `timeline` notifications of new items (see SimLibrary.announce_added)."""
        self.library.announce_added(rating_keys, processed=processed)

    def finish_processing(self, rating_keys: Iterable[str]) -> None:
        """Send the state 5 (done) timeline entries of items announced unprocessed."""
        self.library.finish_processing(rating_keys)

    def refresh_item(self, rating_key: str) -> None:
        """Refresh an item's metadata: a state 5 timeline entry alone, no metadataState."""
        self.library.refresh_item(rating_key)

    def scan(self, section: str) -> None:
        """Scan a section, as /library/sections/{key}/refresh asks: activity, then status.

        The scan finds nothing new; it is counted in scans and the section's scannedAt moves.
        """
        where = self.library.section(section)
        self.scans[section] = self.scans.get(section, 0) + 1
        activity = str(uuid.uuid4())
        title = f"Scanning {where.title}"
        self.notify(_activity("started", activity, title, 0, section))
        self.notify(_status(f'Scanning the "{where.title}" section'))
        where.scanned_at = self.epoch()
        self.notify(_activity("ended", activity, title, 100, section))
        self.notify(_status("Library scan complete"))

    # Tokens, updates and restarts

    def restart_tokens(self) -> None:
        """Void every transient token, as a restart of the server does."""
        self.transient_tokens.clear()

    def set_update(
        self,
        version: str = NEW_VERSION,
        *,
        can_install: bool = False,
        notes: str = "Fixed a crash when scanning\nFaster library browsing",
    ) -> None:
        """Offer an update; an `update.statechange` (available or notify) announces it."""
        release = self.updater.offer(version, can_install=can_install, notes=notes)
        self.updater.checked_at = self.epoch()
        self.notify(release.notification())

    def clear_update(self) -> None:
        """Offer no update: the server is up to date."""
        self.updater.release = None

    def apply_update(self) -> None:
        """Install the offered update: `installing`, then (install_seconds on) a restart."""
        release = self.updater.release
        if release is None:
            return
        self.updater.applies += 1
        self.notify(release.notification(INSTALLING))
        if self.install_seconds <= 0:
            self.restart(release.version)
            return
        call_later = getattr(self.clock, "call_later", None)
        if call_later is None:
            handle = asyncio.get_running_loop().call_later
            handle(self.install_seconds, self.restart, release.version)
        else:
            call_later(self.install_seconds, lambda: self.restart(release.version))

    def restart(self, version: str | None = None) -> None:
        """Restart the server (on a new version, if given): sessions end, tokens are voided.

        Each notification websocket is closed once what was queued on it has been sent; the
        update offered is gone if the new version is its own.
        """
        self.restarts += 1
        if version is not None:
            self.version = version
            if self.updater.release is not None and self.updater.release.version == version:
                self.updater.release = None
        self.restart_tokens()
        self.sessions.clear()
        sockets, self._sockets = self._sockets, set()
        for socket in sockets:
            socket.queue.put_nowait(None)

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

    def notify(self, message: dict[str, Any]) -> None:
        """Send a message ({"NotificationContainer": ...}) on every notification websocket."""
        text = json.dumps(message)
        for socket in self._sockets:
            socket.queue.put_nowait(text)

    def _notify(self, session: SimSession) -> None:
        self.notify(session.playing_message(self.clock()))

    def _guard(self, request: web.Request) -> web.Response | None:
        if request.path == "/identity" or request.path.startswith(TRANSCODE_SESSIONS):
            return None
        token = request.headers.get(TOKEN) or request.query.get(TOKEN)
        if token is not None and (token == self.token or token in self.transient_tokens):
            return None
        return error_page(401)

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
            if text is None:  # a restart: the connection goes without a close frame
                if socket.request.transport is not None:
                    socket.request.transport.close()
                return
            try:
                await socket.ws.send_str(text)
            except ConnectionError:
                return

    async def _artwork(self, request: web.Request) -> web.Response:
        return web.Response(body=artwork(request.path), content_type="image/png")


def _activity(event: str, key: str, title: str, progress: int, section: str) -> dict[str, Any]:
    activity = {
        "type": "library.update.section",
        "title": title,
        "subtitle": "",
        "progress": progress,
        "Context": {"librarySectionID": section},
    }
    notification = {"event": event, "uuid": key, "Activity": activity}
    container = {"type": "activity", "size": 1, "ActivityNotification": [notification]}
    return {"NotificationContainer": container}


def _status(title: str) -> dict[str, Any]:
    notification = {"title": title, "description": "", "notificationName": "LIBRARY_UPDATE"}
    container = {"type": "status", "size": 1, "StatusNotification": [notification]}
    return {"NotificationContainer": container}


class _Done:
    """An awaitable with nothing left to do."""

    def __await__(self) -> Generator[None]:
        return
        yield
