"""What a server's notification websocket says, read as typed notifications."""

import json
from dataclasses import dataclass
from typing import Final, Self

from .exceptions import PlexResponseError
from .fields import Fields, readable
from .request import JSONLoads

NOTIFICATIONS_PATH: Final = "/:/websockets/notifications"
PLAYING: Final = "playing"
TIMELINE: Final = "timeline"
ACTIVITY: Final = "activity"
STATUS: Final = "status"
UPDATE_STATE: Final = "update.statechange"
LIBRARY_IDENTIFIER: Final = "com.plexapp.plugins.library"

# A timeline entry's states, as the server counts them.
STATE_CREATED: Final = 0
STATE_DONE: Final = 5
STATE_DELETED: Final = 9


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayingNotification:
    """One entry of a `playing` notification: a session changed state or position.

    Real servers leave fields out for some players (no sessionKey, an empty ratingKey):
    every field may be missing, and an empty one reads as missing.
    """

    session_key: str | None = None
    state: str | None = None
    """playing, paused, buffering or stopped."""
    client_identifier: str | None = None
    rating_key: str | None = None
    key: str | None = None
    position_ms: int | None = None
    """viewOffset, in milliseconds."""

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build the entry from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "playing notification")
        return cls(
            session_key=read.optional_identifier("sessionKey"),
            state=read.optional_identifier("state"),
            client_identifier=read.optional_identifier("clientIdentifier"),
            rating_key=read.optional_identifier("ratingKey"),
            key=read.optional_str("key") or None,
            position_ms=read.optional_int("viewOffset"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    """One entry of a `timeline` notification: an item of a library changed.

    A new item is announced in state 0 with metadataState "created", and is done (its
    title known) when an entry in state 5 comes; a refresh sends state 5 alone.
    """

    item_id: str
    section_id: str | None = None
    """None for an item of no library (sectionID -1)."""
    type: int | None = None
    title: str | None = None
    state: int | None = None
    metadata_state: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build the entry from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "timeline entry")
        section = read.optional_identifier("sectionID")
        return cls(
            item_id=read.identifier("itemID"),
            section_id=None if section is None or section.startswith("-") else section,
            type=read.optional_int("type"),
            title=read.optional_str("title"),
            state=read.optional_int("state"),
            metadata_state=read.optional_str("metadataState") or None,
        )

    @property
    def in_library(self) -> bool:
        """Return whether the entry is about an item of a library section."""
        return self.section_id is not None

    @property
    def created(self) -> bool:
        """Return whether the server announces a new item."""
        return self.state == STATE_CREATED and self.metadata_state == "created"

    @property
    def done(self) -> bool:
        """Return whether the server finished processing the item."""
        return self.state == STATE_DONE

    @property
    def deleted(self) -> bool:
        """Return whether the item left the library."""
        return self.state == STATE_DELETED


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityEntry:
    """One entry of an `activity` notification: the server started or ended a task."""

    event: str
    """started, updated or ended."""
    type: str | None = None
    """library.update.section, library.refresh.items..."""
    section_id: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build the entry from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "activity")
        activity = read.value("Activity")
        section = None
        kind = None
        if activity is not None:
            inner = Fields(activity, "activity detail")
            kind = inner.optional_str("type")
            context = inner.value("Context")
            if context is not None:
                section = Fields(context, "activity context").optional_identifier(
                    "librarySectionID"
                )
        return cls(event=read.identifier("event"), type=kind, section_id=section)


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One message of the websocket: its type, and the entries of the kinds that are read."""

    type: str
    playing: tuple[PlayingNotification, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    activities: tuple[ActivityEntry, ...] = ()

    @property
    def libraries_changed(self) -> bool:
        """Return whether what the libraries hold, or which there are, may have changed.

        A scan that ended, an item done or deleted, or the server's "scan complete" status.
        """
        if self.type == STATUS:
            return True
        return any(entry.done or entry.deleted for entry in self.timeline) or any(
            entry.event == "ended" and (entry.type or "").startswith("library.")
            for entry in self.activities
        )

    @property
    def update_changed(self) -> bool:
        """Return whether the server's updater changed state."""
        return self.type == UPDATE_STATE

    @property
    def sessions_changed(self) -> bool:
        """Return whether the sessions must be read again: any `playing` message says so.

        Even one whose entries cannot be read: the read says what changed.
        """
        return self.type == PLAYING

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a notification from the server's JSON, raising PlexResponseError if malformed.

        The entries of `playing`, `timeline` and `activity` are read; other kinds keep their
        type alone. An entry that cannot be read is skipped.
        """
        read = Fields(Fields(data, "notification").value("NotificationContainer"), "container")
        kind = read.identifier("type")
        if kind == PLAYING:
            entries = read.objects("PlaySessionStateNotification")
            playing = readable(entries, PlayingNotification.from_dict, kind, at_least_one=False)
            return cls(type=kind, playing=tuple(playing))
        if kind == TIMELINE:
            entries = read.objects("TimelineEntry")
            timeline = readable(entries, TimelineEntry.from_dict, kind, at_least_one=False)
            # Only the libraries' items: the server also tells of others (sectionID -1).
            return cls(type=kind, timeline=tuple(e for e in timeline if e.in_library))
        if kind == ACTIVITY:
            entries = read.objects("ActivityNotification")
            activities = readable(entries, ActivityEntry.from_dict, kind, at_least_one=False)
            return cls(type=kind, activities=tuple(activities))
        return cls(type=kind)


def parse_notification(text: str | bytes, json_loads: JSONLoads = json.loads) -> Notification:
    """Parse one websocket message, raising PlexResponseError if it is not a notification."""
    try:
        data = json_loads(text)
    except (ValueError, RecursionError) as err:
        msg = "notification: the message is not JSON"
        raise PlexResponseError(msg) from err
    return Notification.from_dict(data)


def websocket_url(base_url: str) -> str:
    """Return the URL of a server's notification websocket (without the token)."""
    base = base_url.rstrip("/")
    if base.startswith("http"):
        base = f"ws{base.removeprefix('http')}"
    return f"{base}{NOTIFICATIONS_PATH}"
