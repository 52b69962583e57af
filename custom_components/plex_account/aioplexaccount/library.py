"""Typed models of a server's libraries: sections, their items, pages of them, and updates.

Times are in milliseconds, as the server counts them: the fields say so in their names.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Self

from .fields import Fields, container, readable
from .metadata import Metadata, metadata_fields

# Plex's numbers of the kinds of items, as /library/sections/{key}/all?type= takes them.
TYPE_NUMBERS: Final = {
    "movie": 1,
    "show": 2,
    "season": 3,
    "episode": 4,
    "artist": 8,
    "album": 9,
    "track": 10,
    "photo": 13,
    "photoalbum": 14,
}
MOVIE: Final = "movie"
SHOW: Final = "show"
SEASON: Final = "season"
EPISODE: Final = "episode"
ARTIST: Final = "artist"
ALBUM: Final = "album"
TRACK: Final = "track"
PHOTO: Final = "photo"
PHOTO_ALBUM: Final = "photoalbum"
PLAYLIST: Final = "playlist"
# What a section counts as its items, and what else it counts, by the section's type.
SECTION_COUNTS: Final[dict[str, tuple[str, ...]]] = {
    MOVIE: (MOVIE,),
    SHOW: (SHOW, SEASON, EPISODE),
    ARTIST: (ARTIST, ALBUM, TRACK),
    PHOTO: (PHOTO,),
}
# The kinds of items that play (or show) by themselves.
LEAF_TYPES: Final = frozenset({MOVIE, EPISODE, TRACK, PHOTO, "clip"})
# The kinds of markers a server finds in an item.
INTRO: Final = "intro"
CREDITS: Final = "credits"
COMMERCIAL: Final = "commercial"


@dataclass(frozen=True, slots=True, kw_only=True)
class LibrarySection:
    """One library of the server: films, shows, music or photos."""

    key: str
    """The section's number on this server ("1")."""
    uuid: str
    """The section's own identifier, stable while it exists."""
    type: str
    """movie, show, artist or photo."""
    title: str
    refreshing: bool = False
    """Whether the server scans it now."""
    scanned_at: datetime | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a section from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "library section")
        return cls(
            key=read.identifier("key"),
            uuid=read.identifier("uuid"),
            type=read.identifier("type"),
            title=read.optional_str("title") or "",
            refreshing=read.flag("refreshing"),
            scanned_at=read.optional_epoch("scannedAt"),
        )

    @classmethod
    def list_from_dict(cls, data: object) -> list[Self]:
        """Return the sections of GET /library/sections that can be read."""
        entries = container(data, "library sections").objects("Directory")
        return readable(entries, cls.from_dict, "library sections")


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One file of an item: what a player fetches to play it directly."""

    key: str
    """The file's path on the server (/library/parts/...)."""
    container: str | None = None
    """mp4, mkv, mp3, flac...: what the file is, as the server names it."""
    size: int | None = None
    duration_ms: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a part from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "part")
        key = read.non_empty_str("key")
        if not key.startswith("/") or key.startswith("//"):
            error = read.error("key", "a path on the server", None)
            raise error
        return cls(
            key=key,
            container=(read.optional_str("container") or "").lower() or None,
            size=read.optional_count("size"),
            duration_ms=read.optional_count("duration"),
        )


def _parts(read: Fields) -> tuple[Part, ...]:
    """Return the parts of an item's first readable Media that has any."""
    for media in readable(read.objects("Media"), lambda m: Fields(m, "media"), "media"):
        parts = readable(media.objects("Part"), Part.from_dict, "parts", at_least_one=False)
        if parts:
            return tuple(parts)
    return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryItem(Metadata):
    """An item of a library: a film, a show, a season, an episode, an album, a track..."""

    rating_key: str
    duration_ms: int | None = None
    position_ms: int | None = None
    """How far it was watched (viewOffset), for what is in progress."""
    section_id: str | None = None
    section_title: str | None = None
    added_at: datetime | None = None
    leaf_count: int | None = None
    child_count: int | None = None
    parts: tuple[Part, ...] = ()
    playlist_type: str | None = None
    """A playlist's kind: video, audio or photo."""

    @property
    def is_leaf(self) -> bool:
        """Return whether the item plays (or shows) by itself, rather than holding others."""
        return self.type in LEAF_TYPES

    @property
    def artwork(self) -> str | None:
        """Return the path of the item's picture: its own, else its parent's or show's."""
        return self.thumb or self.parent_thumb or self.grandparent_thumb

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build an item from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "library item")
        return cls(
            **metadata_fields(read),
            rating_key=read.identifier("ratingKey"),
            duration_ms=read.optional_count("duration"),
            position_ms=read.optional_count("viewOffset"),
            section_id=read.optional_identifier("librarySectionID"),
            section_title=read.optional_str("librarySectionTitle"),
            added_at=read.optional_epoch("addedAt"),
            leaf_count=read.optional_count("leafCount"),
            child_count=read.optional_count("childCount"),
            parts=_parts(read),
            playlist_type=read.optional_str("playlistType") or None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One page of a list of items: the items, where the page starts, and how many in all."""

    items: tuple[LibraryItem, ...]
    offset: int = 0
    total: int = 0

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a page from the server's JSON; an item that cannot be read is skipped.

        A server that does not say how many there are in all has them all on this page.
        """
        read = container(data, "page")
        items = tuple(readable(read.objects("Metadata"), LibraryItem.from_dict, "items"))
        offset = read.optional_count("offset") or 0
        total = read.optional_count("totalSize")
        return cls(
            items=items, offset=offset, total=offset + len(items) if total is None else total
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterGroup:
    """Items of a section whose title starts with one character, as Plex's apps group them."""

    key: str
    """The character as the server names it ("A", "#")."""
    title: str
    size: int

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a group from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "first character")
        key = read.non_empty_str("key")
        return cls(
            key=key, title=read.optional_str("title") or key, size=read.optional_count("size") or 0
        )

    @classmethod
    def list_from_dict(cls, data: object) -> list[Self]:
        """Return the groups of GET /library/sections/{key}/firstCharacter."""
        entries = container(data, "first characters").objects("Directory")
        return readable(entries, cls.from_dict, "first characters")


@dataclass(frozen=True, slots=True, kw_only=True)
class Hub:
    """One kind of result of a search: films, shows, episodes, tracks..."""

    identifier: str
    type: str | None = None
    title: str = ""
    items: tuple[LibraryItem, ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a hub from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "hub")
        items = readable(read.objects("Metadata"), LibraryItem.from_dict, "hub items")
        return cls(
            identifier=read.identifier("hubIdentifier"),
            type=read.optional_str("type"),
            title=read.optional_str("title") or "",
            items=tuple(items),
        )

    @classmethod
    def list_from_dict(cls, data: object) -> list[Self]:
        """Return the hubs of GET /hubs/search."""
        return readable(container(data, "hubs").objects("Hub"), cls.from_dict, "hubs")


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionCounts:
    """A section and how many items of each kind it holds (see SECTION_COUNTS)."""

    section: LibrarySection
    counts: dict[str, int]

    @property
    def items(self) -> int | None:
        """Return the count of the section's own items: films, shows, artists or photos."""
        kinds = SECTION_COUNTS.get(self.section.type)
        return None if kinds is None else self.counts.get(kinds[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    """A version of the server software that the server offers."""

    version: str
    added: str | None = None
    fixed: str | None = None
    state: str | None = None
    """available, downloading, downloaded, installing, notify (cannot install here)..."""

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a release from the server's JSON; its download URL (with a token) is left."""
        read = Fields(data, "release")
        return cls(
            version=read.non_empty_str("version"),
            added=read.optional_str("added") or None,
            fixed=read.optional_str("fixed") or None,
            state=read.optional_str("state") or None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateStatus:
    """What the server's updater says: whether it can install, and what it offers."""

    can_install: bool = False
    checked_at: datetime | None = None
    releases: tuple[Release, ...] = ()
    installed_version: str | None = None
    """The version the server runs, as its identity said with this reading (if read)."""

    @property
    def latest(self) -> Release | None:
        """Return the release the server offers, if any."""
        return self.releases[0] if self.releases else None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build the status from GET /updater/status, raising PlexResponseError if malformed."""
        read = container(data, "updater status")
        releases = readable(read.objects("Release"), Release.from_dict, "releases")
        return cls(
            can_install=read.flag("canInstall"),
            checked_at=read.optional_epoch("checkedAt"),
            releases=tuple(releases),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Marker:
    """A stretch of an item that the server found in it: its intro, credits or an advert."""

    id: str | None = None
    type: str
    """intro, credits or commercial."""
    start_ms: int
    end_ms: int
    final: bool = False
    """Whether these are the item's last credits."""

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a marker from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "marker")
        start = read.required_int("startTimeOffset")
        end = read.required_int("endTimeOffset")
        if start < 0:
            error = read.error("startTimeOffset", "a count", start)
            raise error
        if end < start:
            error = read.error("endTimeOffset", "at or after startTimeOffset", end)
            raise error
        return cls(
            id=read.optional_identifier("id"),
            type=read.identifier("type"),
            start_ms=start,
            end_ms=end,
            final=read.flag("final"),
        )

    @classmethod
    def list_from_dict(cls, data: object) -> list[Self]:
        """Return the markers of GET /library/metadata/{key}?includeMarkers=1, in order.

        An item without markers has no Marker list; a marker that cannot be read is skipped.
        """
        items = container(data, "markers").objects("Metadata")
        if not items:
            return []
        entries = Fields(items[0], "item").objects("Marker")
        markers = readable(entries, cls.from_dict, "markers", at_least_one=False)
        return sorted(markers, key=lambda marker: marker.start_ms)
