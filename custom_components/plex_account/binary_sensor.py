"""Binary sensors: Plex Pass on the account, and whether each server is online."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PlexAccountConfigEntry, PlexAccountData
from .entity import PlexAccountEntity, PlexServerEntity, async_add_server_entities
from .plextv import Resource

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PlexAccountBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor of the account."""

    is_on_fn: Callable[[PlexAccountData], bool]


@dataclass(frozen=True, kw_only=True)
class PlexServerBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor of one server."""

    is_on_fn: Callable[[Resource], bool]


ACCOUNT_BINARY_SENSORS = (
    PlexAccountBinarySensorEntityDescription(
        key="plex_pass",
        translation_key="plex_pass",
        is_on_fn=lambda data: data.account.subscription.active,
    ),
)

SERVER_BINARY_SENSORS = (
    PlexServerBinarySensorEntityDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        is_on_fn=lambda server: server.presence,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's binary sensors, and each server's as it appears."""
    coordinator = entry.runtime_data.account
    async_add_entities(
        PlexAccountBinarySensor(coordinator, description) for description in ACCOUNT_BINARY_SENSORS
    )
    async_add_server_entities(
        entry,
        async_add_entities,
        lambda server: (
            PlexServerBinarySensor(coordinator, description, server)
            for description in SERVER_BINARY_SENSORS
        ),
    )


class PlexAccountBinarySensor(PlexAccountEntity, BinarySensorEntity):
    """A binary sensor of the account."""

    entity_description: PlexAccountBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool:
        """Return the state from the last refresh."""
        return self.entity_description.is_on_fn(self.coordinator.data)


class PlexServerBinarySensor(PlexServerEntity, BinarySensorEntity):
    """A binary sensor of one server."""

    entity_description: PlexServerBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool:
        """Return the state from the last refresh."""
        return self.entity_description.is_on_fn(self.server)
