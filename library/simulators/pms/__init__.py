"""A Plex Media Server simulator: identity, sessions, libraries, media and updates over HTTP."""

from library.simulators.clock import FakeClock

from .app import PMSFactory, PMSOptions, PMSSimulator, artwork
from .candidates import blackhole, closed_port
from .library import DIRECT_PLAY_FILM, SECTION_UUIDS, TYPE_NUMBERS, Item, Section, SimLibrary
from .sample import (
    LIVING_ROOM_TV_ID,
    OWNER_USER,
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_TOKEN,
    Media,
    Player,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)

__all__ = [
    "DIRECT_PLAY_FILM",
    "LIVING_ROOM_TV_ID",
    "OWNER_USER",
    "SAMPLE_MACHINE_IDENTIFIER",
    "SAMPLE_TOKEN",
    "SECTION_UUIDS",
    "TYPE_NUMBERS",
    "FakeClock",
    "Item",
    "Media",
    "PMSFactory",
    "PMSOptions",
    "PMSSimulator",
    "Player",
    "Section",
    "SimLibrary",
    "artwork",
    "blackhole",
    "closed_port",
    "friend_phone",
    "kitchen_speaker",
    "living_room_tv",
    "sample_episode",
    "sample_film",
    "sample_track",
]
