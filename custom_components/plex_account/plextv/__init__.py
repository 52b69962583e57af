"""Asynchronous client for the plex.tv API, with no Home Assistant dependency."""

from .client import DEFAULT_BASE_URL, DEFAULT_DISCOVER_URL, DEFAULT_METADATA_URL, PlexTVClient
from .exceptions import (
    PlexTVAuthenticationError,
    PlexTVConnectionError,
    PlexTVError,
    PlexTVPinExpiredError,
    PlexTVRateLimitError,
    PlexTVResponseError,
)
from .identity import MAX_NAME_LENGTH, PlexIdentity, validate_name
from .models import (
    Account,
    Connection,
    MediaItem,
    Pin,
    Resource,
    SearchResult,
    Subscription,
    UserState,
    Watchlist,
)
from .pin_poller import PinPoller

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_DISCOVER_URL",
    "DEFAULT_METADATA_URL",
    "MAX_NAME_LENGTH",
    "Account",
    "Connection",
    "MediaItem",
    "Pin",
    "PinPoller",
    "PlexIdentity",
    "PlexTVAuthenticationError",
    "PlexTVClient",
    "PlexTVConnectionError",
    "PlexTVError",
    "PlexTVPinExpiredError",
    "PlexTVRateLimitError",
    "PlexTVResponseError",
    "Resource",
    "SearchResult",
    "Subscription",
    "UserState",
    "Watchlist",
    "validate_name",
]
