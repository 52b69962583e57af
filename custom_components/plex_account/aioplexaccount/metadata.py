"""What a server says of any item it names, a stream's or a library's: titles and numbers."""

from dataclasses import dataclass
from typing import Any, Final

from .fields import Fields

EPISODE: Final = "episode"
SEASON: Final = "season"
TRACK: Final = "track"
ALBUM: Final = "album"


@dataclass(frozen=True, slots=True, kw_only=True)
class Metadata:
    """An item as Plex names it: its kind, its titles and their numbers, its pictures.

    A parent is the season of an episode, the album of a track, the show of a season, the
    artist of an album; a grandparent the show of an episode, the artist of a track.
    """

    type: str
    """movie, show, season, episode, artist, album, track, photo, clip, playlist..."""
    title: str = ""
    parent_title: str | None = None
    grandparent_title: str | None = None
    parent_index: int | None = None
    index: int | None = None
    year: int | None = None
    thumb: str | None = None
    parent_thumb: str | None = None
    grandparent_thumb: str | None = None

    @property
    def show(self) -> str | None:
        """Return the show of an episode or of a season."""
        if self.type == EPISODE:
            return self.grandparent_title
        return self.parent_title if self.type == SEASON else None

    @property
    def season(self) -> int | None:
        """Return the season number of an episode (a season's own number is its index)."""
        return self.parent_index if self.type == EPISODE else None

    @property
    def episode(self) -> int | None:
        """Return the episode number of an episode."""
        return self.index if self.type == EPISODE else None

    @property
    def artist(self) -> str | None:
        """Return the artist of a track or of an album."""
        if self.type == TRACK:
            return self.grandparent_title
        return self.parent_title if self.type == ALBUM else None

    @property
    def album(self) -> str | None:
        """Return the album of a track, or an album's own title."""
        if self.type == TRACK:
            return self.parent_title
        return self.title if self.type == ALBUM else None

    @property
    def track(self) -> int | None:
        """Return the track number of a track."""
        return self.index if self.type == TRACK else None


def metadata_fields(read: Fields) -> dict[str, Any]:
    """Read the fields every Metadata has, as keyword arguments of a subclass."""
    return {
        "type": read.identifier("type"),
        "title": read.optional_str("title") or "",
        "parent_title": read.optional_str("parentTitle"),
        "grandparent_title": read.optional_str("grandparentTitle"),
        "parent_index": read.optional_int("parentIndex"),
        "index": read.optional_int("index"),
        "year": read.optional_int("year"),
        "thumb": read.optional_str("thumb"),
        "parent_thumb": read.optional_str("parentThumb"),
        "grandparent_thumb": read.optional_str("grandparentThumb"),
    }
