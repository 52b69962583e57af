"""Asynchronous client for the plex.tv API, with no Home Assistant dependency."""

from .client import DEFAULT_BASE_URL, PlexTVClient
from .exceptions import (
    PlexTVAuthenticationError,
    PlexTVConnectionError,
    PlexTVError,
    PlexTVPinExpiredError,
    PlexTVRateLimitError,
    PlexTVResponseError,
)
from .identity import MAX_NAME_LENGTH, PlexIdentity, validate_name
from .models import Account, Connection, Pin, Resource, Subscription
from .pin_poller import PinPoller

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_NAME_LENGTH",
    "Account",
    "Connection",
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
    "Subscription",
    "validate_name",
]
