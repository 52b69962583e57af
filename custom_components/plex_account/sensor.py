"""Sensors: the Plex Pass plan and what is online, and when each server was last seen."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import PlexAccountConfigEntry, PlexAccountData
from .entity import PlexAccountEntity, PlexServerEntity, async_add_server_entities
from .plextv import Resource

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PlexAccountSensorEntityDescription(SensorEntityDescription):
    """A sensor of the account."""

    value_fn: Callable[[PlexAccountData], StateType]


@dataclass(frozen=True, kw_only=True)
class PlexServerSensorEntityDescription(SensorEntityDescription):
    """A sensor of one server; has_fn says whether the server has it."""

    value_fn: Callable[[Resource], StateType | datetime]
    has_fn: Callable[[Resource], bool] = lambda _: True


ACCOUNT_SENSORS = (
    PlexAccountSensorEntityDescription(
        key="plex_pass_plan",
        translation_key="plex_pass_plan",
        entity_category=EntityCategory.DIAGNOSTIC,
        # The plan rarely changes and the Plex Pass sensor says what most people want.
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.account.subscription.plan,
    ),
    PlexAccountSensorEntityDescription(
        key="servers_online",
        translation_key="servers_online",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: sum(server.presence for server in data.servers.values()),
    ),
    PlexAccountSensorEntityDescription(
        key="devices_online",
        translation_key="devices_online",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: sum(player.presence for player in data.players.values()),
    ),
)

SERVER_SENSORS = (
    PlexServerSensorEntityDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda server: server.last_seen_at,
    ),
    PlexServerSensorEntityDescription(
        key="owner",
        translation_key="owner",
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda server: not server.owned,
        value_fn=lambda server: server.source_title,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's sensors, and each server's as it appears."""
    coordinator = entry.runtime_data.account
    async_add_entities(
        PlexAccountSensor(coordinator, description) for description in ACCOUNT_SENSORS
    )
    async_add_server_entities(
        entry,
        async_add_entities,
        lambda server: (
            PlexServerSensor(coordinator, description, server)
            for description in SERVER_SENSORS
            if description.has_fn(server)
        ),
    )


class PlexAccountSensor(PlexAccountEntity, SensorEntity):
    """A sensor of the account."""

    entity_description: PlexAccountSensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType:
        """Return the value from the last refresh."""
        return self.entity_description.value_fn(self.coordinator.data)


class PlexServerSensor(PlexServerEntity, SensorEntity):
    """A sensor of one server."""

    entity_description: PlexServerSensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """Return the value from the last refresh."""
        return self.entity_description.value_fn(self.server)
