"""The Plex Account integration: a Plex account signed in with a plex.tv/link code."""

import asyncio
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .coordinator import (
    TOKEN_REFUSED_ISSUE,
    PlexAccountConfigEntry,
    PlexAccountCoordinator,
    PlexAccountRuntimeData,
    PlexDevicesCoordinator,
    PlexSessionsCoordinator,
    PlexWatchlistCoordinator,
    server_device_key,
)
from .helpers import async_sign_out, create_entry_client
from .services import async_setup_services

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.MEDIA_PLAYER,
    Platform.SENSOR,
    Platform.TODO,
    Platform.UPDATE,
]


CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, whether or not an account is set up yet."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> bool:
    """Read the account once (not ready, or reauth, if that fails), then add the entities."""
    client = create_entry_client(hass, entry)
    account = PlexAccountCoordinator(hass, entry, client)
    watchlist = PlexWatchlistCoordinator(hass, entry, client)
    devices = PlexDevicesCoordinator(hass, entry, client)
    # The watchlist and the devices are read beside the account: one round trip, not three.
    # Only the account decides whether the entry starts; the others, unread, are unavailable.
    side_reads = [
        entry.async_create_task(hass, coordinator.async_refresh(), f"{coordinator.name} first read")
        for coordinator in (watchlist, devices)
    ]
    try:
        await account.async_config_entry_first_refresh()
    except BaseException:
        for task in side_reads:
            task.cancel()
        raise
    await asyncio.gather(*side_reads)
    sessions = PlexSessionsCoordinator(hass, entry, account)
    entry.runtime_data = PlexAccountRuntimeData(
        account=account, watchlist=watchlist, devices=devices, sessions=sessions
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # The servers are reached in the background: one asleep never holds setup up.
    sessions.async_start()
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> bool:
    """Bring an entry written by an older minor version up to date.

    Home Assistant calls this only for entries older than the flow's version (1.2 now), and
    refuses entries of a newer major version by itself.
    """
    await _async_scope_ids_to_account(hass, entry)
    hass.config_entries.async_update_entry(entry, minor_version=2)
    return True


async def _async_scope_ids_to_account(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> None:
    """Prefix server entities' unique ids and server devices' identifiers with the account.

    Version 1.1 named a server's entities and device by the server alone, so a second account
    that sees the same server collided with the first. Entity ids, names and history stay.
    """
    assert entry.unique_id is not None
    account = entry.unique_id
    prefix = f"{account}_"

    @callback
    def scope_entity(entity: er.RegistryEntry) -> dict[str, Any] | None:
        if entity.unique_id.startswith(prefix):
            return None
        return {"new_unique_id": f"{prefix}{entity.unique_id}"}

    await er.async_migrate_entries(hass, entry.entry_id, scope_entity)

    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        servers = {
            key
            for domain, key in device.identifiers
            if domain == DOMAIN and key != account and not key.startswith(prefix)
        }
        if not servers:
            continue
        # A second account never shared the device: its entities were refused as duplicates
        # before their device was registered.
        registry.async_update_device(
            device.id,
            new_identifiers=(device.identifiers - {(DOMAIN, key) for key in servers})
            | {(DOMAIN, server_device_key(account, key)) for key in servers},
        )


async def async_unload_entry(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> bool:
    """Unload the entities; the shared web session stays open."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> None:
    """Sign the token out at plex.tv, so the device leaves the account's authorized devices.

    Best effort: the entry goes away whatever plex.tv answers. Its servers' repair issues
    go with it.
    """
    issues = ir.async_get(hass).issues
    prefix = f"{TOKEN_REFUSED_ISSUE}_{entry.unique_id}_"
    for domain, issue_id in list(issues):
        if domain == DOMAIN and issue_id.startswith(prefix):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
    await async_sign_out(create_entry_client(hass, entry))
