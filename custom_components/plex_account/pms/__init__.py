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
from .follower import ServerFollower
from .models import Player, ServerIdentity, Session, User
from .notifications import (
    ListenerState,
    Notification,
    NotificationListener,
    PlayingNotification,
    parse_notification,
)

__all__ = [
    "MAX_ARTWORK_BYTES",
    "Artwork",
    "Candidate",
    "ConnectionKind",
    "ListenerState",
    "Notification",
    "NotificationListener",
    "PMSAuthenticationError",
    "PMSClient",
    "PMSConnectionError",
    "PMSError",
    "PMSIdentityError",
    "PMSResponseError",
    "Player",
    "PlayingNotification",
    "ServerConnection",
    "ServerFollower",
    "ServerIdentity",
    "Session",
    "User",
    "candidates",
    "choose_connection",
    "parse_notification",
]
