"""Keep the account and its resources fresh, and map plex.tv's answers to Home Assistant's."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Self, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .plextv import (
    Account,
    MediaItem,
    PlexTVAuthenticationError,
    PlexTVClient,
    PlexTVError,
    PlexTVRateLimitError,
    Resource,
)

# plex.tv documents no rate limit for these calls; Home Assistant's own Plex integration reads
# resources at most once a minute, and presence changes no faster than that matters.
UPDATE_INTERVAL = timedelta(seconds=60)

# plex.tv extends a token's life when it is pinged; once a day keeps it well within it.
PING_INTERVAL = timedelta(days=1)

# Changes made in Plex's apps show within five minutes; an unchanged list costs one
# conditional request (304, no body) each time.
WATCHLIST_UPDATE_INTERVAL = timedelta(minutes=5)

# What plex.tv lists besides servers: the things that play.
PLAYER_FEATURES = frozenset({"player", "client"})
# Of those, the ones that play media themselves: each gets a media player.
MEDIA_PLAYER_FEATURE = "player"

if TYPE_CHECKING:
    from .sessions import PlexSessionsCoordinator

type PlexAccountConfigEntry = ConfigEntry[PlexAccountRuntimeData]


@dataclass(frozen=True, kw_only=True)
class PlexAccountRuntimeData:
    """What a loaded entry holds: the account's, the watchlist's and the servers' coordinators."""

    account: PlexAccountCoordinator
    watchlist: PlexWatchlistCoordinator
    sessions: PlexSessionsCoordinator


@contextmanager
def _plextv_errors() -> Iterator[None]:
    """Map the client's errors to what a coordinator raises."""
    try:
        yield
    except PlexTVAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_token"
        ) from err
    except PlexTVRateLimitError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="rate_limited",
            retry_after=err.retry_after,
        ) from err
    except PlexTVError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        ) from err


def server_device_key(account_uuid: str, server_id: str) -> str:
    """Return the device identifier of a server (or a player) as one account sees it.

    Two accounts may see the same server (one owns it and shares it with the other); each
    entry keeps its own device for it.
    """
    return f"{account_uuid}_{server_id}"


@dataclass(frozen=True, kw_only=True)
class PlexAccountData:
    """What one refresh learned: the account, and its servers and players by identifier."""

    account: Account
    servers: dict[str, Resource] = field(default_factory=dict)
    players: dict[str, Resource] = field(default_factory=dict)

    @property
    def media_players(self) -> dict[str, Resource]:
        """Return the players that play media themselves (not mere remote controls)."""
        return {
            player_id: player
            for player_id, player in self.players.items()
            if MEDIA_PLAYER_FEATURE in player.provides
        }

    @classmethod
    def from_resources(cls, account: Account, resources: list[Resource]) -> Self:
        """Sort the resources into servers and players."""
        servers: dict[str, Resource] = {}
        players: dict[str, Resource] = {}
        for resource in resources:
            if resource.is_server:
                servers[resource.client_identifier] = resource
            elif resource.provides & PLAYER_FEATURES:
                players[resource.client_identifier] = resource
        return cls(account=account, servers=servers, players=players)


class PlexAccountCoordinator(DataUpdateCoordinator[PlexAccountData]):
    """Read the account and its resources together, once a minute."""

    config_entry: PlexAccountConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: PlexAccountConfigEntry, client: PlexTVClient
    ) -> None:
        """Keep the client of the entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client
        self._next_ping: datetime | None = None

    @override
    async def _async_update_data(self) -> PlexAccountData:
        """Fetch the account and the resources, mapping plex.tv's errors to Home Assistant's."""
        with _plextv_errors():
            account, resources = await self._async_fetch()
        data = PlexAccountData.from_resources(account, resources)
        self._async_update_devices(data)
        return data

    async def _async_fetch(self) -> tuple[Account, list[Resource]]:
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
            raise next((e for e in errors if isinstance(e, PlexTVAuthenticationError)), errors[0])
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
        except PlexTVAuthenticationError:
            raise
        except PlexTVError as err:
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


class PlexWatchlistCoordinator(DataUpdateCoordinator[tuple[MediaItem, ...] | None]):
    """Keep the account's watchlist fresh, asking plex.tv only whether it changed.

    The data is None until the first read succeeds: the entry starts without it.
    """

    config_entry: PlexAccountConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: PlexAccountConfigEntry, client: PlexTVClient
    ) -> None:
        """Keep the client of the entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} watchlist",
            update_interval=WATCHLIST_UPDATE_INTERVAL,
            # An unchanged list (304) is the same tuple: nothing to write.
            always_update=False,
        )
        self.client = client
        self._etag: str | None = None

    @override
    async def _async_update_data(self) -> tuple[MediaItem, ...] | None:
        """Fetch the watchlist unless plex.tv says it is unchanged since the last read."""
        etag = self._etag if self.data is not None else None
        with _plextv_errors():
            watchlist = await self.client.watchlist(etag=etag)
        if watchlist is None:
            return self.data
        self._etag = watchlist.etag
        return watchlist.items
