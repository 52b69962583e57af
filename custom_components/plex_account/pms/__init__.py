"""Asynchronous client for Plex Media Server, with no Home Assistant dependency."""

from .client import MAX_ARTWORK_BYTES, Artwork, PMSClient
from .connection import (
    Candidate,
    ConnectionKind,
    ServerConnection,
    candidates,
    choose_connection,
)
from .exceptions import (
    PMSAuthenticationError,
    PMSConnectionError,
    PMSError,
    PMSIdentityError,
    PMSResponseError,
)
from .models import Player, ServerIdentity, Session, User

__all__ = [
    "MAX_ARTWORK_BYTES",
    "Artwork",
    "Candidate",
    "ConnectionKind",
    "PMSAuthenticationError",
    "PMSClient",
    "PMSConnectionError",
    "PMSError",
    "PMSIdentityError",
    "PMSResponseError",
    "Player",
    "ServerConnection",
    "ServerIdentity",
    "Session",
    "User",
    "candidates",
    "choose_connection",
]
