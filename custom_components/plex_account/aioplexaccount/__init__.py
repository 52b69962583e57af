"""Asynchronous client for a Plex account: plex.tv, and the account's Plex Media Servers.

It signs in with a plex.tv/link code, reads the account, its resources and its watchlist,
and follows what plays on the account's servers, pushed by each server as it happens. It
never imports Home Assistant: the integration is one of its users.
"""

from .account import Account, Connection, Device, Pin, Resource, Resources, Subscription
from .connection import Candidate, ConnectionKind, ServerConnection, candidates, choose_connection
from .discover import MediaItem, SearchResult, UserState, Watchlist
from .exceptions import (
    PlexAuthenticationError,
    PlexConnectionError,
    PlexError,
    PlexIdentityError,
    PlexNotFoundError,
    PlexPinExpiredError,
    PlexRateLimitError,
    PlexResponseError,
    PlexResponseTooLargeError,
)
from .follower import FollowSettings, FollowState, ServerFollower
from .identity import MAX_NAME_LENGTH, PlexIdentity, validate_name
from .library import (
    Hub,
    LetterGroup,
    LibraryItem,
    LibrarySection,
    Marker,
    Page,
    Part,
    Release,
    SectionCounts,
    UpdateStatus,
)
from .library_watcher import LibraryWatcher
from .moments import MomentScheduler
from .notifications import (
    ActivityEntry,
    Notification,
    PlayingNotification,
    TimelineEntry,
    parse_notification,
)
from .pin_poller import PinPoller
from .playback import PlaybackChange, PlaybackEvent, PlaybackTracker
from .plextv import DEFAULT_BASE_URL, DEFAULT_DISCOVER_URL, DEFAULT_METADATA_URL, PlexTVClient
from .remote import PlayQueue, RemotePlayer
from .request import MAX_RETRY_AFTER, parse_retry_after
from .server import DEFAULT_PAGE_SIZE, MAX_ARTWORK_BYTES, Artwork, PMSClient
from .sessions import (
    DIRECT_PLAY,
    DIRECT_STREAM,
    TRANSCODE,
    Player,
    ServerIdentity,
    Session,
    StreamMedia,
    Transcode,
    User,
)

__version__ = "0.3.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_DISCOVER_URL",
    "DEFAULT_METADATA_URL",
    "DEFAULT_PAGE_SIZE",
    "DIRECT_PLAY",
    "DIRECT_STREAM",
    "MAX_ARTWORK_BYTES",
    "MAX_NAME_LENGTH",
    "MAX_RETRY_AFTER",
    "TRANSCODE",
    "Account",
    "ActivityEntry",
    "Artwork",
    "Candidate",
    "Connection",
    "ConnectionKind",
    "Device",
    "FollowSettings",
    "FollowState",
    "Hub",
    "LetterGroup",
    "LibraryItem",
    "LibrarySection",
    "LibraryWatcher",
    "Marker",
    "MediaItem",
    "MomentScheduler",
    "Notification",
    "PMSClient",
    "Page",
    "Part",
    "Pin",
    "PinPoller",
    "PlayQueue",
    "PlaybackChange",
    "PlaybackEvent",
    "PlaybackTracker",
    "Player",
    "PlayingNotification",
    "PlexAuthenticationError",
    "PlexConnectionError",
    "PlexError",
    "PlexIdentity",
    "PlexIdentityError",
    "PlexNotFoundError",
    "PlexPinExpiredError",
    "PlexRateLimitError",
    "PlexResponseError",
    "PlexResponseTooLargeError",
    "PlexTVClient",
    "Release",
    "RemotePlayer",
    "Resource",
    "Resources",
    "SearchResult",
    "SectionCounts",
    "ServerConnection",
    "ServerFollower",
    "ServerIdentity",
    "Session",
    "StreamMedia",
    "Subscription",
    "TimelineEntry",
    "Transcode",
    "UpdateStatus",
    "User",
    "UserState",
    "Watchlist",
    "candidates",
    "choose_connection",
    "parse_notification",
    "parse_retry_after",
    "validate_name",
]
