"""A Plex Media Server simulator: identity, sessions, notifications and artwork over HTTP."""

from library.simulators.clock import FakeClock

from .app import PMSFactory, PMSOptions, PMSSimulator, artwork
from .candidates import blackhole, closed_port
from .sample import (
    FRIEND_PHONE_ID,
    FRIEND_USER,
    KITCHEN_SPEAKER_ID,
    LIVING_ROOM_TV_ID,
    OWNER_USER,
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_MEDIA,
    SAMPLE_PLAYERS,
    SAMPLE_SERVER_NAME,
    SAMPLE_TOKEN,
    Media,
    Player,
    as_dict,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from .state import SimSession

__all__ = [
    "FRIEND_PHONE_ID",
    "FRIEND_USER",
    "KITCHEN_SPEAKER_ID",
    "LIVING_ROOM_TV_ID",
    "OWNER_USER",
    "SAMPLE_MACHINE_IDENTIFIER",
    "SAMPLE_MEDIA",
    "SAMPLE_PLAYERS",
    "SAMPLE_SERVER_NAME",
    "SAMPLE_TOKEN",
    "FakeClock",
    "Media",
    "PMSFactory",
    "PMSOptions",
    "PMSSimulator",
    "Player",
    "SimSession",
    "artwork",
    "as_dict",
    "blackhole",
    "closed_port",
    "friend_phone",
    "kitchen_speaker",
    "living_room_tv",
    "sample_episode",
    "sample_film",
    "sample_track",
]
