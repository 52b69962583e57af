"""A Plex Media Server simulator: identity, sessions, notifications and artwork over HTTP."""

from library.simulators.clock import FakeClock

from .app import PMSFactory, PMSOptions, PMSSimulator, artwork
from .candidates import blackhole, closed_port
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
    "LIVING_ROOM_TV_ID",
    "OWNER_USER",
    "SAMPLE_MACHINE_IDENTIFIER",
    "SAMPLE_TOKEN",
    "FakeClock",
    "Media",
    "PMSFactory",
    "PMSOptions",
    "PMSSimulator",
    "Player",
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
