"""The base entities: the account's device, a server's device, and what plays on a server."""

from collections.abc import Callable, Iterable, Mapping
from typing import override

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import (
    PlexAccountConfigEntry,
    PlexAccountCoordinator,
    PlexAccountData,
    server_device_key,
)
from .plextv import Resource
from .sessions import PlexSessionsCoordinator, ServerSessions

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


def resource_device_info(device_key: str, resource: Resource) -> DeviceInfo:
    """Describe the device of a server or a player, as one account sees it."""
    return DeviceInfo(
        identifiers={(DOMAIN, device_key)},
        name=resource.name,
        manufacturer=MANUFACTURER,
        model=resource.product,
        model_id=resource.platform,
        sw_version=resource.product_version,
    )


class ServerDeviceEntity(Entity):
    """What the entities of a server's device share: ids scoped to the account."""

    _attr_has_entity_name = True
    _server_id: str

    def describe_server(
        self, account_uuid: str, description: EntityDescription, server: Resource
    ) -> None:
        """Set the description, the unique id and the device (two accounts may share it)."""
        self.entity_description = description
        self._server_id = server.client_identifier
        device_key = server_device_key(account_uuid, self._server_id)
        self._attr_unique_id = f"{device_key}_{description.key}"
        self._attr_device_info = resource_device_info(device_key, server)


class PlexServerEntity(CoordinatorEntity[PlexAccountCoordinator], ServerDeviceEntity):
    """An entity of one server's device, as this account sees the server."""

    def __init__(
        self,
        coordinator: PlexAccountCoordinator,
        description: EntityDescription,
        server: Resource,
    ) -> None:
        """Describe the entity and the server's device, both scoped to the account."""
        super().__init__(coordinator)
        self.describe_server(coordinator.data.account.uuid, description, server)

    @property
    def server(self) -> Resource:
        """Return the server of this entity, as last read."""
        return self.coordinator.data.servers[self._server_id]

    @property
    @override
    def available(self) -> bool:
        """Return whether plex.tv answered, and still lists the server."""
        return super().available and self._server_id in self.coordinator.data.servers


class PlexServerSessionsEntity(CoordinatorEntity[PlexSessionsCoordinator], ServerDeviceEntity):
    """An entity of one owned server's device that follows what plays on the server."""

    def __init__(
        self,
        coordinator: PlexSessionsCoordinator,
        description: EntityDescription,
        server: Resource,
    ) -> None:
        """Describe the entity; its device is the server's, as PlexServerEntity's."""
        super().__init__(coordinator)
        self.describe_server(coordinator.account_uuid, description, server)

    @property
    def server_sessions(self) -> ServerSessions:
        """Return what the server told last (nothing, while it is not followed)."""
        return self.coordinator.data.get(self._server_id) or ServerSessions()

    @property
    @override
    def available(self) -> bool:
        """Return whether the server answers."""
        return self.server_sessions.available


def owned_servers(data: PlexAccountData) -> dict[str, Resource]:
    """Return the servers the account owns: only their owner may read what plays on them."""
    return {server_id: server for server_id, server in data.servers.items() if server.owned}


@callback
def async_add_resource_entities(
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_for: Callable[[Resource], Iterable[Entity]],
    resources: Callable[[PlexAccountData], Mapping[str, Resource]] = lambda data: data.servers,
) -> None:
    """Add each resource's entities now, and those of every one a later refresh brings.

    `resources` picks them from a refresh: the servers unless it says otherwise.
    """
    coordinator = entry.runtime_data.account
    known: set[str] = set()

    @callback
    def _async_add_new() -> None:
        found = resources(coordinator.data)
        # One that left had its device (and entities) removed: add it again if it returns.
        known.intersection_update(found)
        for resource_id in found.keys() - known:
            known.add(resource_id)
            async_add_entities(entities_for(found[resource_id]))

    _async_add_new()
    entry.async_on_unload(coordinator.async_add_listener(_async_add_new))


@callback
def async_add_server_entities(
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_for: Callable[[Resource], Iterable[Entity]],
) -> None:
    """Add each server's entities now, and those of every server a later refresh brings."""
    async_add_resource_entities(entry, async_add_entities, entities_for)
