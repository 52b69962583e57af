"""Typed models of Plex's discover and metadata answers: the watchlist, search, user state."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Self

from .fields import Fields, container, readable


def _optional_date(read: Fields, key: str) -> date | None:
    """Read a calendar date ("2021-10-22", or a timestamp whose date part is one).

    A value in a form not understood is left out rather than hiding the whole item.
    """
    value = read.optional_str(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaItem:
    """A film, show or other title of Plex's catalogue (a `Metadata` object)."""

    rating_key: str
    """Plex's id of the item: the last part of its plex:// guid."""
    guid: str | None = None
    type: str
    title: str
    year: int | None = None
    summary: str | None = None
    thumb: str | None = None
    original_title: str | None = None
    originally_available_at: date | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build an item from Plex's `Metadata` JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "media item")
        return cls(
            rating_key=read.non_empty_str("ratingKey"),
            guid=read.optional_str("guid"),
            type=read.required_str("type"),
            title=read.required_str("title"),
            year=read.optional_int("year"),
            summary=read.optional_str("summary"),
            thumb=read.optional_str("thumb"),
            original_title=read.optional_str("originalTitle"),
            originally_available_at=_optional_date(read, "originallyAvailableAt"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Watchlist:
    """The account's watchlist: its items in Plex's order, and the ETag to poll it with."""

    items: tuple[MediaItem, ...] = ()
    total_size: int = 0
    etag: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchlistPage:
    """One page of the watchlist, as GET /library/sections/watchlist/... answers it."""

    items: tuple[MediaItem, ...] = ()
    entries: int = 0
    """How many entries the page held, readable or not: where the next page starts."""
    total_size: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a page from Plex's JSON, raising PlexResponseError if malformed.

        An entry that cannot be read is skipped, so that one odd title does not hide the
        others; if the page has entries and none can be read, the page is malformed.
        """
        read = container(data, "watchlist")
        entries = read.objects("Metadata")
        total_size = read.optional_count("totalSize")
        return cls(
            items=tuple(readable(entries, MediaItem.from_dict, "watchlist")),
            entries=len(entries),
            total_size=total_size,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """One hit of a catalogue search: how well it matches, and the item."""

    score: float | None = None
    item: MediaItem

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a hit from Plex's `SearchResult` JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "search result")
        return cls(
            score=read.optional_float("score"),
            item=MediaItem.from_dict(read.value("Metadata")),
        )

    @classmethod
    def list_from_dict(cls, data: object) -> list[Self]:
        """Return the hits of the `SearchResults` entry whose id is "external", in order.

        Unreadable hits are skipped; if there are hits and none can be read, the answer is
        malformed. No "external" entry means no hits.
        """
        read = container(data, "search")
        for group in read.objects("SearchResults"):
            group_read = Fields(group, "search group")
            if group_read.value("id") != "external":
                continue
            return readable(group_read.objects("SearchResult"), cls.from_dict, "search")
        return []


@dataclass(frozen=True, slots=True, kw_only=True)
class UserState:
    """What the account did with one item: on the watchlist since when, watched how often."""

    watchlisted_at: datetime | None = None
    view_count: int = 0
    view_offset: int | None = None
    """Milliseconds into the item where playback stopped, if it did."""
    view_state: str | None = None
    last_viewed_at: datetime | None = None

    @property
    def on_watchlist(self) -> bool:
        """Return whether the item is on the account's watchlist."""
        return self.watchlisted_at is not None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a user state from Plex's JSON, raising PlexResponseError if malformed.

        Reads the `UserState` of the `MediaContainer` (an object, or a list of one).
        """
        state = container(data, "user state").value("UserState")
        if isinstance(state, list) and len(state) == 1:
            state = state[0]
        read = Fields(state, "user state")
        return cls(
            watchlisted_at=read.optional_datetime("watchlistedAt"),
            view_count=read.optional_count("viewCount") or 0,
            view_offset=read.optional_int("viewOffset"),
            view_state=read.optional_str("viewState"),
            last_viewed_at=read.optional_datetime("lastViewedAt"),
        )
