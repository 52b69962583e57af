"""What a server's notification websocket says, read as typed notifications."""

import json
from dataclasses import dataclass
from typing import Final, Self

from .exceptions import PlexResponseError
from .fields import Fields, readable
from .request import JSONLoads

NOTIFICATIONS_PATH: Final = "/:/websockets/notifications"
PLAYING: Final = "playing"


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
class Notification:
    """One message of the websocket: its type, and its entries if it is `playing`."""

    type: str
    playing: tuple[PlayingNotification, ...] = ()

    @property
    def sessions_changed(self) -> bool:
        """Return whether the sessions must be read again: any `playing` message says so.

        Even one whose entries cannot be read: the read says what changed.
        """
        return self.type == PLAYING

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a notification from the server's JSON, raising PlexResponseError if malformed.

        Only `playing` entries are read; other kinds keep their type alone. An entry that
        cannot be read is skipped.
        """
        read = Fields(Fields(data, "notification").value("NotificationContainer"), "container")
        kind = read.identifier("type")
        if kind != PLAYING:
            return cls(type=kind)
        entries = read.objects("PlaySessionStateNotification")
        playing = readable(entries, PlayingNotification.from_dict, "playing", at_least_one=False)
        return cls(type=kind, playing=tuple(playing))


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
