"""The one base entity: ids and devices of the account, its servers and its players."""

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import replace
from typing import Any, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .aioplexaccount import Account, LibrarySection, Resource, SectionCounts
from .const import DOMAIN
from .coordinator import (
    PlexAccountConfigEntry,
    PlexAccountCoordinator,
    PlexAccountData,
    PlexSessionsCoordinator,
    ServerState,
    server_device_key,
)

MANUFACTURER = "Plex"
ACCOUNT_URL = "https://app.plex.tv/desktop/#!/settings/account"


class PlexAccountEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of the account, of one of its servers, or of one of its players.

    Ids are scoped to the account: two accounts that see the same server each have their
    own device and entities for it.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        account: Account,
        resource: Resource | None = None,
        *,
        device: bool = True,
    ) -> None:
        """Describe the entity and its device: the resource's, or else the account's."""
        super().__init__(coordinator)
        self.entity_description = description
        self.resource_id = None if resource is None else resource.client_identifier
        if resource is None:
            key = account.uuid
            device_info = DeviceInfo(
                identifiers={(DOMAIN, key)},
                name=account.title or account.username,
                manufacturer=MANUFACTURER,
                model="Plex account",
                entry_type=DeviceEntryType.SERVICE,
                configuration_url=ACCOUNT_URL,
            )
        else:
            key = server_device_key(account.uuid, resource.client_identifier)
            device_info = DeviceInfo(
                identifiers={(DOMAIN, key)},
                name=resource.name,
                manufacturer=MANUFACTURER,
                model=resource.product,
                model_id=resource.platform,
                sw_version=resource.product_version,
            )
        self._attr_unique_id = f"{key}_{description.key}"
        if device:
            self._attr_device_info = device_info


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


class PlexTVEntity(PlexAccountEntity[PlexAccountCoordinator]):
    """An entity of the account or of one of its servers, as plex.tv last listed them."""

    @property
    @override
    def available(self) -> bool:
        """Return whether plex.tv answered, and still lists the server readably."""
        data = self.coordinator.data
        return super().available and (
            self.resource_id is None
            or (self.resource_id in data.servers and self.resource_id not in data.unreadable)
        )

    @property
    def server(self) -> Resource | None:
        """Return the entity's server as last read; None for the account's own entities."""
        return None if self.resource_id is None else self.coordinator.data.servers[self.resource_id]


class PlexServerEntity(PlexAccountEntity[PlexSessionsCoordinator]):
    """An entity of one owned server, fed by what the server pushes."""

    _written: ServerState | None = None

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        # The data holds every server: only news of this one is worth a state write.
        if (server := self.server_state) is not self._written:
            self._written = server
            super()._handle_coordinator_update()

    @property
    def server_state(self) -> ServerState:
        """Return what the server told last (nothing, while it is not followed)."""
        return self.coordinator.data.get(self.resource_id or "") or ServerState()

    @property
    @override
    def available(self) -> bool:
        """Return whether the server answers."""
        return self.server_state.available


@callback
def async_add_pushed_entities(
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_class: Callable[
        [PlexSessionsCoordinator, EntityDescription, Account, Resource],
        PlexAccountEntity[PlexSessionsCoordinator],
    ],
    description: EntityDescription,
    resources: Callable[[PlexAccountData], Mapping[str, Resource]],
) -> None:
    """Add an entity fed by the servers' push for each resource `resources` picks, as they come."""
    data = entry.runtime_data
    async_add_resource_entities(
        entry,
        async_add_entities,
        lambda resource: [
            entity_class(data.sessions, description, data.account.data.account, resource)
        ],
        resources,
    )


@callback
def async_add_plextv_entities(
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_class: Callable[
        [PlexAccountCoordinator, EntityDescription, Account, Resource | None], PlexTVEntity
    ],
    account_descriptions: Iterable[EntityDescription],
    server_descriptions: Callable[[Resource], Iterable[EntityDescription]],
) -> None:
    """Add the account's entities now, and each server's as it appears, from plex.tv's word."""
    coordinator = entry.runtime_data.account
    account = coordinator.data.account
    async_add_entities(
        entity_class(coordinator, description, account, None)
        for description in account_descriptions
    )
    async_add_resource_entities(
        entry,
        async_add_entities,
        lambda server: (
            entity_class(coordinator, description, account, server)
            for description in server_descriptions(server)
        ),
    )


class PlexSectionEntity(PlexServerEntity):
    """An entity of one library section of an owned server, fed by the server's push.

    Its unique id holds the server's identifier and the section's uuid; its name is the
    section's, as Plex names it.
    """

    def __init__(
        self,
        coordinator: PlexSessionsCoordinator,
        description: EntityDescription,
        account: Account,
        resource: Resource,
        section: LibrarySection,
    ) -> None:
        """Describe the entity of `section` on the server of `resource`."""
        super().__init__(
            coordinator,
            replace(description, key=f"{section.uuid}_{description.key}"),
            account,
            resource,
        )
        self.section_uuid = section.uuid
        self._attr_translation_placeholders = {"library": section.title}

    @property
    def section_counts(self) -> SectionCounts | None:
        """Return the section and its counts as last read; None once it is gone."""
        return self.server_state.sections.get(self.section_uuid)

    @property
    @override
    def available(self) -> bool:
        """Return whether the server answers and still has the section."""
        return super().available and self.section_counts is not None


@callback
def async_add_section_entities(
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_class: Callable[
        [PlexSessionsCoordinator, EntityDescription, Account, Resource, LibrarySection],
        PlexSectionEntity,
    ],
    description: EntityDescription,
) -> None:
    """Add an entity for each section of each owned server as it appears; remove it after.

    A section is gone when a reading of its server's libraries no longer lists it; a
    server that does not answer keeps its sections (unavailable).
    """
    data = entry.runtime_data
    added: dict[tuple[str, str], PlexSectionEntity] = {}

    @callback
    def _async_follow_sections() -> None:
        owned = data.account.data.owned_servers
        found: set[tuple[str, str]] = set()  # (server, section uuid)
        new: list[PlexSectionEntity] = []
        for server_id, state in data.sessions.data.items():
            if server_id not in owned or state.libraries is None:
                continue
            for uuid, counts in state.sections.items():
                found.add((server_id, uuid))
                if (server_id, uuid) not in added:
                    entity = entity_class(
                        data.sessions,
                        description,
                        data.account.data.account,
                        owned[server_id],
                        counts.section,
                    )
                    added[server_id, uuid] = entity
                    new.append(entity)
        for key in list(added):
            current = data.sessions.data.get(key[0])
            if current is None:
                # The server left: its device went, and its entities with it.
                del added[key]
            elif current.libraries is not None and key not in found:
                _async_remove(data.sessions.hass, added.pop(key))
        if new:
            async_add_entities(new)

    _async_follow_sections()
    entry.async_on_unload(data.sessions.async_add_listener(_async_follow_sections))


@callback
def _async_remove(hass: HomeAssistant, entity: Entity) -> None:
    """Remove an entity for good: from the registry, and so from the states."""
    # Added entities have a unique id, so a registry entry: its removal removes them.
    with suppress(KeyError):
        er.async_get(hass).async_remove(entity.entity_id)
