"""Asynchronous client for the plex.tv API, with no Home Assistant dependency."""

from __future__ import annotations

from .client import PlexTVClient
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

__all__ = [
    "MAX_NAME_LENGTH",
    "Account",
    "Connection",
    "Pin",
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
