"""What plays on the account's own servers, pushed by each server as it happens.

One follower per owned server runs in the background of the entry: it finds a connection
that answers, holds the server's notification websocket and reads the sessions when the
server says they changed. Setup never waits for a server; a sleeping one is unavailable.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from .const import DOMAIN, LOGGER
from .coordinator import PlexAccountConfigEntry, PlexAccountCoordinator
from .plextv import Resource
from .pms import (
    Artwork,
    ListenerState,
    PMSAuthenticationError,
    PMSError,
    ServerFollower,
    Session,
)

# The server sends the notifications of one change within a few milliseconds: gathering
# them for this long makes them one read of the sessions, and keeps the push well under a
# tenth of a second.
PUSH_DEBOUNCE = 0.025

# The name of each follower's task, before the server's name.
FOLLOW_TASK_NAME = f"{DOMAIN} follow"

# The translation key (and id prefix) of the repair issue of a server that refuses its token.
TOKEN_REFUSED_ISSUE = "server_token_refused"  # noqa: S105 - an issue id, not a secret


@dataclass(frozen=True, kw_only=True)
class ServerSessions:
    """What one owned server told last: whether it answers, and what plays on it."""

    available: bool = False
    sessions: tuple[Session, ...] = ()
    read_at: datetime | None = None
    """When the sessions were read: the positions are as of then."""


@dataclass(kw_only=True)
class _FollowedServer:
    """One server being followed, and how its token fared."""

    resource: Resource
    follower: ServerFollower
    task: asyncio.Task[None] = field(init=False)
    token_retried: bool = False
    """Whether its token was refused once since its last read (and plex.tv read again)."""


def hass_sleep(hass: HomeAssistant) -> Callable[[float], Awaitable[None]]:
    """Return a sleep on Home Assistant's timers, so that tests move it with the clock."""

    async def sleep(seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        done = hass.loop.create_future()

        @callback
        def _wake(_now: datetime) -> None:
            # A cancelled sleep cancels its timer first: the future is still pending here.
            done.set_result(None)

        cancel = async_call_later(hass, seconds, _wake)
        try:
            await done
        finally:
            cancel()

    return sleep


def _clock() -> float:
    """Return seconds on the clock Home Assistant's timers (and tests) follow."""
    return dt_util.utcnow().timestamp()


def token_refused_issue_id(account_uuid: str, server_id: str) -> str:
    """Return the repair issue id of a server that refuses its token, for one account."""
    return f"{TOKEN_REFUSED_ISSUE}_{account_uuid}_{server_id}"


class PlexSessionsCoordinator(DataUpdateCoordinator[dict[str, ServerSessions]]):
    """Hold what plays on every owned server of the account, as each server pushes it.

    Nothing is polled from here: each server's follower hands over the sessions it read.
    The data maps each followed server's identifier to its ServerSessions.
    """

    config_entry: PlexAccountConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: PlexAccountConfigEntry, account: PlexAccountCoordinator
    ) -> None:
        """Follow the owned servers of the account's resources, once started."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} sessions",
            update_interval=None,
        )
        self.account = account
        self.data = {}
        self._servers: dict[str, _FollowedServer] = {}
        # Servers whose going was logged: the next sessions read logs their return.
        self._gone: set[str] = set()

    @override
    async def _async_update_data(self) -> dict[str, ServerSessions]:
        """Return what the servers pushed last; there is nothing to fetch."""
        return self.data

    @property
    def account_uuid(self) -> str:
        """Return the account's uuid, which scopes ids and repair issues."""
        return self.account.data.account.uuid

    @callback
    def async_start(self) -> None:
        """Follow the owned servers now, and as later refreshes of the resources change them."""
        self.config_entry.async_on_unload(
            self.account.async_add_listener(self._async_resources_changed)
        )
        self._async_resources_changed()

    @property
    def followers(self) -> dict[str, ServerFollower]:
        """Return the follower of each followed server (the data's servers), by identifier."""
        return {server_id: server.follower for server_id, server in self._servers.items()}

    def follower(self, server_id: str) -> ServerFollower | None:
        """Return the follower of a server, while it is followed."""
        return self.followers.get(server_id)

    async def async_artwork(self, server_id: str, path: str) -> Artwork | None:
        """Fetch a picture from a server over the connection in use, or None if it fails."""
        follower = self.follower(server_id)
        if follower is None or follower.connection is None:
            return None
        client = follower.connection.client(
            async_get_clientsession(self.hass), identity=self.account.client.identity
        )
        try:
            return await client.artwork(path)
        except (PMSError, ValueError) as err:
            LOGGER.debug("Could not fetch artwork from %s: %s", follower.resource.name, err)
            return None

    @callback
    def _async_resources_changed(self) -> None:
        """Follow new owned servers, forget vanished ones, restart those that changed."""
        owned = {
            server_id: server
            for server_id, server in self.account.data.servers.items()
            if server.owned
        }
        data = dict(self.data)
        for server_id in self._servers.keys() - owned.keys():
            self._async_stop(server_id)
            data.pop(server_id, None)
            self._gone.discard(server_id)
            self._async_delete_token_issue(server_id)
        for server_id, resource in owned.items():
            followed = self._servers.get(server_id)
            if followed is None:
                data[server_id] = ServerSessions()
                self._async_follow(resource)
            elif (resource.connections, resource.access_token) != (
                followed.resource.connections,
                followed.resource.access_token,
            ):
                # A new token mends a refused one; new connections may reach it again.
                self._async_stop(server_id)
                self._async_follow(resource, token_retried=followed.token_retried)
            else:
                # Same connections and token: only the name or versions may differ.
                followed.resource = followed.follower.resource = resource
        if data != self.data:
            self.async_set_updated_data(data)

    @callback
    def _async_follow(self, resource: Resource, *, token_retried: bool = False) -> None:
        server_id = resource.client_identifier
        # A follower's callbacks cannot run once its task is cancelled (a stopped one's
        # pending wake-up raises CancelledError instead): they always find it current.
        follower = ServerFollower(
            session=async_get_clientsession(self.hass),
            resource=resource,
            identity=self.account.client.identity,
            on_sessions=lambda sessions: self._async_sessions(server_id, sessions),
            on_unavailable=lambda err: self._async_unavailable(server_id, err),
            on_state=lambda state: self._async_state(server_id, state),
            debounce=PUSH_DEBOUNCE,
            clock=_clock,
            sleep=hass_sleep(self.hass),
            now=dt_util.utcnow,
            json_loads=json_loads,
        )
        followed = _FollowedServer(
            resource=resource, follower=follower, token_retried=token_retried
        )
        self._servers[server_id] = followed
        followed.task = self.config_entry.async_create_background_task(
            self.hass,
            self._async_run(followed),
            f"{FOLLOW_TASK_NAME} {resource.name}",
        )

    @callback
    def _async_stop(self, server_id: str) -> None:
        self._servers.pop(server_id).task.cancel()

    async def _async_run(self, followed: _FollowedServer) -> None:
        try:
            await followed.follower.run()
        except PMSAuthenticationError as err:
            await self._async_token_refused(followed, err)

    async def _async_token_refused(self, followed: _FollowedServer, err: PMSError) -> None:
        """Read the resources again for a fresh token, once; then say why in a repair issue.

        A server's token is its own (plex.tv lists it with the server): the account's
        sign-in is fine, so this never starts reauth.
        """
        server_id = followed.resource.client_identifier
        if not followed.token_retried:
            followed.token_retried = True
            LOGGER.debug(
                "%s refused its token; reading plex.tv's resources again", followed.resource.name
            )
            await self.account.async_refresh()
            # The refresh restarted the follower if plex.tv now lists another token (or
            # forgot the server); only a server still on the refused token is left.
            if self._servers.get(server_id) is not followed:
                return
        self._async_unavailable(server_id, err)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            token_refused_issue_id(self.account_uuid, server_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=TOKEN_REFUSED_ISSUE,
            translation_placeholders={"server": followed.resource.name},
        )

    @callback
    def _async_delete_token_issue(self, server_id: str) -> None:
        ir.async_delete_issue(
            self.hass, DOMAIN, token_refused_issue_id(self.account_uuid, server_id)
        )

    @callback
    def _async_sessions(self, server_id: str, sessions: list[Session]) -> None:
        followed = self._servers[server_id]
        if server_id in self._gone:
            self._gone.discard(server_id)
            LOGGER.info("Plex server %s is available again", followed.resource.name)
        if followed.token_retried:
            followed.token_retried = False
            self._async_delete_token_issue(server_id)
        self.async_set_updated_data(
            {
                **self.data,
                server_id: ServerSessions(
                    available=True, sessions=tuple(sessions), read_at=dt_util.utcnow()
                ),
            }
        )

    @callback
    def _async_unavailable(self, server_id: str, err: PMSError) -> None:
        followed = self._servers[server_id]
        if server_id not in self._gone:
            self._gone.add(server_id)
            LOGGER.info("Plex server %s is unavailable: %s", followed.resource.name, err)
        self.async_set_updated_data({**self.data, server_id: ServerSessions(available=False)})

    @callback
    def _async_state(self, server_id: str, state: ListenerState) -> None:
        # A follower being stopped says it is disconnected after it was forgotten here.
        if (followed := self._servers.get(server_id)) is not None:
            LOGGER.debug("%s: %s", followed.resource.name, state)
