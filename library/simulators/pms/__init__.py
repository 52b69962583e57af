"""A Plex Media Server simulator: identity, sessions, libraries, media, players and updates.

Sessions play by direct play, direct stream or transcode and may be terminated; library
items carry markers; the server knows players, passes remote control on to those that take
it, and builds play queues. All over HTTP on loopback.
"""

from library.simulators.clock import FakeClock

from .app import PMSFactory, PMSOptions, PMSSimulator, artwork
from .candidates import blackhole, closed_port
from .library import DIRECT_PLAY_FILM, SECTION_UUIDS, TYPE_NUMBERS, Item, Section, SimLibrary
from .players import Command
from .queues import PLAYLISTS, PlayQueue, QueueError
from .sample import (
    BEDROOM_PLEX_WEB_ID,
    KITCHEN_SPEAKER_ID,
    LIVING_ROOM_TV_ID,
    OWNER_USER,
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_TOKEN,
    Media,
    Player,
    bedroom_plex_web,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from .state import DIRECT_PLAY, DIRECT_STREAM, TRANSCODE

__all__ = [
    "BEDROOM_PLEX_WEB_ID",
    "DIRECT_PLAY",
    "DIRECT_PLAY_FILM",
    "DIRECT_STREAM",
    "KITCHEN_SPEAKER_ID",
    "LIVING_ROOM_TV_ID",
    "OWNER_USER",
    "PLAYLISTS",
    "SAMPLE_MACHINE_IDENTIFIER",
    "SAMPLE_TOKEN",
    "SECTION_UUIDS",
    "TRANSCODE",
    "TYPE_NUMBERS",
    "Command",
    "FakeClock",
    "Item",
    "Media",
    "PMSFactory",
    "PMSOptions",
    "PMSSimulator",
    "PlayQueue",
    "Player",
    "QueueError",
    "Section",
    "SimLibrary",
    "artwork",
    "bedroom_plex_web",
    "blackhole",
    "closed_port",
    "friend_phone",
    "kitchen_speaker",
    "living_room_tv",
    "sample_episode",
    "sample_film",
    "sample_track",
]
