"""Players a server knows, and what remote control of them through the server needs.

Plex players take commands through the server they stream from (the server passes each on
to the player named by X-Plex-Target-Client-Identifier), but only players that say so in
their protocol capabilities: Plex Web and the desktop apps stopped taking them in 2022.
"""

from dataclasses import dataclass
from typing import Final, Self

from .fields import Fields, container, readable

PLAYBACK: Final = "playback"
PLAY_QUEUES: Final = "playqueues"
# The commands of /player/playback/ this library sends.
COMMANDS: Final = frozenset(
    {
        "play",
        "pause",
        "stop",
        "skipNext",
        "skipPrevious",
        "stepForward",
        "stepBack",
        "seekTo",
        "setParameters",
        "playMedia",
        "refreshPlayQueue",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RemotePlayer:
    """A player the server knows (GET /clients), and what it accepts."""

    machine_identifier: str
    name: str | None = None
    product: str | None = None
    capabilities: frozenset[str] = frozenset()
    """Its protocolCapabilities: timeline, playback, navigation, playqueues..."""

    @property
    def accepts_control(self) -> bool:
        """Return whether the player takes playback commands."""
        return PLAYBACK in self.capabilities

    @property
    def accepts_play_queues(self) -> bool:
        """Return whether the player plays a queue the server builds."""
        return PLAY_QUEUES in self.capabilities

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a player from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "player")
        return cls(
            machine_identifier=read.identifier("machineIdentifier"),
            name=read.optional_str("name"),
            product=read.optional_str("product"),
            capabilities=read.comma_list("protocolCapabilities"),
        )

    @classmethod
    def list_from_dict(cls, data: object) -> list[Self]:
        """Return the players of GET /clients that can be read."""
        entries = container(data, "players").objects("Server")
        return readable(entries, cls.from_dict, "players", at_least_one=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayQueue:
    """A queue the server built: what a player is told to play, in order."""

    id: str
    selected_item_id: str | None = None
    selected_rating_key: str | None = None
    """The rating key of the item it starts with."""
    version: int | None = None
    size: int = 0

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build the queue from POST /playQueues, raising PlexResponseError if malformed."""
        read = container(data, "play queue")
        return cls(
            id=read.identifier("playQueueID"),
            selected_item_id=read.optional_identifier("playQueueSelectedItemID"),
            selected_rating_key=read.optional_identifier("playQueueSelectedMetadataItemID"),
            version=read.optional_int("playQueueVersion"),
            size=read.optional_count("size") or 0,
        )


def playing_queue(data: object) -> str | None:
    """Return the play queue a player plays now, from its /player/timeline/poll answer."""
    timelines = container(data, "timeline").objects("Timeline")
    for timeline in readable(timelines, lambda t: Fields(t, "timeline"), "timelines"):
        if timeline.optional_str("state") not in {None, "stopped"}:
            return timeline.optional_identifier("playQueueID")
    return None
