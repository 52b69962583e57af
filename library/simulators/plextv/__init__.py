"""A plex.tv simulator: a real HTTP server with the plex.tv endpoints the integration uses."""

from library.simulators.clock import FakeClock

from .app import PlexTVFactory, PlexTVOptions, PlexTVSimulator
from .catalogue import (
    AMELIE,
    BLADE_RUNNER_2049,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    SEVERANCE,
    SHOGUN,
    generated_items,
)
from .render import to_xml
from .sample import (
    LIVING_ROOM_SERVER_ID,
    SAMPLE_ACCOUNT_UUID,
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)

__all__ = [
    "AMELIE",
    "BLADE_RUNNER_2049",
    "DUNE_1984",
    "DUNE_2021",
    "DUNE_PART_TWO",
    "LIVING_ROOM_SERVER_ID",
    "SAMPLE_ACCOUNT_UUID",
    "SEVERANCE",
    "SHOGUN",
    "FakeClock",
    "PlexTVFactory",
    "PlexTVOptions",
    "PlexTVSimulator",
    "generated_items",
    "sample_account",
    "sample_resources",
    "second_account",
    "second_account_resources",
    "to_xml",
]
