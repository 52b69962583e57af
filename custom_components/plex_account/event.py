"""Events: playback starting, pausing, resuming and stopping on each owned server."""

from dataclasses import dataclass
from typing import Final, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PlexAccountConfigEntry
from .entity import PlexServerSessionsEntity, async_add_resource_entities, owned_servers
from .plextv import Resource
from .pms import Session
from .sessions import PlexSessionsCoordinator, ServerSessions

# The entities only read what the servers push: nothing to send, nothing to queue.
PARALLEL_UPDATES = 0

STARTED: Final = "started"
PAUSED: Final = "paused"
RESUMED: Final = "resumed"
STOPPED: Final = "stopped"

PLAYBACK = EventEntityDescription(
    key="playback",
    translation_key="playback",
    event_types=[STARTED, PAUSED, RESUMED, STOPPED],
)


@dataclass(frozen=True, slots=True)
class _Stream:
    """What the entity remembers of a stream: enough to tell its next change."""

    paused: bool
    attributes: dict[str, str | None]


def stream_attributes(session: Session) -> dict[str, str | None]:
    """Return what an event says about a stream: who, what, where."""
    return {
        "player": session.player.title,
        "user": None if session.user is None else session.user.title,
        "title": session.title or None,
        "media_type": session.type,
    }


def transitions(
    before: dict[str, _Stream], sessions: tuple[Session, ...]
) -> tuple[dict[str, _Stream], list[tuple[str, dict[str, str | None]]]]:
    """Compare the streams with the last ones; return them and what happened, in order.

    Buffering is neither paused nor resumed: the player did not choose it.
    """
    now: dict[str, _Stream] = {}
    happened: list[tuple[str, dict[str, str | None]]] = []
    for session in sessions:
        attributes = stream_attributes(session)
        known = before.get(session.session_key)
        paused = session.state == "paused" or (
            session.state == "buffering" and known is not None and known.paused
        )
        now[session.session_key] = _Stream(paused=paused, attributes=attributes)
        if known is None:
            happened.append((STARTED, attributes))
        elif paused and not known.paused:
            happened.append((PAUSED, attributes))
        elif known.paused and session.state == "playing":
            happened.append((RESUMED, attributes))
    happened.extend(
        (STOPPED, stream.attributes) for key, stream in before.items() if key not in now
    )
    return now, happened


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Playback event entity for each owned server, and for each one that appears."""
    sessions = entry.runtime_data.sessions
    async_add_resource_entities(
        entry,
        async_add_entities,
        lambda server: [PlexPlaybackEvent(sessions, PLAYBACK, server)],
        owned_servers,
    )


class PlexPlaybackEvent(PlexServerSessionsEntity, EventEntity):
    """Playback on one owned server, by anyone: one event per change of a stream."""

    def __init__(
        self,
        coordinator: PlexSessionsCoordinator,
        description: EventEntityDescription,
        server: Resource,
    ) -> None:
        """Start from what plays now: what already played when added is no event."""
        super().__init__(coordinator, description, server)
        self._streams: dict[str, _Stream] | None = None
        self._seen: ServerSessions | None = None
        self._async_read()

    @callback
    def _async_read(self) -> list[tuple[str, dict[str, str | None]]]:
        """Take the server's last read, if new; return the changes it brings."""
        server = self.coordinator.data.get(self._server_id)
        # The data holds every server: only a new read of this one can bring events.
        if server is None or server is self._seen or not server.available:
            return []
        self._seen = server
        if self._streams is None:
            # The first read says what played before Home Assistant was watching.
            self._streams, _ = transitions({}, server.sessions)
            return []
        self._streams, happened = transitions(self._streams, server.sessions)
        return happened

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        for event_type, attributes in self._async_read():
            # One state per event, so that an automation sees each of them.
            self._trigger_event(event_type, attributes)
            self.async_write_ha_state()
        super()._handle_coordinator_update()
