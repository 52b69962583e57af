"""The base entities: one for the account's device, one for a server's device."""

from collections.abc import Callable, Iterable
from typing import override

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import PlexAccountConfigEntry, PlexAccountCoordinator, server_device_key
from .plextv import Resource

MANUFACTURER = "Plex"
ACCOUNT_URL = "https://app.plex.tv/desktop/#!/settings/account"


class PlexAccountEntity(CoordinatorEntity[PlexAccountCoordinator]):
    """An entity of the account's service device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: PlexAccountCoordinator, description: EntityDescription) -> None:
        """Describe the entity and the account's device."""
        super().__init__(coordinator)
        self.entity_description = description
        account = coordinator.data.account
        self._attr_unique_id = f"{account.uuid}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, account.uuid)},
            name=account.title or account.username,
            manufacturer=MANUFACTURER,
            model="Plex account",
            entry_type=DeviceEntryType.SERVICE,
            configuration_url=ACCOUNT_URL,
        )


class PlexServerEntity(CoordinatorEntity[PlexAccountCoordinator]):
    """An entity of one server's device, as this account sees the server."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: PlexAccountCoordinator,
        description: EntityDescription,
        server: Resource,
    ) -> None:
        """Describe the entity and the server's device, both scoped to the account."""
        super().__init__(coordinator)
        self.entity_description = description
        self._server_id = server.client_identifier
        device_key = server_device_key(coordinator.data.account.uuid, self._server_id)
        self._attr_unique_id = f"{device_key}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device_key)},
            name=server.name,
            manufacturer=MANUFACTURER,
            model=server.product,
            model_id=server.platform,
            sw_version=server.product_version,
        )

    @property
    def server(self) -> Resource:
        """Return the server of this entity, as last read."""
        return self.coordinator.data.servers[self._server_id]

    @property
    @override
    def available(self) -> bool:
        """Return whether plex.tv answered, and still lists the server."""
        return super().available and self._server_id in self.coordinator.data.servers


@callback
def async_add_server_entities(
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_for: Callable[[Resource], Iterable[Entity]],
) -> None:
    """Add each server's entities now, and those of every server a later refresh brings."""
    coordinator = entry.runtime_data.account
    known: set[str] = set()

    @callback
    def _async_add_new_servers() -> None:
        servers = coordinator.data.servers
        # A server that left had its device (and entities) removed: add it again if it returns.
        known.intersection_update(servers)
        for server_id in servers.keys() - known:
            known.add(server_id)
            async_add_entities(entities_for(servers[server_id]))

    _async_add_new_servers()
    entry.async_on_unload(coordinator.async_add_listener(_async_add_new_servers))
