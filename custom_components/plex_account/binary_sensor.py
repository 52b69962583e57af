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

from .aioplexaccount import Resource
from .coordinator import PlexAccountConfigEntry, PlexAccountData
from .entity import PlexTVEntity, async_add_plextv_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PlexBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor of the account (`resource` None) or of one of its servers."""

    is_on_fn: Callable[[PlexAccountData, Resource | None], bool]


ACCOUNT_BINARY_SENSORS = (
    PlexBinarySensorEntityDescription(
        key="plex_pass",
        translation_key="plex_pass",
        is_on_fn=lambda data, _: data.account.subscription.active,
    ),
)

SERVER_BINARY_SENSORS = (
    PlexBinarySensorEntityDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        is_on_fn=lambda _, server: server is not None and server.presence,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's binary sensors, and each server's as it appears."""
    async_add_plextv_entities(
        entry,
        async_add_entities,
        PlexBinarySensor,
        ACCOUNT_BINARY_SENSORS,
        lambda _: SERVER_BINARY_SENSORS,
    )


class PlexBinarySensor(PlexTVEntity, BinarySensorEntity):
    """A binary sensor of the account or of one of its servers, from plex.tv's word."""

    entity_description: PlexBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool:
        """Return the state from the last refresh."""
        return self.entity_description.is_on_fn(self.coordinator.data, self.server)
