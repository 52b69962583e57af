"""The Plex Account integration: a Plex account signed in with a plex.tv/link code."""

from __future__ import annotations

from homeassistant.const import CONF_TOKEN, Platform
from homeassistant.core import HomeAssistant

from .const import CONF_CLIENT_IDENTIFIER, CONF_CLIENT_NAME, CONF_DEVICE_NAME, LOGGER
from .coordinator import PlexAccountConfigEntry, PlexAccountCoordinator
from .helpers import create_client
from .plextv import PlexTVAuthenticationError, PlexTVClient, PlexTVError

PLATFORMS = [Platform.BINARY_SENSOR, Platform.SENSOR]


def _client(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> PlexTVClient:
    return create_client(
        hass,
        client_identifier=entry.data[CONF_CLIENT_IDENTIFIER],
        client_name=entry.data[CONF_CLIENT_NAME],
        device_name=entry.data[CONF_DEVICE_NAME],
        token=entry.data[CONF_TOKEN],
    )


async def async_setup_entry(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> bool:
    """Read the account once (not ready, or reauth, if that fails), then add the entities."""
    coordinator = PlexAccountCoordinator(hass, entry, _client(hass, entry))
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> bool:
    """Unload the entities; the shared web session stays open."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> None:
    """Sign the token out at plex.tv, so the device leaves the account's authorized devices.

    Best effort: the entry goes away whatever plex.tv answers.
    """
    try:
        await _client(hass, entry).sign_out()
    except PlexTVAuthenticationError:
        LOGGER.debug("plex.tv had already signed the token out")
    except PlexTVError as err:
        LOGGER.warning("Could not sign out of plex.tv; revoke the device there: %s", err)
