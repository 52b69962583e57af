"""Keep the account, its watchlist and what its servers play and hold fresh for Home Assistant.

The account and its resources are read from plex.tv once a minute, the watchlist every five
minutes (an unchanged one costs a 304). What plays on each owned server, its players, its
libraries and its updater are pushed by the server: one follower of the library per server
runs in the background of the entry, and hands over what it read. Setup never waits for a
server; a sleeping one is unavailable.
"""

import asyncio
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import ClassVar, Self, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from .aioplexaccount import (
    Account,
    Artwork,
    Device,
    FollowSettings,
    LibraryItem,
    LibraryWatcher,
    MediaItem,
    MomentScheduler,
    PlaybackEvent,
    PlexAuthenticationError,
    PlexError,
    PlexTVClient,
    PMSClient,
    RemotePlayer,
    Resource,
    Resources,
    SectionCounts,
    ServerConnection,
    ServerFollower,
    Session,
    UpdateStatus,
    choose_connection,
)
from .const import DOMAIN, LOGGER
from .errors import server_unreachable, update_errors
from .helpers import markdown_text

# plex.tv documents no rate limit for these calls; Home Assistant's own Plex integration reads
# resources at most once a minute, and presence changes no faster than that matters.
UPDATE_INTERVAL = timedelta(seconds=60)

# plex.tv extends a token's life when it is pinged; once a day keeps it well within it.
PING_INTERVAL = timedelta(days=1)

# Changes made in Plex's apps show within five minutes; an unchanged list costs one
# conditional request (304, no body) each time.
WATCHLIST_UPDATE_INTERVAL = timedelta(minutes=5)

# A new sign-in shows within ten minutes (or at once, when asked for); the list is read on
# its own schedule, so that a failure of it never touches the account's other entities.
DEVICES_UPDATE_INTERVAL = timedelta(minutes=10)

# What plex.tv lists besides servers: the things that play.
PLAYER_FEATURES = frozenset({"player", "client"})
# Of those, the ones that play media themselves: each gets a media player.
MEDIA_PLAYER_FEATURE = "player"

# How the servers are followed: the library's pacing, whole.
FOLLOW_SETTINGS = FollowSettings()

# The translation key (and id prefix) of the repair issue of a server that refuses its token.
TOKEN_REFUSED_ISSUE = "server_token_refused"  # noqa: S105 - an issue id, not a secret

type PlexAccountConfigEntry = ConfigEntry[PlexAccountRuntimeData]


@dataclass(frozen=True, kw_only=True)
class PlexAccountRuntimeData:
    """What a loaded entry holds: the coordinators of the account and what hangs on it."""

    account: PlexAccountCoordinator
    watchlist: PlexWatchlistCoordinator
    devices: PlexDevicesCoordinator
    sessions: PlexSessionsCoordinator


def server_device_key(account_uuid: str, server_id: str) -> str:
    """Return the device identifier of a server (or a player) as one account sees it.

    Two accounts may see the same server (one owns it and shares it with the other); each
    entry keeps its own device for it.
    """
    return f"{account_uuid}_{server_id}"


def token_refused_issue_id(account_uuid: str, server_id: str) -> str:
    """Return the repair issue id of a server that refuses its token, for one account."""
    return f"{TOKEN_REFUSED_ISSUE}_{account_uuid}_{server_id}"


@dataclass(frozen=True, kw_only=True)
class PlexAccountData:
    """What one refresh learned: the account, and its servers and players by identifier."""

    account: Account
    servers: dict[str, Resource] = field(default_factory=dict)
    players: dict[str, Resource] = field(default_factory=dict)
    unreadable: frozenset[str] = frozenset()
    """Servers and players plex.tv lists but garbled: kept as last read, unavailable."""

    @cached_property
    def media_players(self) -> dict[str, Resource]:
        """Return the players that play media themselves (not mere remote controls)."""
        return {
            player_id: player
            for player_id, player in self.players.items()
            if MEDIA_PLAYER_FEATURE in player.provides
        }

    @cached_property
    def owned_servers(self) -> dict[str, Resource]:
        """Return the servers the account owns: only their owner may read what plays."""
        return {server_id: server for server_id, server in self.servers.items() if server.owned}

    @classmethod
    def from_resources(
        cls, account: Account, resources: Resources, previous: PlexAccountData | None = None
    ) -> Self:
        """Sort the resources into servers and players.

        One plex.tv lists but garbled keeps its last reading (and so its device and
        entities, which show unavailable): a bad answer never removes anything.
        """
        servers: dict[str, Resource] = {}
        players: dict[str, Resource] = {}
        kept = [
            known[resource_id]
            for resource_id in resources.unreadable
            if previous is not None
            for known in (previous.servers, previous.players)
            if resource_id in known
        ]
        for resource in (*resources.resources, *kept):
            if resource.is_server:
                servers[resource.client_identifier] = resource
            elif resource.provides & PLAYER_FEATURES:
                players[resource.client_identifier] = resource
        return cls(
            account=account, servers=servers, players=players, unreadable=resources.unreadable
        )


class PlexTVCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """What plex.tv's coordinators share: the entry and its signed-in client.

    Each says what else it reads besides the account (`reads`), and how often (`interval`).
    """

    config_entry: PlexAccountConfigEntry
    reads: ClassVar[str | None] = None
    interval: ClassVar[timedelta]
    # Whether a read equal to the last one is written again: not what plex.tv says is unchanged.
    writes_unchanged: ClassVar[bool] = True

    def __init__(
        self, hass: HomeAssistant, entry: PlexAccountConfigEntry, client: PlexTVClient
    ) -> None:
        """Keep the client of the entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN if self.reads is None else f"{DOMAIN} {self.reads}",
            update_interval=self.interval,
            always_update=self.writes_unchanged,
        )
        self.client = client


class PlexAccountCoordinator(PlexTVCoordinator[PlexAccountData]):
    """Read the account and its resources together, once a minute."""

    interval = UPDATE_INTERVAL
    _next_ping: datetime | None = None

    @override
    async def _async_update_data(self) -> PlexAccountData:
        """Fetch the account and the resources, mapping plex.tv's errors to Home Assistant's."""
        with update_errors():
            account, resources = await self._async_fetch()
        data = PlexAccountData.from_resources(account, resources, self.data)
        self._async_update_devices(data)
        return data

    async def _async_fetch(self) -> tuple[Account, Resources]:
        """Fetch both at once, with the token's daily ping when due; one round trip."""
        account, resources, pinged = await asyncio.gather(
            self.client.account(),
            self.client.resources(),
            self._async_ping_when_due(),
            return_exceptions=True,
        )
        if (
            isinstance(account, BaseException)
            or isinstance(resources, BaseException)
            or isinstance(pinged, BaseException)
        ):
            errors = [r for r in (account, resources, pinged) if isinstance(r, BaseException)]
            # An authentication failure wins: only a new sign-in mends it.
            raise next((e for e in errors if isinstance(e, PlexAuthenticationError)), errors[0])
        return account, resources

    async def _async_ping_when_due(self) -> None:
        """Keep the token alive: ping plex.tv at setup and then once a day.

        Only a refused token matters (it raises, and the refresh starts reauth); any other
        failure is tried again at the next refresh.
        """
        now = dt_util.utcnow()
        if self._next_ping is not None and now < self._next_ping:
            return
        try:
            await self.client.ping()
        except PlexAuthenticationError:
            raise
        except PlexError as err:
            LOGGER.debug("plex.tv did not take the token's ping: %s", err)
            return
        self._next_ping = now + PING_INTERVAL

    @callback
    def _async_update_devices(self, data: PlexAccountData) -> None:
        """Drop the devices of resources plex.tv no longer lists; keep versions current."""
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        servers = {
            server_device_key(data.account.uuid, resource_id): resource
            for resource_id, resource in (data.servers | data.media_players).items()
        }
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            keys = {key for domain, key in device.identifiers if domain == DOMAIN}
            if data.account.uuid in keys:
                continue
            server = next((servers[key] for key in keys if key in servers), None)
            if server is None:
                registry.async_update_device(device.id, remove_config_entry_id=entry_id)
            elif device.sw_version != server.product_version:
                registry.async_update_device(device.id, sw_version=server.product_version)


class PlexWatchlistCoordinator(PlexTVCoordinator[tuple[MediaItem, ...] | None]):
    """Keep the account's watchlist fresh, asking plex.tv only whether it changed.

    The data is None until the first read succeeds: the entry starts without it.
    """

    reads = "watchlist"
    interval = WATCHLIST_UPDATE_INTERVAL
    # An unchanged list (304) is the same tuple: nothing to write.
    writes_unchanged = False
    _etag: str | None = None

    @override
    async def _async_update_data(self) -> tuple[MediaItem, ...] | None:
        """Fetch the watchlist unless plex.tv says it is unchanged since the last read."""
        etag = self._etag if self.data is not None else None
        with update_errors():
            watchlist = await self.client.watchlist(etag=etag)
        if watchlist is None:
            return self.data
        self._etag = watchlist.etag
        return watchlist.items


@dataclass(frozen=True, kw_only=True)
class AuthorizedDevices:
    """The devices signed in to the account, and those new since the last read."""

    devices: tuple[Device, ...] = ()
    new: tuple[Device, ...] = ()
    """Devices of a client identifier no read listed before; none at the first read."""


class PlexDevicesCoordinator(PlexTVCoordinator[AuthorizedDevices]):
    """Read the account's authorized devices every ten minutes: who is signed in to it."""

    reads = "devices"
    interval = DEVICES_UPDATE_INTERVAL
    _known: set[str] | None = None

    @override
    async def _async_update_data(self) -> AuthorizedDevices:
        """Read the list, and tell which devices are new.

        A device that signs in again (a client identifier seen since Home Assistant started)
        is not new.
        """
        with update_errors():
            devices = tuple(await self.client.devices())
        listed = {device.client_identifier for device in devices}
        if self._known is None:
            self._known = listed
            return AuthorizedDevices(devices=devices)
        new = tuple(device for device in devices if device.client_identifier not in self._known)
        self._known |= listed
        return AuthorizedDevices(devices=devices, new=new)


@dataclass(frozen=True, kw_only=True)
class ServerState:
    """What one owned server told last: whether it answers, what plays, what it holds."""

    available: bool = False
    sessions: tuple[Session, ...] = ()
    read_at: datetime | None = None
    """When the sessions were read: the positions are as of then."""
    libraries: tuple[SectionCounts, ...] | None = None
    """The library sections and their counts, as last read (kept while it is away)."""
    update: UpdateStatus | None = None
    """What the server's updater said last."""
    players: Mapping[str, RemotePlayer] = field(default_factory=dict)
    """The players the server knows, by identifier: what each accepts."""

    @property
    def sections(self) -> dict[str, SectionCounts]:
        """Return the sections as last read, by uuid."""
        return {counts.section.uuid: counts for counts in self.libraries or ()}


def _hass_clock() -> float:
    """Return Home Assistant's time in seconds: its timers (and its tests' clock) drive it."""
    return dt_util.utcnow().timestamp()


class ServerListeners[T]:
    """The callbacks of one kind of each server's news, by the server's identifier."""

    def __init__(self) -> None:
        """Hold no callback yet."""
        self._listeners: dict[str, list[Callable[[T], None]]] = {}

    def add(self, server_id: str, listener: Callable[[T], None]) -> Callable[[], None]:
        """Call `listener` with each news of the server; return its removal."""
        listeners = self._listeners.setdefault(server_id, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    def tell(self, server_id: str, news: T) -> None:
        """Hand the server's news to each of its listeners."""
        for listener in list(self._listeners.get(server_id, ())):
            listener(news)


class PlexSessionsCoordinator(DataUpdateCoordinator[dict[str, ServerState]]):
    """Hold what plays on every owned server of the account, as each server pushes it.

    Nothing is polled from here: each server's follower hands over the sessions it read.
    The data maps each followed server's identifier to its ServerState. Its libraries and
    updater are read by the same follower, as the server's notifications say.
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
        self.followers: dict[str, ServerFollower] = {}
        """The follower of each owned server, by the server's identifier."""
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._token_retried: set[str] = set()
        self._publishing = False
        self._playback = ServerListeners[list[PlaybackEvent]]()
        self._added = ServerListeners[list[LibraryItem]]()
        self._command_ids: dict[str, int] = {}
        # Connections chosen for servers that are not followed (shared ones), for browsing.
        self._connections: dict[str, ServerConnection] = {}

    @override
    async def _async_update_data(self) -> dict[str, ServerState]:
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

    @callback
    def async_add_playback_listener(
        self, server_id: str, listener: Callable[[list[PlaybackEvent]], None]
    ) -> Callable[[], None]:
        """Call `listener` with each change of the streams of one server; return its removal."""
        return self._playback.add(server_id, listener)

    @callback
    def async_add_added_listener(
        self, server_id: str, listener: Callable[[list[LibraryItem]], None]
    ) -> Callable[[], None]:
        """Call `listener` with the items added to a server's libraries; return its removal."""
        return self._added.add(server_id, listener)

    @callback
    def async_followed_client(self, server_id: str) -> PMSClient | None:
        """Return a client of an owned server at the connection in use, or None if none is."""
        follower = self.followers.get(server_id)
        if follower is None or follower.connection is None:
            return None
        return self._client(follower.connection)

    @callback
    def async_owned_client(self, server_id: str) -> PMSClient:
        """Return a client of an owned server for an action; raise if no connection is in use."""
        if (client := self.async_followed_client(server_id)) is None:
            follower = self.followers.get(server_id)
            raise server_unreachable(server_id if follower is None else follower.name)
        return client

    async def async_client(self, server_id: str) -> PMSClient:
        """Return a client of any server of the account: owned or shared with it.

        An owned server's is the follower's connection; another's is chosen on first use
        and kept until it fails (see async_forget_connection). Raises PlexError when the
        server cannot be reached, KeyError when plex.tv does not list it.
        """
        if (client := self.async_followed_client(server_id)) is not None:
            return client
        resource = self.account.data.servers[server_id]
        if (connection := self._connections.get(server_id)) is None or (
            connection.token != resource.access_token
        ):
            connection = await choose_connection(
                async_get_clientsession(self.hass),
                resource,
                identity=self.account.client.identity,
                grace=FOLLOW_SETTINGS.grace,
                timeout=FOLLOW_SETTINGS.timeout,
            )
            self._connections[server_id] = connection
        return self._client(connection)

    @callback
    def async_forget_connection(self, server_id: str) -> None:
        """Choose a shared server's connection again next time: the one kept failed."""
        self._connections.pop(server_id, None)

    def _client(self, connection: ServerConnection) -> PMSClient:
        return connection.client(
            async_get_clientsession(self.hass),
            identity=self.account.client.identity,
            json_loads=json_loads,
        )

    async def async_artwork(self, server_id: str, path: str) -> Artwork | None:
        """Fetch a picture from a server over the connection in use, or None if it fails."""
        try:
            client = await self.async_client(server_id)
            return await client.artwork(path)
        except (PlexError, ValueError, KeyError) as err:
            LOGGER.debug("Could not fetch artwork from server %s: %s", server_id, err)
            self.async_forget_connection(server_id)
            return None

    @callback
    def _async_resources_changed(self) -> None:
        """Follow new owned servers, forget vanished ones, hand the others plex.tv's word."""
        owned = self.account.data.owned_servers
        data = dict(self.data)
        for server_id in self.followers.keys() - owned.keys():
            self._async_stop(server_id)
            data.pop(server_id, None)
        for server_id, resource in owned.items():
            if (follower := self.followers.get(server_id)) is not None:
                follower.update_resource(resource)
                continue
            data[server_id] = ServerState()
            self._async_follow(resource)
        if data != self.data:
            self.async_set_updated_data(data)

    @callback
    def _async_follow(self, resource: Resource) -> None:
        server_id = resource.client_identifier
        library = LibraryWatcher(
            on_libraries=lambda counts: self._async_libraries(server_id, counts),
            on_added=lambda items: self._added.tell(server_id, items),
            on_update=lambda status: self._async_update_status(server_id, status),
            clock=_hass_clock,
            sleep=self._async_sleep,
            name=resource.name,
        )
        moments = MomentScheduler(
            on_playback=lambda events: self._playback.tell(server_id, events),
            clock=_hass_clock,
            sleep=self._async_sleep,
            name=resource.name,
        )
        follower = ServerFollower(
            session=async_get_clientsession(self.hass),
            resource=resource,
            identity=self.account.client.identity,
            settings=FOLLOW_SETTINGS,
            on_sessions=lambda sessions: self._async_sessions(server_id, sessions),
            on_available=lambda: self._async_available(server_id),
            on_unavailable=lambda err: self._async_unavailable(server_id, err),
            on_playback=lambda events: self._playback.tell(server_id, events),
            on_players=lambda players: self._async_players(server_id, players),
            library=library,
            moments=moments,
            clock=_hass_clock,
            sleep=self._async_sleep,
            json_loads=json_loads,
        )
        self.followers[server_id] = follower
        # A background task of the entry: the entry's unload cancels it.
        self._tasks[server_id] = self.config_entry.async_create_background_task(
            self.hass, follower.run(), f"{DOMAIN} follow {resource.name}"
        )

    @callback
    def _async_stop(self, server_id: str) -> None:
        # A stopped follower's callbacks never run again: its task is cancelled first.
        self._tasks.pop(server_id).cancel()
        self.followers.pop(server_id)
        self._connections.pop(server_id, None)
        self._token_retried.discard(server_id)
        self._async_delete_token_issue(server_id)

    async def _async_sleep(self, seconds: float) -> None:
        """Sleep on Home Assistant's timers."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        done = self.hass.loop.create_future()

        @callback
        def _wake(_now: datetime) -> None:
            # A sleep cancelled as its timer fires has its future cancelled already.
            with suppress(asyncio.InvalidStateError):
                done.set_result(None)

        cancel = async_call_later(self.hass, seconds, _wake)
        try:
            await done
        finally:
            cancel()

    @callback
    def _async_sessions(self, server_id: str, sessions: list[Session]) -> None:
        if server_id in self._token_retried:
            self._token_retried.discard(server_id)
            self._async_delete_token_issue(server_id)
        self._async_publish(
            server_id,
            replace(
                self._state(server_id),
                available=True,
                sessions=tuple(sessions),
                read_at=dt_util.utcnow(),
            ),
        )

    @callback
    def _async_libraries(self, server_id: str, counts: list[SectionCounts]) -> None:
        self._async_publish(server_id, replace(self._state(server_id), libraries=tuple(counts)))

    @callback
    def _async_players(self, server_id: str, players: list[RemotePlayer]) -> None:
        known = {player.machine_identifier: player for player in players}
        self._async_publish(server_id, replace(self._state(server_id), players=known))

    def next_command_id(self, player_id: str) -> int:
        """Return the id of the next command to a player: Plex wants it to grow per player."""
        self._command_ids[player_id] = self._command_ids.get(player_id, 0) + 1
        return self._command_ids[player_id]

    @callback
    def _async_update_status(self, server_id: str, status: UpdateStatus) -> None:
        self._async_publish(server_id, replace(self._state(server_id), update=status))

    def _state(self, server_id: str) -> ServerState:
        return self.data.get(server_id) or ServerState()

    @callback
    def _async_publish(self, server_id: str, server: ServerState) -> None:
        """Take one server's news; tell the entities once for all that came meanwhile.

        Many servers starting (or failing) together are one update, not one each.
        """
        self.data = {**self.data, server_id: server}
        if not self._publishing:
            self._publishing = True
            self.hass.loop.call_soon(self._async_flush)

    @callback
    def _async_flush(self) -> None:
        self._publishing = False
        self.async_set_updated_data(self.data)

    @callback
    def _async_available(self, server_id: str) -> None:
        LOGGER.info("Plex server %s is available again", self.followers[server_id].name)

    @callback
    def _async_unavailable(self, server_id: str, err: PlexError) -> None:
        follower = self.followers[server_id]
        LOGGER.info("Plex server %s is unavailable: %s", follower.name, err)
        # What it holds is kept: its entities show unavailable, and stay.
        self._async_publish(server_id, replace(self._state(server_id), available=False))
        if not isinstance(err, PlexAuthenticationError):
            return
        if server_id in self._token_retried:
            self._async_create_token_issue(follower)
            return
        # A server's token is its own (plex.tv lists it with the server): the account's
        # sign-in is fine, so this never starts reauth. plex.tv may list a new one.
        self._token_retried.add(server_id)
        self.config_entry.async_create_background_task(
            self.hass,
            self._async_renew_token(server_id, follower.resource.access_token),
            f"{DOMAIN} renew the token of {follower.name}",
        )

    async def _async_renew_token(self, server_id: str, refused: str | None) -> None:
        """Read plex.tv's resources again; raise the repair issue if the token stays the same.

        A new token is handed to the follower, which tries it at once; if the server
        refuses that one too, the follower says so again, and the issue is raised then.
        """
        await self.account.async_refresh()
        follower = self.followers.get(server_id)
        # Unless the server answered meanwhile, or took the new token plex.tv listed.
        if (
            follower is not None
            and server_id in self._token_retried
            and follower.resource.access_token == refused
        ):
            self._async_create_token_issue(follower)

    @callback
    def _async_create_token_issue(self, follower: ServerFollower) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            token_refused_issue_id(self.account_uuid, follower.resource.client_identifier),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=TOKEN_REFUSED_ISSUE,
            # The title is plain text; the description is Markdown.
            translation_placeholders={
                "server": follower.name,
                "server_markdown": markdown_text(follower.name),
            },
        )

    @callback
    def _async_delete_token_issue(self, server_id: str) -> None:
        ir.async_delete_issue(
            self.hass, DOMAIN, token_refused_issue_id(self.account_uuid, server_id)
        )
