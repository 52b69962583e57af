"""Sensors: the Plex Pass plan, what is online, each server's last sighting, streams, libraries."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfDataRate
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .aioplexaccount import Resource, SectionCounts, Session
from .coordinator import (
    PlexAccountConfigEntry,
    PlexAccountData,
    PlexDevicesCoordinator,
    ServerState,
)
from .entity import (
    PlexAccountEntity,
    PlexSectionEntity,
    PlexServerEntity,
    PlexTVEntity,
    async_add_plextv_entities,
    async_add_pushed_entities,
    async_add_section_entities,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PlexSensorEntityDescription(SensorEntityDescription):
    """A sensor of the account (`resource` None) or of one of its servers.

    has_fn says whether a server has it.
    """

    value_fn: Callable[[PlexAccountData, Resource | None], StateType | datetime]
    has_fn: Callable[[Resource], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class PlexStreamsSensorEntityDescription(SensorEntityDescription):
    """A sensor of what plays on one owned server."""

    value_fn: Callable[[ServerState], StateType]
    attributes_fn: Callable[[ServerState], Mapping[str, Any]] = lambda _: {}


@dataclass(frozen=True, kw_only=True)
class PlexLibrarySensorEntityDescription(SensorEntityDescription):
    """A sensor of one library section of an owned server."""

    value_fn: Callable[[SectionCounts], StateType]
    attributes_fn: Callable[[SectionCounts], Mapping[str, Any]]


# What a section counts besides its own items, as attributes named for people.
_COUNT_ATTRIBUTES = {
    "season": "seasons",
    "episode": "episodes",
    "album": "albums",
    "track": "tracks",
}


def library_counts(counts: SectionCounts) -> dict[str, int]:
    """Return what a section holds inside its items: a show's episodes, an artist's tracks."""
    return {
        name: counts.counts[kind]
        for kind, name in _COUNT_ATTRIBUTES.items()
        if kind in counts.counts
    }


def stream_title(session: Session) -> str:
    """Return a stream's title as a person reads it: the show and episode, or the artist."""
    if session.show is not None:
        if session.season is not None and session.episode is not None:
            return f"{session.show} - S{session.season:02d}E{session.episode:02d} - {session.title}"
        return f"{session.show} - {session.title}"
    if session.artist is not None:
        return f"{session.artist} - {session.title}"
    if session.year is not None:
        return f"{session.title} ({session.year})"
    return session.title


def streams(server: ServerState) -> list[dict[str, str | int | bool | None]]:
    """Return the streams of a server: who watches what, where, how, at what cost."""
    return [
        {
            "user": None if session.user is None else session.user.title,
            "title": stream_title(session),
            "player": session.player.title,
            "state": session.state,
            "session_id": session.session_id,
            "decision": session.media.decision,
            "video_decision": None
            if session.transcode is None
            else session.transcode.video_decision,
            "audio_decision": None
            if session.transcode is None
            else session.transcode.audio_decision,
            "hardware_transcoding": session.transcode is not None and session.transcode.hardware,
            "quality": session.media.video_resolution,
            "bitrate": session.media.bitrate,
            "bandwidth": session.bandwidth,
            "location": session.location,
        }
        for session in server.sessions
    ]


ACCOUNT_SENSORS = (
    PlexSensorEntityDescription(
        key="plex_pass_plan",
        translation_key="plex_pass_plan",
        entity_category=EntityCategory.DIAGNOSTIC,
        # The plan rarely changes and the Plex Pass sensor says what most people want.
        entity_registry_enabled_default=False,
        value_fn=lambda data, _: data.account.subscription.plan,
    ),
    PlexSensorEntityDescription(
        key="servers_online",
        translation_key="servers_online",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: sum(server.presence for server in data.servers.values()),
    ),
    PlexSensorEntityDescription(
        key="devices_online",
        translation_key="devices_online",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: sum(player.presence for player in data.players.values()),
    ),
)

SERVER_SENSORS = (
    PlexSensorEntityDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda _, server: None if server is None else server.last_seen_at,
    ),
    PlexSensorEntityDescription(
        key="owner",
        translation_key="owner",
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda server: not server.owned,
        value_fn=lambda _, server: None if server is None else server.source_title,
    ),
)

AUTHORIZED_DEVICES = SensorEntityDescription(
    key="authorized_devices",
    translation_key="authorized_devices",
    state_class=SensorStateClass.MEASUREMENT,
)

STREAMS_SENSOR = PlexStreamsSensorEntityDescription(
    key="active_streams",
    translation_key="active_streams",
    state_class=SensorStateClass.MEASUREMENT,
    value_fn=lambda server: len(server.sessions),
    attributes_fn=lambda server: {"streams": streams(server)},
)


LIBRARY_SENSOR = PlexLibrarySensorEntityDescription(
    key="library",
    translation_key="library",
    state_class=SensorStateClass.MEASUREMENT,
    value_fn=lambda counts: counts.items,
    attributes_fn=library_counts,
)


BANDWIDTH_SENSOR = PlexStreamsSensorEntityDescription(
    key="bandwidth",
    translation_key="bandwidth",
    device_class=SensorDeviceClass.DATA_RATE,
    native_unit_of_measurement=UnitOfDataRate.KILOBITS_PER_SECOND,
    state_class=SensorStateClass.MEASUREMENT,
    value_fn=lambda server: sum(session.bandwidth or 0 for session in server.sessions),
)

TRANSCODES_SENSOR = PlexStreamsSensorEntityDescription(
    key="transcodes",
    translation_key="transcodes",
    state_class=SensorStateClass.MEASUREMENT,
    value_fn=lambda server: sum(session.transcoding for session in server.sessions),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's sensors, and each server's as it appears."""
    async_add_plextv_entities(
        entry,
        async_add_entities,
        PlexSensor,
        ACCOUNT_SENSORS,
        lambda server: [each for each in SERVER_SENSORS if each.has_fn(server)],
    )
    data = entry.runtime_data
    async_add_entities(
        [PlexAuthorizedDevicesSensor(data.devices, AUTHORIZED_DEVICES, data.account.data.account)]
    )
    for description in (STREAMS_SENSOR, BANDWIDTH_SENSOR, TRANSCODES_SENSOR):
        async_add_pushed_entities(
            entry,
            async_add_entities,
            PlexStreamsSensor,
            description,
            lambda data: data.owned_servers,
        )
    async_add_section_entities(entry, async_add_entities, PlexLibrarySensor, LIBRARY_SENSOR)


class PlexSensor(PlexTVEntity, SensorEntity):
    """A sensor of the account or of one of its servers, from plex.tv's word."""

    entity_description: PlexSensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """Return the value from the last refresh."""
        return self.entity_description.value_fn(self.coordinator.data, self.server)


class PlexStreamsSensor(PlexServerEntity, SensorEntity):
    """How many streams play on one owned server, and what they are."""

    entity_description: PlexStreamsSensorEntityDescription
    # What plays changes all day: the count has a history, the list need not.
    _unrecorded_attributes = frozenset({"streams"})

    @property
    @override
    def native_value(self) -> StateType:
        """Return how many streams play."""
        return self.entity_description.value_fn(self.server_state)

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return the streams: who, what, where, how and at what cost, for Active streams."""
        return self.entity_description.attributes_fn(self.server_state) or None


class PlexAuthorizedDevicesSensor(PlexAccountEntity[PlexDevicesCoordinator], SensorEntity):
    """How many devices are signed in to the account: servers, apps and this one included.

    Asking for an update of it (homeassistant.update_entity) reads the list at once.
    """

    @property
    @override
    def native_value(self) -> int | None:
        """Return how many devices plex.tv lists."""
        data = self.coordinator.data
        return None if data is None else len(data.devices)


class PlexLibrarySensor(PlexSectionEntity, SensorEntity):
    """How many items one library of an owned server holds: films, shows, artists, photos.

    Read again when the server says the library changed; never polled.
    """

    entity_description: PlexLibrarySensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType:
        """Return the count of the section's own items."""
        counts = self.section_counts
        return None if counts is None else self.entity_description.value_fn(counts)

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return what the items hold: a show library's episodes, a music library's tracks."""
        counts = self.section_counts
        return None if counts is None else self.entity_description.attributes_fn(counts)
