"""Events: playback on each owned server, items added to its libraries, new sign-ins."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aioplexaccount import Device, LibraryItem, PlaybackChange, Session
from .coordinator import (
    AuthorizedDevices,
    PlexAccountConfigEntry,
    PlexDevicesCoordinator,
    PlexSessionsCoordinator,
)
from .entity import PlexAccountEntity, PlexServerEntity, async_add_pushed_entities

# The entities only read what plex.tv and the servers say: nothing to send, nothing to queue.
PARALLEL_UPDATES = 0

NEW_DEVICE: Final = "new_device"
ADDED: Final = "added"


@dataclass(frozen=True, kw_only=True)
class PlexServerEventEntityDescription(EventEntityDescription):
    """An event of one owned server: what news it listens to, and the event of each."""

    listen_fn: Callable[
        [PlexSessionsCoordinator, str, Callable[[list[Any]], None]], Callable[[], None]
    ]
    event_fn: Callable[[Any], tuple[str, dict[str, Any]]]


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


# Playback on the server, by anyone: each change of a stream as the server pushes it (what
# already played when Home Assistant started is no event), and the moments inside it: its
# intro starts or ends, its credits start (from the item's markers), it is watched (90 %).
PLAYBACK = PlexServerEventEntityDescription(
    key="playback",
    translation_key="playback",
    event_types=[change.value for change in PlaybackChange],
    listen_fn=lambda sessions, server, listener: sessions.async_add_playback_listener(
        server, listener
    ),
    event_fn=lambda event: (event.change.value, stream_attributes(event.session)),
)
# Films, episodes, albums and tracks the server announced as new, once it has finished with
# them (so that their titles are known); never one that was only refreshed.
LIBRARY = PlexServerEventEntityDescription(
    key="library",
    translation_key="library",
    event_types=[ADDED],
    listen_fn=lambda sessions, server, listener: sessions.async_add_added_listener(
        server, listener
    ),
    event_fn=lambda item: (ADDED, item_attributes(item)),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's Sign-ins, and Playback for each owned server as it appears."""
    data = entry.runtime_data
    async_add_entities([PlexSignInsEvent(data.devices, SIGN_INS, data.account.data.account)])
    for description in (PLAYBACK, LIBRARY):
        async_add_pushed_entities(
            entry, async_add_entities, PlexServerEvent, description, lambda data: data.owned_servers
        )


class PlexServerEvent(PlexServerEntity, EventEntity):
    """News of one owned server, one event each, as its description says (see PLAYBACK)."""

    entity_description: PlexServerEventEntityDescription

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the server's news."""
        await super().async_added_to_hass()
        assert self.resource_id is not None
        self.async_on_remove(
            self.entity_description.listen_fn(self.coordinator, self.resource_id, self._async_news)
        )

    @callback
    def _async_news(self, news: list[Any]) -> None:
        for each in news:
            # One state per event, so that an automation sees each of them.
            self._trigger_event(*self.entity_description.event_fn(each))
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
