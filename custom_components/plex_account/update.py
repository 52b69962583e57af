"""Updates: the version each owned server runs, the one it offers, and installing it."""

from typing import Any, Final, override

from homeassistant.components.update import (
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PlexAccountConfigEntry
from .entity import PlexServerEntity, async_add_pushed_entities
from .errors import action_errors

# One install at a time: the server restarts to do it.
PARALLEL_UPDATES = 1

# Home Assistant shows at most this much of a summary.
MAX_SUMMARY: Final = 255

UPDATE = UpdateEntityDescription(key="update", translation_key="server_update")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an update entity for each owned server as it appears."""
    async_add_pushed_entities(
        entry, async_add_entities, PlexServerUpdate, UPDATE, lambda data: data.owned_servers
    )


class PlexServerUpdate(PlexServerEntity, UpdateEntity):
    """The server's software: installed, offered, and installed from here where it can be.

    The server's updater is read at most hourly, and at once when the server says its state
    changed. A server that cannot install by itself (a NAS package, say) shows the version
    it offers but no install.
    """

    @property
    @override
    def installed_version(self) -> str | None:
        """Return the version the server runs, as it says (else as plex.tv lists it)."""
        status = self.server_state.update
        if status is not None and status.installed_version is not None:
            return status.installed_version
        server = self.coordinator.account.data.servers.get(self.resource_id or "")
        return None if server is None else server.product_version

    @property
    @override
    def latest_version(self) -> str | None:
        """Return the version the server offers; the installed one when it offers none."""
        status = self.server_state.update
        if status is not None and (release := status.latest) is not None:
            return release.version
        return self.installed_version

    @property
    @override
    def release_summary(self) -> str | None:
        """Return what the offered version fixes and adds, as the server lists it."""
        status = self.server_state.update
        if status is None or (release := status.latest) is None:
            return None
        text = "\n".join(part for part in (release.added, release.fixed) if part)
        return text[:MAX_SUMMARY] or None

    @property
    @override
    def supported_features(self) -> UpdateEntityFeature:
        """Offer install only where the server says it can install."""
        status = self.server_state.update
        if status is not None and status.can_install:
            return UpdateEntityFeature.INSTALL
        return UpdateEntityFeature(0)

    @override
    async def async_install(self, version: str | None, backup: bool, **kwargs: Any) -> None:
        """Have the server fetch the version it offers and install it; it restarts."""
        assert self.resource_id is not None
        client = self.coordinator.async_owned_client(self.resource_id)
        with action_errors("install_failed"):
            await client.check_for_update(download=True)
            await client.install_update()
