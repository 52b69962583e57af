"""A plex.tv simulator: a real HTTP server with the plex.tv endpoints the integration uses."""

from library.simulators.clock import FakeClock
from library.simulators.common import RecordedRequest

from .app import PlexTVFactory, PlexTVOptions, PlexTVSimulator
from .catalogue import (
    AMELIE,
    ARRIVAL,
    BLADE_RUNNER_2049,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    PADDINGTON_2,
    SAMPLE_WATCHLIST,
    SECOND_WATCHLIST,
    SEVERANCE,
    SHOGUN,
    SPIRITED_AWAY,
    generated_items,
    sample_catalogue,
    sample_watchlists,
)
from .render import to_xml
from .sample import (
    LIVING_ROOM_SERVER_ID,
    SAMPLE_ACCOUNT_UUID,
    SECOND_ACCOUNT_UUID,
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)
from .state import PIN_LOCATION, SimPin, SimToken

__all__ = [
    "AMELIE",
    "ARRIVAL",
    "BLADE_RUNNER_2049",
    "DUNE_1984",
    "DUNE_2021",
    "DUNE_PART_TWO",
    "LIVING_ROOM_SERVER_ID",
    "PADDINGTON_2",
    "PIN_LOCATION",
    "SAMPLE_ACCOUNT_UUID",
    "SAMPLE_WATCHLIST",
    "SECOND_ACCOUNT_UUID",
    "SECOND_WATCHLIST",
    "SEVERANCE",
    "SHOGUN",
    "SPIRITED_AWAY",
    "FakeClock",
    "PlexTVFactory",
    "PlexTVOptions",
    "PlexTVSimulator",
    "RecordedRequest",
    "SimPin",
    "SimToken",
    "generated_items",
    "sample_account",
    "sample_catalogue",
    "sample_resources",
    "sample_watchlists",
    "second_account",
    "second_account_resources",
    "to_xml",
]
