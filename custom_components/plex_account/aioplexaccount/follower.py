"""Follow one server of the account: the one push loop of the library.

A ServerFollower chooses a connection (choose_connection), holds the server's notification
websocket there and reads the sessions when the server says they changed: at once for the
first notification of a burst, and once more when the burst is over. While the websocket
cannot be held (refused, or closed as soon as it opens) the sessions are polled instead and
the websocket is tried again after a growing pause. When the connection stops answering it
chooses again from all of the server's connections; when none answers the server is
unavailable, and sought again after a growing pause, for as long as it runs.
"""

import asyncio
import json
import logging
import random
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Final

from aiohttp import (
    ClientError,
    ClientHandlerType,
    ClientRequest,
    ClientResponse,
    ClientSession,
    ClientWebSocketResponse,
    WSMsgType,
    WSServerHandshakeError,
)

from .account import Resource
from .connection import (
    DEFAULT_GRACE,
    DEFAULT_TIMEOUT,
    ServerConnection,
    candidates,
    choose_connection,
)
from .exceptions import (
    PlexAuthenticationError,
    PlexConnectionError,
    PlexError,
    PlexResponseError,
)
from .identity import PlexIdentity
from .library_watcher import LibraryWatcher
from .moments import MomentScheduler
from .notifications import parse_notification, websocket_url
from .playback import PlaybackEvent, PlaybackTracker
from .remote import RemotePlayer
from .request import JSONLoads, check_token, clean_text
from .server import PMSClient
from .sessions import Session
from .tasks import first_of

_LOGGER = logging.getLogger(__name__)

_WEBSOCKET: Final = "the notifications websocket"


@dataclass(frozen=True, kw_only=True)
class FollowSettings:
    """How a ServerFollower paces itself, in seconds."""

    grace: float = DEFAULT_GRACE
    """How long a trusted connection waits for a preferred one still trying."""
    timeout: float = DEFAULT_TIMEOUT
    """Each request's time, and each connection's to say who it is."""
    cooldown: float = 0.1
    """After a read for a notification, how long the next ones wait to be read together."""
    refresh_interval: float = 300.0
    """How often the sessions are read while the websocket is quiet: a lost notification."""
    poll_interval: float = 10.0
    """How often the sessions are read while the websocket cannot be held."""
    min_backoff: float = 1.0
    max_backoff: float = 60.0
    """The pause after a failure doubles from min_backoff up to max_backoff."""
    jitter: float = 0.2
    """The part of each pause taken off at random, so that clients do not all come at once."""
    stable_after: float = 30.0
    """A websocket held this long worked: when it closes it is opened again at once."""
    heartbeat: float = 15.0
    max_message_bytes: int = 4 * 1024 * 1024

    def backoff(self, failures: int) -> float:
        """Return the pause after `failures` failures in a row (none: min_backoff)."""
        delay = min(self.min_backoff * 2.0 ** min(failures, 32), self.max_backoff)
        return delay * (1 - self.jitter * random.random())  # noqa: S311 (not a secret)


class FollowState(StrEnum):
    """How the server is followed now."""

    CONNECTED = "connected"
    """The websocket is held: the server pushes."""
    POLLING = "polling"
    """The websocket cannot be held, but the sessions are read over HTTP."""
    DISCONNECTED = "disconnected"
    """Neither works, or the follower is not running."""


class _WebsocketFailedError(PlexConnectionError):
    """The websocket closed early or could not take a message: try it again later."""


class ServerFollower:
    """Follow what plays on one server of the account, over whichever connection works.

    run() calls `on_sessions` with every read of the sessions, pushed or polled, and
    `on_playback` with the changes of the streams (from the notifications as they come,
    and from the reads). `on_unavailable` is called with the error once per outage (and
    once at the start if the server is never reached), `on_available` once when it answers
    again (not at the first read). A refused token is an outage like any other: it is tried
    again after the pause, or at once when update_resource() hands over a new one.
    `on_players` gets the players the server knows (GET /clients) at the first read of
    each connection and whenever a stream shows a player not seen. A `library` watcher, if
    given, is handed every notification and run beside the
    websocket: it reads the libraries as the server says they changed. A `moments`
    scheduler, if given, is handed every read and `playing` notification and run
    while a connection is in use: it tells the moments inside the streams.

    `clock` (seconds) and `sleep` are the follower's sense of time: an owner with timers
    of its own passes them.
    """

    def __init__(  # noqa: PLR0913
        self,
        *,
        session: ClientSession,
        resource: Resource,
        on_sessions: Callable[[list[Session]], None],
        on_available: Callable[[], None] | None = None,
        on_unavailable: Callable[[PlexError], None] | None = None,
        on_playback: Callable[[list[PlaybackEvent]], None] | None = None,
        on_players: Callable[[list[RemotePlayer]], None] | None = None,
        library: LibraryWatcher | None = None,
        moments: MomentScheduler | None = None,
        identity: PlexIdentity | None = None,
        settings: FollowSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        json_loads: JSONLoads = json.loads,
    ) -> None:
        """Follow the server of a plex.tv resource, once run() runs."""
        self._session = session
        self._resource = resource
        self._on_sessions = on_sessions
        self._on_available = on_available
        self._on_unavailable = on_unavailable
        self._on_playback = on_playback
        self._on_players = on_players
        self._players: set[str] | None = None
        self.library = library
        """What follows the server's libraries while the websocket is held, if anything."""
        self.moments = moments
        """What tells the moments inside the streams, if anything."""
        self._identity = identity
        self.settings = settings or FollowSettings()
        self._clock = clock
        self._sleep = sleep
        self._json_loads = json_loads
        self._tracker = PlaybackTracker()
        self._restart = asyncio.Event()
        self._dirty = asyncio.Event()
        self._available: bool | None = None
        self._retell = False
        self._refused = False
        self._ws_session: ClientSession | None = None
        self._reads = 0
        self._last_notification: float | None = None
        self.connection: ServerConnection | None = None
        """The connection in use (or last used), None before the first is chosen."""
        self.state = FollowState.DISCONNECTED
        self.notifications = 0
        self.parse_errors = 0
        """Messages that were not notifications: skipped and counted."""

    @property
    def resource(self) -> Resource:
        """Return the server's plex.tv resource, as last handed over."""
        return self._resource

    @property
    def name(self) -> str:
        """Return the server's name."""
        return self._resource.name

    @property
    def available(self) -> bool:
        """Return whether the last try read the sessions; False until the first read."""
        return bool(self._available)

    def seconds_since_notification(self) -> float | None:
        """Return how long ago the server last sent a notification, for diagnostics."""
        if self._last_notification is None:
            return None
        return self._clock() - self._last_notification

    def update_resource(self, resource: Resource) -> None:
        """Take plex.tv's newest word on the server.

        New connections or a new token are tried at once, and a failure with them is told
        again even if the server was out of reach already; a new name or version only
        replaces the old.
        """
        old, self._resource = self._resource, resource
        if (old.access_token, {c.url for c in candidates(old)}) != (
            resource.access_token,
            {c.url for c in candidates(resource)},
        ):
            self._retell = True
            self._restart.set()

    async def run(self) -> None:
        """Follow the server until cancelled; on cancellation every request is ended."""
        try:
            while True:
                self._restart.clear()
                await first_of(self._follow(), self._restart.wait())
                _LOGGER.debug("%s: plex.tv lists it anew; choosing a connection again", self.name)
        finally:
            self._set_state(FollowState.DISCONNECTED)
            if self._ws_session is not None:
                # The connections are the caller's session's: only this one is closed.
                await self._ws_session.close()
                self._ws_session = None

    async def _follow(self) -> None:
        """Find the server and follow it, pausing longer after each failure in a row."""
        failures = 0
        unexpected = False
        while True:
            reads, started, crashed = self._reads, self._clock(), False
            try:
                await self._follow_connection()
            except PlexConnectionError as err:
                if self._reads > reads and self._clock() - started >= self.settings.min_backoff:
                    # The connection in use stopped; another may work (remote, once the
                    # local one is gone): choose again before saying it is gone.
                    _LOGGER.debug("%s: the connection stopped; choosing again: %s", self.name, err)
                    failures = 0
                    continue
                self._unavailable(err)
            except PlexError as err:
                self._unavailable(err)
            except Exception as err:  # noqa: BLE001 (logged; the server is sought again)
                # A fault of the library's own: said once, and the server is sought again.
                crashed = True
                reason = clean_text(str(err), self._resource.access_token)
                if not unexpected:
                    # The frames, not the message: an error's text may quote the token.
                    frames = "".join(traceback.format_tb(err.__traceback__))
                    _LOGGER.error(  # noqa: TRY400 (exception() would log the message too)
                        "Unexpected error while following %s: %s: %s\n%s",
                        self.name,
                        type(err).__name__,
                        reason,
                        frames,
                    )
                unexpected = True
                self._unavailable(PlexError(f"Unexpected error: {type(err).__name__}: {reason}"))
            if self._reads > reads and not crashed:
                failures = 0
                unexpected = False
            delay = self.settings.backoff(failures)
            failures += 1
            _LOGGER.debug("%s: next try in %.1f s", self.name, delay)
            await self._sleep(delay)

    def _unavailable(self, err: PlexError) -> None:
        """Tell the owner the server is out of reach: once per outage, and once at the start."""
        self._set_state(FollowState.DISCONNECTED)
        # A server out of reach that comes back refusing its token is told again: the cause
        # changed, and only the owner can mend this one.
        refused = isinstance(err, PlexAuthenticationError)
        if self._available is not False or self._retell or (refused and not self._refused):
            self._available = False
            self._retell = False
            self._refused = refused
            _LOGGER.debug("%s is unavailable: %s", self.name, err)
            if self._on_unavailable is not None:
                self._on_unavailable(err)

    async def _follow_connection(self) -> None:
        """Choose a connection and follow the server there until it stops answering.

        Raises PlexConnectionError when no connection answers, or the chosen one stops
        answering both its websocket and HTTP.
        """
        # Another connection may be to a restarted server, with other players: read them again.
        self._players = None
        self.connection = await choose_connection(
            self._session,
            self._resource,
            identity=self._identity,
            grace=self.settings.grace,
            timeout=self.settings.timeout,
        )
        client = self.connection.client(
            self._session,
            identity=self._identity,
            request_timeout=self.settings.timeout,
            json_loads=self._json_loads,
        )
        moments = () if self.moments is None else (self.moments.run(client),)
        await first_of(self._use(client), *moments)

    async def _use(self, client: PMSClient) -> None:
        """Follow the server over `client`: its websocket, else polling, until HTTP fails."""
        failures = 0
        while True:
            opened = self._clock()
            try:
                await self._listen(client)
            except _WebsocketFailedError as err:
                _LOGGER.debug("%s: %s", self.name, err)
            else:
                if self._clock() - opened >= self.settings.stable_after:
                    # A websocket that worked for a while dropped: open it again at once.
                    failures = 0
                    continue
                _LOGGER.debug("%s: the websocket closed as soon as it opened", self.name)
            delay = self.settings.backoff(failures)
            failures += 1
            await self._poll_for(client, delay)

    async def _poll_for(self, client: PMSClient, seconds: float) -> None:
        """Read the sessions now and every poll_interval, for `seconds`.

        Raises PlexConnectionError when a read fails: the connection stopped answering.
        """
        deadline = self._clock() + seconds
        while True:
            try:
                await self._read(client)
            except (PlexConnectionError, PlexResponseError) as err:
                msg = f"The server answers neither its websocket nor HTTP: {err}"
                raise PlexConnectionError(msg) from err
            self._set_state(FollowState.POLLING)
            left = deadline - self._clock()
            if left <= self.settings.poll_interval:
                await self._sleep(max(left, 0.0))
                return
            await self._sleep(self.settings.poll_interval)

    async def _read(self, client: PMSClient) -> None:
        """Read the sessions; hand them and the changes they show to the owner."""
        mark = self._tracker.mark
        sessions = await client.sessions()
        events = self._tracker.read(sessions, mark)
        self._on_sessions(sessions)
        if events and self._on_playback is not None:
            self._on_playback(events)
        if self.moments is not None:
            self.moments.read(sessions, mark)
        # Counted once the owner took it: a read its owner cannot take is no success.
        self._reads += 1
        self._retell = self._refused = False
        if self._available is False:
            _LOGGER.debug("%s is available again", self.name)
            if self._on_available is not None:
                self._on_available()
        self._available = True
        await self._read_players(client, sessions)

    async def _read_players(self, client: PMSClient, sessions: list[Session]) -> None:
        """Read which players the server knows, at first and when a stream shows a new one.

        What a player accepts matters only to an owner that asked (`on_players`); after a
        failure it is read again when a stream shows a new player.
        """
        if self._on_players is None:
            return
        playing = {session.player.machine_identifier for session in sessions}
        if self._players is not None and playing <= self._players:
            return
        try:
            players = await client.players()
        except PlexError as err:
            # Its own failure: a refusal here takes no connection down (the sessions' does).
            _LOGGER.debug("%s: could not read its players: %s", self.name, err)
            self._players = playing
            return
        # A player streaming but not listed is remembered too: it is not asked for again.
        self._players = playing | {player.machine_identifier for player in players}
        self._on_players(players)

    async def _connect(self, client: PMSClient) -> ClientWebSocketResponse:
        """Open the websocket, or raise _WebsocketFailedError (PlexAuthenticationError on 401)."""
        # The token goes in the query string, as every server version takes it there; no
        # message of this module quotes the URL.
        token = check_token(client.token)
        if self._ws_session is None:
            # ws_connect follows redirects, and has no switch for it: a session of its own on
            # the same connections refuses them before a request goes to the other host.
            self._ws_session = ClientSession(
                connector=self._session.connector,
                connector_owner=False,
                headers=self._session.headers,
                timeout=self._session.timeout,
                cookie_jar=self._session.cookie_jar,
                trace_configs=self._session.trace_configs,
                trust_env=self._session.trust_env,
                middlewares=(_refuse_redirects,),
            )
        try:
            async with asyncio.timeout(self.settings.timeout):
                ws = await self._ws_session.ws_connect(
                    websocket_url(client.base_url),
                    params={"X-Plex-Token": token},
                    headers=client.headers(authenticated=False),
                    heartbeat=self.settings.heartbeat,
                    max_msg_size=self.settings.max_message_bytes,
                )
        except WSServerHandshakeError as err:
            if err.status == 401:
                msg = f"the server answered 401 to {_WEBSOCKET}"
                raise PlexAuthenticationError(msg) from None
            msg = f"the server answered {err.status} to {_WEBSOCKET}"
            raise _WebsocketFailedError(msg) from None
        except TimeoutError:
            msg = f"Timed out after {self.settings.timeout} s on {_WEBSOCKET}"
            raise _WebsocketFailedError(msg) from None
        except (ClientError, OSError) as err:
            # The cause would quote the URL, and the URL holds the token.
            msg = f"Could not open {_WEBSOCKET}: {clean_text(str(err), token)}"
            raise _WebsocketFailedError(msg) from None
        return ws

    async def _listen(self, client: PMSClient) -> None:
        """Hold the websocket and read the sessions as it says, until it closes."""
        ws = await self._connect(client)
        self._dirty.clear()
        async with ws:
            self._set_state(FollowState.CONNECTED)
            library = () if self.library is None else (self.library.run(client),)
            await first_of(self._receive(ws), self._update(client), *library)
        _LOGGER.debug("%s: the notifications websocket closed", self.name)

    async def _receive(self, ws: ClientWebSocketResponse) -> None:
        # The iteration ends when the websocket closes, the heartbeat's failure included.
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                self._handle(message.data)
            elif message.type is WSMsgType.ERROR:
                msg = f"{_WEBSOCKET} failed: {type(message.data).__name__}"
                raise _WebsocketFailedError(msg)

    def _handle(self, text: str) -> None:
        try:
            notification = parse_notification(text, self._json_loads)
        except PlexResponseError as err:
            self.parse_errors += 1
            _LOGGER.debug("%s: skipping a message that is not a notification: %s", self.name, err)
            return
        self.notifications += 1
        self._last_notification = self._clock()
        if self.library is not None:
            self.library.notified(notification)
        if notification.sessions_changed:
            events = self._tracker.notified(notification.playing)
            if events and self._on_playback is not None:
                self._on_playback(events)
            if self.moments is not None:
                self.moments.notified(notification.playing, self._tracker.mark)
            self._dirty.set()

    async def _update(self, client: PMSClient) -> None:
        """Read the sessions now, at the first notification of a burst and after it.

        The notifications that come while a read runs, or in the cooldown after it, are
        read together once the cooldown is over: at most two reads per burst.
        """
        await self._read_quietly(client)
        while True:
            quiet = self._sleep(self.settings.refresh_interval)
            notified = await first_of(self._dirty.wait(), quiet)
            self._dirty.clear()
            await self._read_quietly(client)
            if notified:
                await self._sleep(self.settings.cooldown)

    async def _read_quietly(self, client: PMSClient) -> None:
        """Read the sessions while the websocket holds; a failure waits for the next read."""
        try:
            await self._read(client)
        except (PlexConnectionError, PlexResponseError) as err:
            _LOGGER.debug("%s: could not read the sessions: %s", self.name, err)

    def _set_state(self, state: FollowState) -> None:
        if state is not self.state:
            self.state = state
            _LOGGER.debug("%s: %s", self.name, state)


async def _refuse_redirects(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
    """Fail a websocket upgrade that the server answers with a redirect."""
    response = await handler(request)
    if HTTPStatus.MULTIPLE_CHOICES <= response.status < HTTPStatus.BAD_REQUEST:
        response.close()
        msg = f"the server redirected {_WEBSOCKET}"
        raise _WebsocketFailedError(msg)
    return response
