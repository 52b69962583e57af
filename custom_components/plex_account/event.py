"""Events: playback on each owned server, items added to its libraries, new sign-ins."""

from typing import Final, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aioplexaccount import Device, LibraryItem, PlaybackChange, PlaybackEvent, Session
from .coordinator import AuthorizedDevices, PlexAccountConfigEntry, PlexDevicesCoordinator
from .entity import PlexAccountEntity, PlexServerEntity, async_add_pushed_entities

# The entities only read what plex.tv and the servers say: nothing to send, nothing to queue.
PARALLEL_UPDATES = 0

NEW_DEVICE: Final = "new_device"
ADDED: Final = "added"

PLAYBACK = EventEntityDescription(
    key="playback",
    translation_key="playback",
    event_types=[change.value for change in PlaybackChange],
)
LIBRARY = EventEntityDescription(key="library", translation_key="library", event_types=[ADDED])
SIGN_INS = EventEntityDescription(
    key="sign_ins", translation_key="sign_ins", event_types=[NEW_DEVICE]
)


def device_attributes(device: Device) -> dict[str, str | None]:
    """Return what an event says about a new sign-in: what signed in, never its token."""
    return {
        "name": device.name,
        "product": device.product,
        "platform": device.platform,
        "client_identifier": device.client_identifier,
    }


def stream_attributes(session: Session) -> dict[str, str | None]:
    """Return what an event says about a stream: who, what, where."""
    return {
        "player": session.player.title,
        "user": None if session.user is None else session.user.title,
        "title": session.title or None,
        "media_type": session.type,
    }


def item_attributes(item: LibraryItem) -> dict[str, str | int | None]:
    """Return what an event says about an item added to a library: what, where, which."""
    attributes: dict[str, str | int | None] = {
        "title": item.title,
        "media_type": item.type,
        "library": item.section_title,
        "year": item.year,
    }
    if item.type == "episode":
        attributes |= {"show": item.show, "season": item.season, "episode": item.episode}
    elif item.type in {"track", "album"}:
        attributes |= {"artist": item.artist, "album": item.album}
    return attributes


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's Sign-ins, and Playback for each owned server as it appears."""
    data = entry.runtime_data
    async_add_entities([PlexSignInsEvent(data.devices, SIGN_INS, data.account.data.account)])
    for entity_class, description in (
        (PlexPlaybackEvent, PLAYBACK),
        (PlexLibraryEvent, LIBRARY),
    ):
        async_add_pushed_entities(
            entry, async_add_entities, entity_class, description, lambda data: data.owned_servers
        )


class PlexPlaybackEvent(PlexServerEntity, EventEntity):
    """Playback on one owned server, by anyone: one event per change of a stream.

    The server's follower tells each change as the server pushes it; what already played
    when Home Assistant started is no event. The moments inside a stream are events too:
    its intro starts or ends, its credits start (from the item's markers), and it is
    watched (90 % played, as Plex counts it).
    """

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the changes of the server's streams."""
        await super().async_added_to_hass()
        assert self.resource_id is not None
        self.async_on_remove(
            self.coordinator.async_add_playback_listener(self.resource_id, self._async_playback)
        )

    @callback
    def _async_playback(self, events: list[PlaybackEvent]) -> None:
        for event in events:
            # One state per event, so that an automation sees each of them.
            self._trigger_event(event.change.value, stream_attributes(event.session))
            self.async_write_ha_state()


class PlexLibraryEvent(PlexServerEntity, EventEntity):
    """An item added to a library of one owned server: one event each, once it is processed.

    Films, episodes, albums and tracks that the server announced as new, when it has
    finished with them (so that their titles are known); never one that was only refreshed.
    """

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the items added to the server's libraries."""
        await super().async_added_to_hass()
        assert self.resource_id is not None
        self.async_on_remove(
            self.coordinator.async_add_added_listener(self.resource_id, self._async_added)
        )

    @callback
    def _async_added(self, items: list[LibraryItem]) -> None:
        for item in items:
            # One state per event, so that an automation sees each of them.
            self._trigger_event(ADDED, item_attributes(item))
            self.async_write_ha_state()


class PlexSignInsEvent(PlexAccountEntity[PlexDevicesCoordinator], EventEntity):
    """A device that signs in to the account: one event each, from the second read on."""

    _seen: AuthorizedDevices | None = None

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        # A failed read tells the entity too, with the last data: only a new read is news.
        if (data := self.coordinator.data) is not self._seen:
            self._seen = data
            for device in data.new:
                # One state per event, so that an automation sees each of them.
                self._trigger_event(NEW_DEVICE, device_attributes(device))
                self.async_write_ha_state()
        super()._handle_coordinator_update()
