"""The Plex Account integration: a Plex account signed in with a plex.tv/link code."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from .const import LOGGER
from .coordinator import PlexAccountConfigEntry, PlexAccountCoordinator
from .helpers import create_entry_client
from .plextv import PlexTVAuthenticationError, PlexTVError

PLATFORMS = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> bool:
    """Read the account once (not ready, or reauth, if that fails), then add the entities."""
    coordinator = PlexAccountCoordinator(hass, entry, create_entry_client(hass, entry))
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
        await create_entry_client(hass, entry).sign_out()
    except PlexTVAuthenticationError:
        LOGGER.debug("plex.tv had already signed the token out")
    except PlexTVError as err:
        LOGGER.warning("Could not sign out of plex.tv; revoke the device there: %s", err)
