"""Push from a server: its notification websocket, and the sessions read when it speaks.

A `playing` notification says only that a session changed; the sessions are then read over
HTTP (GET /status/sessions), once per burst of notifications.
"""

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from http import HTTPStatus
from typing import Final, Self

from aiohttp import ClientError, ClientWebSocketResponse, WSMsgType, WSServerHandshakeError

from .client import PMSClient, check_token, transport_error
from .exceptions import PMSAuthenticationError, PMSConnectionError, PMSError, PMSResponseError
from .models import Session, _Fields

_LOGGER = logging.getLogger(__name__)

NOTIFICATIONS_PATH: Final = "/:/websockets/notifications"
PLAYING: Final = "playing"

DEFAULT_DEBOUNCE: Final = 0.2
DEFAULT_REFRESH_INTERVAL: Final = 300.0
DEFAULT_POLL_INTERVAL: Final = 10.0
MIN_BACKOFF: Final = 1.0
MAX_BACKOFF: Final = 60.0
DEFAULT_JITTER: Final = 0.2
DEFAULT_HEARTBEAT: Final = 15.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayingNotification:
    """One entry of a `playing` notification: a session changed state or position."""

    session_key: str
    state: str
    """playing, paused, buffering or stopped."""
    client_identifier: str | None = None
    rating_key: str | None = None
    key: str | None = None
    guid: str | None = None
    position_ms: int | None = None
    """viewOffset, in milliseconds."""
    play_queue_item_id: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build the entry from the server's JSON, raising PMSResponseError if malformed."""
        read = _Fields(data, "playing notification")
        return cls(
            session_key=read.identifier("sessionKey"),
            state=read.identifier("state"),
            client_identifier=read.optional_str("clientIdentifier"),
            rating_key=read.optional_identifier("ratingKey"),
            key=read.optional_str("key"),
            guid=read.optional_str("guid"),
            position_ms=read.optional_int("viewOffset"),
            play_queue_item_id=read.optional_int("playQueueItemID"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One message of the websocket: its type, and its entries if it is `playing`."""

    type: str
    playing: tuple[PlayingNotification, ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a notification from the server's JSON, raising PMSResponseError if malformed.

        Only `playing` entries are read; other kinds keep their type alone. An entry that
        cannot be read is skipped; if there are entries and none can be read, the message
        is malformed.
        """
        read = _Fields(_Fields(data, "notification").value("NotificationContainer"), "container")
        kind = read.identifier("type")
        if kind != PLAYING:
            return cls(type=kind)
        entries = read.objects("PlaySessionStateNotification")
        playing: list[PlayingNotification] = []
        for index, entry in enumerate(entries):
            try:
                playing.append(PlayingNotification.from_dict(entry))
            except PMSResponseError as err:
                _LOGGER.debug("Skipping playing notification %d: %s", index, err)
        if entries and not playing:
            msg = f"notification: none of the {len(entries)} entries could be read"
            raise PMSResponseError(msg)
        return cls(type=kind, playing=tuple(playing))


def parse_notification(
    text: str | bytes, json_loads: Callable[[str | bytes], object] = json.loads
) -> Notification:
    """Parse one websocket message, raising PMSResponseError if it is not a notification."""
    try:
        data = json_loads(text)
    except (ValueError, RecursionError) as err:
        msg = "notification: the message is not JSON"
        raise PMSResponseError(msg) from err
    return Notification.from_dict(data)


class ListenerState(StrEnum):
    """How the listener follows the server now."""

    CONNECTED = "connected"
    """The websocket is held: the server pushes."""
    POLLING = "polling"
    """The websocket cannot be held, but the sessions are read over HTTP."""
    DISCONNECTED = "disconnected"
    """Neither works (or the listener is not running)."""
    AUTHENTICATION_FAILED = "authentication_failed"
    """The server refused the token: the listener stopped."""


def backoff_delay(
    failures: int,
    *,
    min_backoff: float,
    max_backoff: float,
    jitter: float,
    random: Callable[[], float],
) -> float:
    """Return the pause before the next try after `failures` failed tries in a row.

    `min_backoff` doubled per failure up to `max_backoff`, less a random part of at most
    `jitter` of it (so that many clients do not all try again at the same moment).
    """
    delay = min(min_backoff * 2.0 ** min(failures, 32), max_backoff)
    return delay * (1 - jitter * random())


def _websocket_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.startswith("http"):
        base = f"ws{base.removeprefix('http')}"
    return f"{base}{NOTIFICATIONS_PATH}"


@dataclass(kw_only=True)
class NotificationListener:
    """Follow what plays on one server: pushed while the websocket holds, polled while not.

    `on_sessions` is called with the sessions read: after each burst of `playing`
    notifications (one read per `debounce` seconds at most), at least every
    `refresh_interval` seconds while connected (a lost notification never leaves the state
    stale for long), and every `poll_interval` seconds while the websocket cannot be held
    but HTTP works. The websocket is tried again after `min_backoff` seconds, doubling up to
    `max_backoff`, less a random part of at most `jitter` of it, for as long as the listener
    runs. A refused token (401) ends the listener: `on_auth_failed` is called with the error.
    `on_state` is called with the new state each time it changes.

    With `stop_when_unreachable`, run() raises PMSConnectionError instead once the websocket
    cannot be opened and the sessions cannot be read either: the server is gone at this
    address, and an owner that knows other ways to reach it chooses again.

    `clock` (seconds, monotonic), `sleep` and `random` are its sense of time and chance;
    tests replace them to assert exact delays without waiting.
    """

    client: PMSClient
    on_sessions: Callable[[list[Session]], None] = field(repr=False)
    on_auth_failed: Callable[[PMSAuthenticationError], None] | None = field(
        default=None, repr=False
    )
    on_state: Callable[[ListenerState], None] | None = field(default=None, repr=False)
    stop_when_unreachable: bool = False
    debounce: float = DEFAULT_DEBOUNCE
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL
    poll_interval: float = DEFAULT_POLL_INTERVAL
    min_backoff: float = MIN_BACKOFF
    max_backoff: float = MAX_BACKOFF
    jitter: float = DEFAULT_JITTER
    heartbeat: float = DEFAULT_HEARTBEAT
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), repr=False)
    json_loads: Callable[[str | bytes], object] = field(default=json.loads, repr=False)

    state: ListenerState = field(default=ListenerState.DISCONNECTED, init=False)
    last_notification: datetime | None = field(default=None, init=False)
    """When the last notification arrived, for diagnostics."""
    notifications: int = field(default=0, init=False)
    parse_errors: int = field(default=0, init=False)
    """Messages that were not notifications: skipped and counted."""
    _task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _dirty: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def backoff(self, failures: int) -> float:
        """Return the pause before the next try after `failures` failed tries in a row."""
        return backoff_delay(
            failures,
            min_backoff=self.min_backoff,
            max_backoff=self.max_backoff,
            jitter=self.jitter,
            random=self.random,
        )

    def _set_state(self, state: ListenerState) -> None:
        """Change the state, telling the owner when it differs from the last one."""
        if state is self.state:
            return
        self.state = state
        if self.on_state is not None:
            self.on_state(state)

    def start(self) -> None:
        """Start following the server in a task of its own, unless it already runs."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="Plex Media Server notifications")

    async def stop(self) -> None:
        """Stop following the server: close the websocket and end every read."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.state is not ListenerState.AUTHENTICATION_FAILED:
            self._set_state(ListenerState.DISCONNECTED)

    async def run(self) -> None:
        """Follow the server until cancelled; raise PMSAuthenticationError on a 401.

        With `stop_when_unreachable`, raise PMSConnectionError when the server answers
        neither the websocket nor HTTP. Whichever way it ends, the websocket is closed and
        the state is DISCONNECTED (AUTHENTICATION_FAILED after a 401).
        """
        try:
            await self._follow()
        except PMSAuthenticationError as err:
            self._set_state(ListenerState.AUTHENTICATION_FAILED)
            # The owner tells the user (a repair issue); a log line would only repeat it.
            _LOGGER.debug("The server refused its token: %s", err)
            if self.on_auth_failed is not None:
                self.on_auth_failed(err)
            raise
        except BaseException:
            # Unreachable, cancelled or broken: not following the server any more.
            self._set_state(ListenerState.DISCONNECTED)
            raise

    async def _run(self) -> None:
        # The owner hears of a 401 through on_auth_failed and the state, of an unreachable
        # server through the state.
        with contextlib.suppress(PMSAuthenticationError, PMSConnectionError):
            await self.run()

    async def _follow(self) -> None:
        failures = 0
        next_poll = self.clock()
        while True:
            try:
                ws = await self._connect()
            except PMSConnectionError as err:
                delay = self.backoff(failures)
                # The owner logs the server's comings and goings, once each.
                _LOGGER.debug("No notifications; next try in %.1f s: %s", delay, err)
                failures += 1
                next_poll = await self._poll_until(self.clock() + delay, next_poll)
                continue
            if failures:
                _LOGGER.debug("Notifications from the server again")
            failures = 0
            async with ws:
                self._set_state(ListenerState.CONNECTED)
                await self._listen(ws)
            _LOGGER.debug("The notifications websocket closed")
            self._set_state(ListenerState.DISCONNECTED)
            next_poll = self.clock()

    async def _connect(self) -> ClientWebSocketResponse:
        """Open the websocket, or raise PMSConnectionError (PMSAuthenticationError on 401)."""
        # The token goes in the query string, as every server version takes it there: a
        # redirect's target is the server's to choose and never gets the query, and no
        # message of this module quotes the URL.
        token = check_token(self.client.token)
        what = "the notifications websocket"
        try:
            async with asyncio.timeout(self.client.request_timeout):
                return await self.client.session.ws_connect(
                    _websocket_url(self.client.base_url),
                    params={"X-Plex-Token": token},
                    headers=self.client.headers(authenticated=False),
                    heartbeat=self.heartbeat,
                )
        except WSServerHandshakeError as err:
            if err.history:
                msg = f"The server redirected {what}"
                raise PMSConnectionError(msg) from None
            if err.status == HTTPStatus.UNAUTHORIZED:
                msg = f"The server answered 401 to {what}"
                raise PMSAuthenticationError(msg) from None
            msg = f"The server answered {err.status} to {what}"
            raise PMSConnectionError(msg) from None
        except TimeoutError:
            msg = f"Timed out after {self.client.request_timeout} s on {what}"
            raise PMSConnectionError(msg) from None
        except (ClientError, OSError) as err:
            # The cause would quote the URL, and the URL holds the token.
            raise transport_error(what, err, token) from None

    async def _poll_until(self, deadline: float, next_poll: float) -> float:
        """Read the sessions over HTTP until `deadline`; return when to read next.

        While HTTP works, every poll_interval; while it does not, once after each failed
        try of the websocket (or, with stop_when_unreachable, not again: PMSConnectionError).
        """
        while True:
            now = self.clock()
            if now >= next_poll:
                failed = await self._refresh()
                if failed is None:
                    self._set_state(ListenerState.POLLING)
                    next_poll = now + self.poll_interval
                else:
                    self._set_state(ListenerState.DISCONNECTED)
                    if self.stop_when_unreachable:
                        msg = f"The server answers neither its websocket nor HTTP: {failed}"
                        raise PMSConnectionError(msg) from failed
                    next_poll = deadline
            wake = min(deadline, next_poll)
            await self.sleep(max(wake - self.clock(), 0.0))
            if wake >= deadline:
                return next_poll

    async def _refresh(self) -> PMSError | None:
        """Read the sessions and hand them over; return the error if the server did not answer.

        PMSAuthenticationError propagates: retrying cannot mend it.
        """
        try:
            sessions = await self.client.sessions()
        except (PMSConnectionError, PMSResponseError) as err:
            _LOGGER.debug("Could not read the sessions: %s", err)
            return err
        self.on_sessions(sessions)
        return None

    async def _listen(self, ws: ClientWebSocketResponse) -> None:
        """Read the websocket and the sessions until the websocket closes."""
        self._dirty.clear()
        reader = asyncio.create_task(self._read(ws))
        updater = asyncio.create_task(self._update())
        try:
            done, _ = await asyncio.wait({reader, updater}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            reader.cancel()
            updater.cancel()
            await asyncio.gather(reader, updater, return_exceptions=True)
        for task in done:
            task.result()

    async def _read(self, ws: ClientWebSocketResponse) -> None:
        # The iteration ends when the websocket closes, the heartbeat's failure included.
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                self._handle(message.data)

    def _handle(self, text: str) -> None:
        try:
            notification = parse_notification(text, self.json_loads)
        except PMSError as err:
            self.parse_errors += 1
            _LOGGER.debug("Skipping a message that is not a notification: %s", err)
            return
        self.notifications += 1
        self.last_notification = self.now()
        if notification.playing:
            self._dirty.set()

    async def _update(self) -> None:
        """Read the sessions now, after each burst of notifications, and now and then."""
        await self._refresh()
        while True:
            if await self._notified_within(self.refresh_interval):
                await self.sleep(self.debounce)
            self._dirty.clear()
            await self._refresh()

    async def _notified_within(self, seconds: float) -> bool:
        waiter = asyncio.create_task(self._dirty.wait())
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()
            await asyncio.gather(waiter, sleeper, return_exceptions=True)
        return self._dirty.is_set()
