"""A plex.tv simulator: a real HTTP server with the plex.tv endpoints the integration uses."""

from .app import PlexTVSimulator
from .catalogue import generated_items, sample_catalogue, sample_watchlists
from .clock import FakeClock
from .sample import (
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)
from .state import RecordedRequest, SimPin, SimToken

__all__ = [
    "FakeClock",
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
]
