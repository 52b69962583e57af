"""The server's playback sessions and the notifications they give rise to."""

from dataclasses import dataclass, field
from typing import Any

from .sample import Media, Player

PLAYING = "playing"
PAUSED = "paused"
BUFFERING = "buffering"
STOPPED = "stopped"
STATES = (PLAYING, PAUSED, BUFFERING)


@dataclass
class SimSession:
    """One stream the server plays: a player, a media item, a user and a position.

    The position advances with the simulator's clock while the state is playing, and stops
    at the item's duration.
    """

    session_key: str
    player: Player
    media: Media
    user: dict[str, Any]
    state: str
    offset_ms: int
    """The position when `anchor` was read."""
    anchor: float
    """The clock's time (seconds) when offset_ms was last set."""
    session_id: str
    play_queue_item_id: int
    bandwidth: int = 20_000
    extra: dict[str, Any] = field(default_factory=dict)

    def view_offset(self, now: float) -> int:
        """Return the position in milliseconds at `now`."""
        offset = self.offset_ms
        if self.state == PLAYING:
            offset += round((now - self.anchor) * 1000)
        return max(0, min(offset, self.media.duration))

    def set_state(self, state: str, now: float) -> None:
        """Change the state, keeping the position reached."""
        self.offset_ms = self.view_offset(now)
        self.anchor = now
        self.state = state

    def seek(self, position_ms: int, now: float) -> None:
        """Move to a position (clamped to the item), keeping the state."""
        self.offset_ms = max(0, min(position_ms, self.media.duration))
        self.anchor = now

    @property
    def location(self) -> str:
        """Return lan for a local player, wan otherwise."""
        return "lan" if self.player.local else "wan"

    def as_json(self, now: float) -> dict[str, Any]:
        """Return the session as an element of /status/sessions' MediaContainer.Metadata."""
        item = self.media.as_json()
        item.update(
            {
                "sessionKey": self.session_key,
                "viewOffset": self.view_offset(now),
                "Media": [
                    {
                        "id": int(self.media.rating_key) * 10 + 1,
                        "duration": self.media.duration,
                        "container": "flac" if self.media.type == "track" else "mkv",
                        "selected": True,
                        "Part": [
                            {
                                "id": int(self.media.rating_key) * 10 + 2,
                                "key": f"/library/parts/{self.media.rating_key}/file",
                                "duration": self.media.duration,
                                "decision": "directplay",
                                "selected": True,
                            }
                        ],
                    }
                ],
                "User": dict(self.user),
                "Player": self.player.as_json(self.state),
                "Session": {
                    "id": self.session_id,
                    "bandwidth": self.bandwidth,
                    "location": self.location,
                },
            }
        )
        item.update(self.extra)
        return item

    def notification(self, now: float, state: str | None = None) -> dict[str, Any]:
        """Return the PlaySessionStateNotification of this session (in `state` if given)."""
        return {
            "sessionKey": self.session_key,
            "clientIdentifier": self.player.machine_identifier,
            "guid": "",
            "ratingKey": self.media.rating_key,
            "url": "",
            "key": self.media.key,
            "viewOffset": self.view_offset(now),
            "playQueueItemID": self.play_queue_item_id,
            "playQueueID": self.play_queue_item_id // 10,
            "state": state or self.state,
            "transcodeSession": None,
        }


def notification_container(kind: str, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Wrap notifications the way the server sends them on its websocket."""
    return {"NotificationContainer": {"type": kind, "size": len(items), key: items}}


def playing_message(notification: dict[str, Any]) -> dict[str, Any]:
    """Return a `playing` message carrying one PlaySessionStateNotification."""
    item = {key: value for key, value in notification.items() if value is not None}
    return notification_container("playing", "PlaySessionStateNotification", [item])


def status_message(title: str, description: str = "") -> dict[str, Any]:
    """Return a `status` message, such as the one after a library scan."""
    return notification_container(
        "status",
        "StatusNotification",
        [
            {
                "title": title,
                "description": description or title,
                "notificationName": "LIBRARY_UPDATE",
            }
        ],
    )
