"""The server's playback sessions and the notifications they give rise to."""

from dataclasses import dataclass
from typing import Any

from .sample import Media, Player

PLAYING = "playing"
PAUSED = "paused"
BUFFERING = "buffering"
STOPPED = "stopped"


@dataclass
class SimSession:
    """One stream the server plays: a player (and its user), a media item and a position.

    The position advances with the simulator's clock while the state is playing, and stops
    at the item's duration.
    """

    session_key: str
    player: Player
    media: Media
    state: str
    offset_ms: int
    """The position when `anchor` was read."""
    anchor: float
    """The clock's time (seconds) when offset_ms was last set."""
    session_id: str
    play_queue_item_id: int
    container: str | None = None
    """The media file's container, as the library has it (by default: mkv, flac for music)."""
    part_key: str | None = None
    """The media file's path, as the library has it."""

    def view_offset(self, now: float) -> int:
        """Return the position in milliseconds at `now`."""
        offset = self.offset_ms + (
            round((now - self.anchor) * 1000) if self.state == PLAYING else 0
        )
        return max(0, min(offset, self.media.duration))

    def set_state(self, state: str, now: float) -> None:
        """Change the state, keeping the position reached."""
        self.offset_ms, self.anchor, self.state = self.view_offset(now), now, state

    def seek(self, position_ms: int, now: float) -> None:
        """Move to a position (clamped to the item), keeping the state."""
        self.offset_ms, self.anchor = max(0, min(position_ms, self.media.duration)), now

    def as_json(self, now: float) -> dict[str, Any]:
        """Return the session as an element of /status/sessions' MediaContainer.Metadata."""
        media, key = self.media, int(self.media.rating_key)
        part = {
            "id": key * 10 + 2,
            "key": self.part_key or f"/library/parts/{media.rating_key}/file",
            "duration": media.duration,
            "decision": "directplay",
            "selected": True,
        }
        return media.as_json() | {
            "sessionKey": self.session_key,
            "viewOffset": self.view_offset(now),
            "Media": [
                {
                    "id": key * 10 + 1,
                    "duration": media.duration,
                    "container": self.container or ("flac" if media.type == "track" else "mkv"),
                    "selected": True,
                    "Part": [part],
                }
            ],
            "User": dict(self.player.user),
            "Player": self.player.as_json(self.state),
            "Session": {
                "id": self.session_id,
                "bandwidth": 20_000,
                "location": "lan" if self.player.local else "wan",
            },
        }

    def playing_message(self, now: float) -> dict[str, Any]:
        """Return the `playing` message of this session's PlaySessionStateNotification."""
        notification = {
            "sessionKey": self.session_key,
            "clientIdentifier": self.player.machine_identifier,
            "guid": "",
            "ratingKey": self.media.rating_key,
            "url": "",
            "key": f"/library/metadata/{self.media.rating_key}",
            "viewOffset": self.view_offset(now),
            "playQueueItemID": self.play_queue_item_id,
            "playQueueID": self.play_queue_item_id // 10,
            "state": self.state,
        }
        container = {"type": "playing", "size": 1, "PlaySessionStateNotification": [notification]}
        return {"NotificationContainer": container}
