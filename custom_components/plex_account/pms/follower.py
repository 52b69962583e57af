"""Follow one server of the account over whichever of its connections works, for as long as asked.

A ServerFollower chooses a connection (choose_connection), follows the server there with a
NotificationListener, and when that connection stops answering chooses again from all of
the server's connections: a server that went from the LAN to the internet is followed on.
It never gives up on an unreachable server; only a refused token ends it.
"""

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import ClientSession

from ..plextv import PlexIdentity, Resource  # noqa: TID252 (a sibling package of the integration)
from .connection import DEFAULT_GRACE, DEFAULT_TIMEOUT, ServerConnection, choose_connection
from .exceptions import PMSConnectionError, PMSError
from .models import Session
from .notifications import (
    DEFAULT_DEBOUNCE,
    DEFAULT_HEARTBEAT,
    DEFAULT_JITTER,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_REFRESH_INTERVAL,
    MAX_BACKOFF,
    MIN_BACKOFF,
    ListenerState,
    NotificationListener,
    backoff_delay,
)

_LOGGER = logging.getLogger(__name__)


@dataclass(kw_only=True)
class ServerFollower:
    """Follow what plays on one server of the account, over whichever connection works.

    run() calls `on_sessions` with every sessions read, whether pushed or polled. When the
    server cannot be reached (no connection answers, or the chosen one stopped answering),
    `on_unavailable` is called with the error, once per outage (and once at the start if the
    server is never reached), and the server is sought again on all its connections after
    the listener's back-off, for as long as run() runs. `on_state` is called with the
    listener's state each time it changes.

    `clock`, `sleep`, `random`, `now` and `json_loads` are the listener's; tests replace
    them to assert exact delays without waiting.
    """

    session: ClientSession = field(repr=False)
    resource: Resource = field(repr=False)
    """The server's plex.tv resource: its connections and its access token."""
    on_sessions: Callable[[list[Session]], None] = field(repr=False)
    on_unavailable: Callable[[PMSError], None] | None = field(default=None, repr=False)
    on_state: Callable[[ListenerState], None] | None = field(default=None, repr=False)
    identity: PlexIdentity | None = field(default=None, repr=False)
    grace: float = DEFAULT_GRACE
    timeout: float = DEFAULT_TIMEOUT
    """Each candidate's time to answer its identity, and each request's."""
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

    connection: ServerConnection | None = field(default=None, init=False)
    """The connection in use (or last used), None before the first is chosen."""
    listener: NotificationListener | None = field(default=None, init=False)
    """The listener of the current connection (or of the last one, until the next)."""
    available: bool = field(default=False, init=False)
    """Whether the last try read the sessions; False until the first read."""
    _failures: int = field(default=0, init=False, repr=False)
    _reported: bool = field(default=False, init=False, repr=False)
    _rechosen: bool = field(default=False, init=False, repr=False)

    @property
    def state(self) -> ListenerState:
        """Return how the server is followed now: the listener's state, if there is one."""
        return ListenerState.DISCONNECTED if self.listener is None else self.listener.state

    @property
    def last_notification(self) -> datetime | None:
        """Return when the listener last heard from the server, for diagnostics."""
        return None if self.listener is None else self.listener.last_notification

    def backoff(self, failures: int) -> float:
        """Return the pause before the next try after `failures` failed tries in a row."""
        return backoff_delay(
            failures,
            min_backoff=self.min_backoff,
            max_backoff=self.max_backoff,
            jitter=self.jitter,
            random=self.random,
        )

    async def run(self) -> None:
        """Follow the server until cancelled.

        Raises PMSAuthenticationError when the resource has no usable token or the server
        refuses it (401): trying again cannot mend either. On cancellation the websocket
        is closed and every request ended.
        """
        self.available = False
        self._failures = 0
        self._reported = False
        try:
            while True:
                try:
                    await self._follow_once()
                except PMSConnectionError as err:
                    if self.available and not self._rechosen:
                        # The connection in use stopped; another may work (remote, once
                        # the local one is gone): choose again before saying it is gone.
                        self._rechosen = True
                        _LOGGER.debug("The connection stopped; choosing again: %s", err)
                        continue
                    self._unavailable(err)
                    # Even when a connection was chosen: a server whose identity answers
                    # but whose sessions fail must not be asked again at once, forever.
                    delay = self.backoff(self._failures)
                    _LOGGER.debug("Server unreachable; next try in %.1f s: %s", delay, err)
                    self._failures += 1
                    await self.sleep(delay)
        finally:
            self.available = False

    async def _follow_once(self) -> None:
        """Choose a connection and follow the server there until it stops answering.

        Raises PMSConnectionError when no connection answers or the chosen one stops.
        """
        self.connection = await choose_connection(
            self.session,
            self.resource,
            identity=self.identity,
            grace=self.grace,
            timeout=self.timeout,
        )
        client = self.connection.client(
            self.session, identity=self.identity, request_timeout=self.timeout
        )
        client.json_loads = self.json_loads
        self.listener = NotificationListener(
            client=client,
            on_sessions=self._sessions_read,
            on_state=self._state_changed,
            stop_when_unreachable=True,
            debounce=self.debounce,
            refresh_interval=self.refresh_interval,
            poll_interval=self.poll_interval,
            min_backoff=self.min_backoff,
            max_backoff=self.max_backoff,
            jitter=self.jitter,
            heartbeat=self.heartbeat,
            clock=self.clock,
            sleep=self.sleep,
            random=self.random,
            now=self.now,
            json_loads=self.json_loads,
        )
        await self.listener.run()

    def _sessions_read(self, sessions: list[Session]) -> None:
        self.available = True
        self._failures = 0
        self._rechosen = False
        self.on_sessions(sessions)

    def _state_changed(self, state: ListenerState) -> None:
        if self.on_state is not None:
            self.on_state(state)

    def _unavailable(self, err: PMSError) -> None:
        """Tell the owner the server is out of reach: once per outage, and once at the start."""
        if (self.available or not self._reported) and self.on_unavailable is not None:
            self.on_unavailable(err)
        self._reported = True
        self.available = False
