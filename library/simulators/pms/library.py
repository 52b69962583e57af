"""The server's libraries: four sections of sample items, and as many generated films as asked.

Sections: "1" Films (movie), "2" TV Shows (show), "3" Music (artist), "4" Photos (photo). The
sample sessions' items (film 1001, episode 2205 of show 2000 / season 2200, track 3112 of
artist 3000 / album 3100) are items here, with the same rating keys. `films=N` adds N
generated films to section 1 (rating keys from 1000000 on), cheaply: only Item objects are
made up front; their JSON is made when asked.

Items may be added (add()) and removed (remove()); announce_added(), finish_processing()
and refresh_item() send the `timeline` notifications a real server sends meanwhile.

Markers (Item.markers(), shown with includeMarkers=1): every episode has an intro from 1:00
to 1:30 and credits over its last minute; every film credits over its last 7 minutes.
"""

import bisect
import itertools
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .media import part_container, part_size
from .sample import STAMP, Media, sample_episode, sample_film, sample_track

TYPE_NUMBERS = {
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
"""Plex's numbers of the kinds of items (the `type=` of /all, a timeline entry's `type`)."""
TYPE_NAMES = {number: name for name, number in TYPE_NUMBERS.items()}
CHILD_TYPE = {
    "show": "season",
    "season": "episode",
    "artist": "album",
    "album": "track",
    "photoalbum": "photo",
}
TOP_TYPE = {"movie": "movie", "show": "show", "artist": "artist", "photo": "photoalbum"}
"""The kind of a section's top-level items, by the section's type."""
LEAF_TYPES = frozenset({"movie", "episode", "track", "photo"})
RECENT_TYPES = frozenset({"movie", "episode", "album"})
"""What /library/recentlyAdded lists, as a server does: films, episodes and albums."""
ARTICLES = ("the ", "a ", "an ")
LIBRARY = "com.plexapp.plugins.library"
# Timeline states (see the reference: 0 created ... 5 done, 9 deleted).
CREATED, PROGRESS, PROCESSING, DONE, DELETED = 0, 1, 4, 5, 9
ENTRIES_PER_FRAME = 10
"""How many timeline entries one notification frame holds at most."""
GENERATED_FILMS_START = 1_000_000
"""The rating key of the first generated film."""
INTRO_MS = (60_000, 90_000)
"""Where every episode's intro starts and ends (ms): 1:00 to 1:30."""
CREDITS_MS = {"movie": 420_000, "episode": 60_000}
"""How long before the end the credits start (ms): 7 minutes for films, 1 for episodes."""


def title_sort(title: str) -> str:
    """Return the title a server sorts by: without a leading article."""
    lowered = title.lower()
    for article in ARTICLES:
        if lowered.startswith(article) and len(title) > len(article):
            return title[len(article) :]
    return title


def first_character(sort_title: str) -> str:
    """Return the group of /firstCharacter a title falls in: its letter, or "#"."""
    first = sort_title[:1].upper()
    return first if "A" <= first <= "Z" else "#"


@dataclass(eq=False)
class Section:
    """A library section and the items in it."""

    key: str
    uuid: str
    type: str
    title: str
    agent: str
    scanner: str
    path: str
    updated_at: int = STAMP
    scanned_at: int = STAMP
    refreshing: bool = False
    items: dict[str, Item] = field(default_factory=dict)
    """Every item of the section (all levels), by rating key."""
    top: list[Item] = field(default_factory=list)
    """The top-level items, in titleSort order."""
    version: int = 0
    _cache: dict[tuple[str, str], tuple[int, list[Item]]] = field(default_factory=dict)

    @property
    def top_type(self) -> str:
        """Return the kind of the section's top-level items."""
        return TOP_TYPE[self.type]

    def as_json(self) -> dict[str, Any]:
        """Return the section as a Directory of /library/sections."""
        return {
            "allowSync": True,
            "key": self.key,
            "uuid": self.uuid,
            "type": self.type,
            "title": self.title,
            "agent": self.agent,
            "scanner": self.scanner,
            "language": "en-US",
            "refreshing": self.refreshing,
            "thumb": f"/:/resources/{self.type}.png",
            "composite": f"/library/sections/{self.key}/composite/{self.updated_at}",
            "hidden": 0,
            "content": True,
            "directory": True,
            "createdAt": STAMP - 400 * 86400,
            "updatedAt": self.updated_at,
            "scannedAt": self.scanned_at,
            "Location": [{"id": int(self.key), "path": self.path}],
        }

    def listing(self, kind: str | None = None, sort: str = "titleSort") -> list[Item]:
        """Return the items of a kind (the top level by default), in a sort order.

        `sort` is a comma list of fields, each with an optional `:desc`: titleSort, title,
        addedAt, updatedAt, year, index, ratingKey. A kind the section holds none of is empty.
        """
        kind = kind or self.top_type
        if kind == self.top_type and sort in {"titleSort", "titleSort:asc"}:
            return self.top
        cached = self._cache.get((kind, sort))
        if cached is not None and cached[0] == self.version:
            return cached[1]
        items = [item for item in self.items.values() if item.type == kind]
        items.sort(key=Item.order)
        sort_items(items, sort)
        self._cache[kind, sort] = (self.version, items)
        return items

    def first_characters(self) -> list[tuple[str, int]]:
        """Return the groups of top-level items by first character, "#" first, then A to Z."""
        sizes: dict[str, int] = {}
        for item in self.top:
            group = first_character(item.title_sort)
            sizes[group] = sizes.get(group, 0) + 1
        return sorted(sizes.items(), key=lambda pair: (pair[0] != "#", pair[0]))

    def with_first_character(self, group: str) -> list[Item]:
        """Return the top-level items of a /firstCharacter group, in titleSort order."""
        group = group.upper()
        return [item for item in self.top if first_character(item.title_sort) == group]


SORT_FIELDS: dict[str, Callable[[Item], Any]] = {
    "titleSort": lambda item: item.sort_key,
    "title": lambda item: item.title.casefold(),
    "addedAt": lambda item: item.added_at,
    "updatedAt": lambda item: item.updated_at,
    "year": lambda item: item.year or 0,
    "index": lambda item: item.index or 0,
    "ratingKey": lambda item: int(item.rating_key),
}


def sort_items(items: list[Item], sort: str) -> None:
    """Sort items in place by a Plex `sort=` value (unknown fields are ignored)."""
    for part in reversed([part for part in sort.split(",") if part]):
        name, _, direction = part.partition(":")
        if (key := SORT_FIELDS.get(name)) is not None:
            items.sort(key=key, reverse=direction == "desc")


@dataclass(eq=False)
class Item:
    """An item of a section: a playable leaf (film, episode, track, photo) or a container."""

    rating_key: str
    type: str
    title: str
    section: Section
    year: int | None = None
    index: int | None = None
    parent: Item | None = None
    duration: int | None = None
    """Milliseconds, for films, episodes and tracks."""
    added_at: int = STAMP
    updated_at: int = STAMP
    view_offset: int | None = None
    """Where playback stopped (ms): the item is on deck."""
    last_viewed_at: int | None = None
    guid: str | None = None
    file: str | None = None
    """The media file's path on the server."""
    children: list[Item] = field(default_factory=list)
    title_sort: str = ""
    sort_key: tuple[str, int] = ("", 0)

    def __post_init__(self) -> None:
        """Derive the sort title and the sort key."""
        self.title_sort = title_sort(self.title)
        self.sort_key = (self.title_sort.casefold(), int(self.rating_key))

    @staticmethod
    def order(item: Item) -> tuple[str, int]:
        """Return the titleSort order's key."""
        return item.sort_key

    @property
    def leaf(self) -> bool:
        """Return whether the item is a leaf (film, episode, track or photo)."""
        return self.type in LEAF_TYPES

    @property
    def grandparent(self) -> Item | None:
        """Return the parent's parent: an episode's show, a track's artist."""
        return self.parent.parent if self.parent is not None else None

    @property
    def part_id(self) -> int:
        """Return the id of the media's one Part (the Media's is one less)."""
        return int(self.rating_key) * 10 + 2

    @property
    def container(self) -> str:
        """Return the media file's container (mp4, mkv, wav, png)."""
        return part_container(self)

    def leaves(self) -> Iterator[Item]:
        """Yield the leaves under the item (itself if it is one)."""
        if self.leaf:
            yield self
        for child in self.children:
            yield from child.leaves()

    def thumb(self) -> str:
        """Return the item's poster path; a track shows its album's cover."""
        owner = self.parent if self.type == "track" and self.parent is not None else self
        return f"/library/metadata/{owner.rating_key}/thumb/{owner.updated_at}"

    def art(self) -> str:
        """Return the item's background path: its show's, artist's or its own."""
        owner = self.grandparent or (self.parent if self.type in {"season", "album"} else None)
        owner = owner or self
        return f"/library/metadata/{owner.rating_key}/art/{owner.updated_at}"

    def as_json(self) -> dict[str, Any]:
        """Return the item as an element of MediaContainer.Metadata."""
        key = f"/library/metadata/{self.rating_key}"
        section = self.section
        data: dict[str, Any] = {
            "ratingKey": self.rating_key,
            "key": key if self.leaf else f"{key}/children",
            "guid": self.guid or f"plex://{self.type}/{int(self.rating_key):024x}",
            "type": self.type,
            "title": self.title,
            "titleSort": self.title_sort,
            "librarySectionID": int(section.key),
            "librarySectionTitle": section.title,
            "librarySectionKey": f"/library/sections/{section.key}",
            "summary": "",
            "index": self.index,
            "year": self.year,
            "thumb": self.thumb(),
            "art": self.art(),
            "addedAt": self.added_at,
            "updatedAt": self.updated_at,
        }
        data |= self._family()
        if self.leaf:
            if self.duration is not None:
                data["duration"] = self.duration
            if self.view_offset is not None:
                data["viewOffset"] = self.view_offset
                data["lastViewedAt"] = self.last_viewed_at
            data["Media"] = [self.media_json()]
        else:
            data["childCount"] = len(self.children)
            data["leafCount"] = sum(1 for _ in self.leaves())
            data["viewedLeafCount"] = 0
        return {name: value for name, value in data.items() if value is not None}

    def _family(self) -> dict[str, Any]:
        parent, grandparent = self.parent, self.grandparent
        data: dict[str, Any] = {}
        if parent is not None:
            data |= {
                "parentRatingKey": parent.rating_key,
                "parentKey": f"/library/metadata/{parent.rating_key}",
                "parentTitle": parent.title,
                "parentIndex": parent.index,
                "parentThumb": parent.thumb(),
            }
        if grandparent is not None:
            data |= {
                "grandparentRatingKey": grandparent.rating_key,
                "grandparentKey": f"/library/metadata/{grandparent.rating_key}",
                "grandparentTitle": grandparent.title,
                "grandparentThumb": grandparent.thumb(),
                "grandparentArt": grandparent.art(),
            }
        return data

    def media_json(self) -> dict[str, Any]:
        """Return the leaf's one Media element, with its one Part."""
        container, size = self.container, part_size(self)
        part: dict[str, Any] = {
            "id": self.part_id,
            "key": f"/library/parts/{self.part_id}/{self.updated_at}/file.{container}",
            "container": container,
            "duration": self.duration,
            "file": self.file,
            "size": size,
        }
        media: dict[str, Any] = {"id": self.part_id - 1, "container": container}
        if self.type in {"movie", "episode"}:
            media |= {
                "duration": self.duration,
                "bitrate": 4000,
                "width": 1280,
                "height": 720,
                "aspectRatio": 1.78,
                "audioChannels": 2,
                "audioCodec": "aac",
                "videoCodec": "h264",
                "videoResolution": "720",
                "videoFrameRate": "24p",
                "optimizedForStreaming": container == "mp4",
            }
            part["optimizedForStreaming"] = container == "mp4"
        elif self.type == "track":
            media |= {
                "duration": self.duration,
                "bitrate": 352,
                "audioChannels": 1,
                "audioCodec": "pcm",
            }
        else:
            media |= {"width": 100, "height": 150, "aspectRatio": 0.67}
        media["Part"] = [{name: value for name, value in part.items() if value is not None}]
        return media

    def markers(self) -> list[dict[str, Any]]:
        """Return the Marker elements (includeMarkers=1): an episode's intro, the credits.

        Films have credits only; other kinds none. Ids are the rating key and 1 (intro) or
        2 (credits); offsets in milliseconds.
        """
        if self.type not in CREDITS_MS or not self.duration:
            return []
        key = int(self.rating_key) * 10
        markers = []
        if self.type == "episode":
            start, end = INTRO_MS
            markers.append(
                {"id": key + 1, "type": "intro", "startTimeOffset": start, "endTimeOffset": end}
                | {"final": False}
            )
        markers.append(
            {
                "id": key + 2,
                "type": "credits",
                "startTimeOffset": max(0, self.duration - CREDITS_MS[self.type]),
                "endTimeOffset": self.duration,
                "final": True,
            }
        )
        return markers

    def media(self) -> Media:
        """Return the leaf as a session's media (see sample.Media)."""
        parent, grandparent = self.parent, self.grandparent
        return Media(
            rating_key=self.rating_key,
            type=self.type,
            title=self.title,
            year=self.year or 0,
            duration=self.duration or 0,
            library_section_id=int(self.section.key),
            library_section_title=self.section.title,
            guid=self.guid or f"plex://{self.type}/{int(self.rating_key):024x}",
            grandparent_title=grandparent.title if grandparent else None,
            parent_title=parent.title if parent else None,
            parent_index=parent.index if parent else None,
            index=self.index,
            grandparent_rating_key=grandparent.rating_key if grandparent else None,
            parent_rating_key=parent.rating_key if parent else None,
        )

    def timeline_entry(self, state: int, metadata_state: str | None, now: int) -> dict[str, Any]:
        """Return the item's TimelineEntry of a `timeline` notification in a state."""
        entry: dict[str, Any] = {
            "identifier": LIBRARY,
            "sectionID": self.section.key,
            "itemID": self.rating_key,
        }
        if self.parent is not None:
            entry["parentItemID"] = self.parent.rating_key
            entry["rootItemID"] = (self.grandparent or self.parent).rating_key
        entry |= {"type": TYPE_NUMBERS[self.type], "title": self.title, "state": state}
        if metadata_state is not None:
            entry["metadataState"] = metadata_state
        entry["updatedAt"] = now
        return entry


# The sample content: (rating key, title, year, duration in s, days before STAMP it was added)

FILMS = [
    ("1002", "Amber Skies", 2019, 6_300, 40),
    ("1003", "9 Lives of Ada", 2011, 5_700, 30),
    ("1004", "The Glass Orchard", 2021, 7_020, 20),
    ("1005", "Midnight Ferry", 2017, 5_940, 12),
    ("1006", "Zephyr Road", 2008, 6_480, 6),
]
DIRECT_PLAY_FILM = "1002"
"""The one film in an mp4 container, which a browser plays directly; the others are mkv."""
SHOWS = [
    (
        "2000",
        "Northern Lines",
        2021,
        [
            ("2100", ["Pilot", "Cold Front", "Harbour Lights", "Ice Roads"]),
            ("2200", ["Thaw", "Black Sand", "The Crossing", "Aurora", "The Lighthouse"]),
        ],
    ),
    (
        "2300",
        "12 Stations",
        2018,
        [
            ("2310", ["Departure", "Platform Nine", "Signal Failure"]),
            ("2320", ["Night Train", "The Junction", "Terminus", "Return Ticket"]),
        ],
    ),
]
ARTISTS = [
    (
        "3000",
        "The Quiet Tides",
        [
            (
                "3100",
                "Harbour Songs",
                2019,
                ["Low Tide", "Paper Boats", "Lantern Bay", "Salt and Rope"],
            ),
            ("3200", "Undertow", 2022, ["Undertow", "Deep Blue Hours", "Shoreline"]),
        ],
    ),
    (
        "3500",
        "Amber Static",
        [("3600", "Signal Fires", 2020, ["Static Bloom", "Radio Silence", "Wires", "1000 Miles"])],
    ),
]  # fmt: skip
PHOTO_ALBUMS = [("4000", "Summer 2024", ["Beach at Dawn", "Lighthouse Steps", "Harbour Market"])]
ON_DECK = {"1004": 3_000_000, "2203": 600_000}
"""Items stopped part-way (ms): what /library/onDeck lists."""
SECTION_UUIDS = {
    "1": "0b7e8a52-3f4d-4c1e-9a6b-2d5f8e1c7a01",
    "2": "1c8f9b63-4a5e-4d2f-8b7c-3e6a9f2d8b02",
    "3": "2d9a0c74-5b6f-4e3a-9c8d-4f7b0a3e9c03",
    "4": "3e0b1d85-6c7a-4f4b-8d9e-5a8c1b4f0d04",
}

# Generated films: a word per letter (and numbers for "#"), and nouns to go with it.
ADJECTIVES = [
    "Amber", "Bright", "Crimson", "Distant", "Endless", "Fading", "Golden", "Hidden",
    "Iron", "Jade", "Kind", "Lonely", "Midnight", "Northern", "Open", "Pale", "Quiet",
    "Restless", "Silver", "Tender", "Unseen", "Velvet", "Wild", "Xenial", "Yellow", "Zero",
]  # fmt: skip
NOUNS = [
    "Harbour", "River", "Garden", "Station", "Winter", "Summer", "Mountain", "Island",
    "Letter", "Promise", "Signal", "Voyage", "Orchard", "Lantern", "Bridge", "Frontier",
    "Horizon", "Kingdom", "Machine", "Shadow", "Echo", "Tide", "Compass", "Meadow",
    "Canyon", "Forest", "Mirror", "Engine", "Window", "Thunder", "Valley", "Desert",
]  # fmt: skip
GROUPS = len(ADJECTIVES) + 1


def generated_title(number: int) -> str:
    """Return the title of the generated film `number` (from 0): letters A to Z and "#"."""
    group, rank = number % GROUPS, number // GROUPS
    noun, round_ = NOUNS[rank % len(NOUNS)], rank // len(NOUNS)
    if group == len(ADJECTIVES):
        return f"{rank + 1} {noun}s"
    title = f"{ADJECTIVES[group]} {noun}"
    return title if round_ == 0 else f"{title} {round_ + 1}"


class SimLibrary:
    """The server's sections and their items, with the notifications changes send.

    `epoch` reads the time (epoch seconds) on the simulator's clock; `notify` sends a
    NotificationContainer (a dict) on every websocket.
    """

    def __init__(
        self,
        *,
        epoch: Callable[[], int],
        notify: Callable[[dict[str, Any]], None],
        films: int = 0,
    ) -> None:
        """Hold the sample content, plus `films` generated films in section 1."""
        self.epoch = epoch
        self.notify = notify
        self.sections: dict[str, Section] = {}
        self.items: dict[str, Item] = {}
        self.version = 0
        """Moves on with every change: cached listings are thrown away."""
        self._rating_keys = itertools.count(5001)
        self._last_added = STAMP
        self._generated = 0
        self._recent: tuple[int, list[Item]] = (-1, [])
        self._add_sections()
        self._add_samples()
        self.generate_films(films)

    # Reading

    def section(self, key: str) -> Section:
        """Return a section by key (KeyError if there is none)."""
        return self.sections[key]

    def item(self, rating_key: str) -> Item:
        """Return an item by rating key (KeyError if there is none)."""
        return self.items[rating_key]

    def by_part(self, part_id: int) -> Item | None:
        """Return the leaf whose Part has this id, if any."""
        item = self.items.get(str((part_id - 2) // 10)) if part_id % 10 == 2 else None
        return item if item is not None and item.leaf else None

    def count(self, section: str, kind: str | None = None) -> int:
        """Return how many items of a kind (by default: top level) a section holds."""
        return len(self.sections[section].listing(kind))

    def recently_added(self) -> list[Item]:
        """Return the films, episodes and albums, newest first."""
        if self._recent[0] != self.version:
            items = [item for item in self.items.values() if item.type in RECENT_TYPES]
            items.sort(key=lambda item: (item.added_at, int(item.rating_key)), reverse=True)
            self._recent = (self.version, items)
        return self._recent[1]

    def on_deck(self) -> list[Item]:
        """Return the items stopped part-way, last watched first."""
        items = [item for item in self.items.values() if item.view_offset is not None]
        items.sort(key=lambda item: item.last_viewed_at or 0, reverse=True)
        return items

    def search(self, query: str, section: str | None = None) -> dict[str, list[Item]]:
        """Return the items whose title holds query (any case), by kind, in titleSort order."""
        wanted = query.casefold()
        found: dict[str, list[Item]] = {}
        for item in self.items.values():
            if section not in {None, item.section.key} or wanted not in item.title.casefold():
                continue
            found.setdefault(item.type, []).append(item)
        for items in found.values():
            items.sort(key=Item.order)
        return found

    # Changing

    def add(  # noqa: PLR0913
        self,
        *,
        section: str,
        kind: str,
        title: str | None = None,
        year: int | None = None,
        show: str | None = None,
        season: int | None = None,
        episode: int | None = None,
        artist: str | None = None,
        album: str | None = None,
        duration: int | None = None,
    ) -> str:
        """Add a film, episode or track (and its show and season, artist and album, if new).

        Nothing is announced: see announce_added(). Returns the new item's rating key;
        raises KeyError for an unknown section, ValueError for a kind it cannot hold.
        """
        where = self.sections[section]
        now = self._next_added()
        if kind == "movie" and where.type == "movie":
            title = title or generated_title(self._generated)
            if title == generated_title(self._generated):
                self._generated += 1
            item = self._new(where, "movie", title, year=year or 2024, added_at=now)
            item.duration = duration or 5_400_000
            item.file = f"{where.path}/{title} ({item.year})/{title} ({item.year}).mkv"
        elif kind == "episode" and where.type == "show":
            show_item = self._container(where, "show", None, show or "New Show", now, year=year)
            number = season if season is not None else 1
            season_item = self._container(
                where, "season", show_item, f"Season {number}", now, index=number
            )
            index = episode if episode is not None else len(season_item.children) + 1
            item = self._new(
                where,
                "episode",
                title or f"Episode {index}",
                year=year or 2024,
                index=index,
                parent=season_item,
                added_at=now,
            )
            item.duration = duration or 2_700_000
            item.file = (
                f"{where.path}/{show_item.title}/Season {number:02}/"
                f"{show_item.title} - s{number:02}e{index:02}.mkv"
            )
        elif kind == "track" and where.type == "artist":
            artist_item = self._container(where, "artist", None, artist or "New Artist", now)
            album_item = self._container(
                where, "album", artist_item, album or "New Album", now, year=year or 2024
            )
            index = len(album_item.children) + 1
            item = self._new(
                where,
                "track",
                title or f"Track {index}",
                year=album_item.year,
                index=index,
                parent=album_item,
                added_at=now,
            )
            item.duration = duration or 180_000
            item.file = f"{where.path}/{artist_item.title}/{album_item.title}/{index:02}.wav"
        else:
            msg = f"section {section} ({where.type}) cannot hold a {kind!r}"
            raise ValueError(msg)
        return item.rating_key

    def generate_films(self, count: int) -> list[str]:
        """Add count generated films to section 1, silently; return their rating keys."""
        films = self.sections["1"]
        start = self._generated
        keys = []
        for number in range(start, start + count):
            title = generated_title(number)
            year = 1950 + number % 75
            item = Item(
                str(GENERATED_FILMS_START + number),
                "movie",
                title,
                films,
                year=year,
                duration=4_800_000 + (number % 60) * 60_000,
                added_at=STAMP - 50 * 86400 - number,
                file=f"{films.path}/{title} ({year})/{title} ({year}).mkv",
            )
            films.items[item.rating_key] = item
            self.items[item.rating_key] = item
            films.top.append(item)
            keys.append(item.rating_key)
        self._generated += count
        films.top.sort(key=Item.order)
        self._changed(films)
        return keys

    def remove(self, rating_key: str) -> None:
        """Remove an item (with what is under it), announcing each as deleted (state 9)."""
        item = self.items[rating_key]
        gone = list(self._subtree(item))
        now = self.epoch()
        for each in gone:
            self.items.pop(each.rating_key, None)
            each.section.items.pop(each.rating_key, None)
        if item.parent is not None:
            item.parent.children.remove(item)
        else:
            where = item.section
            index = bisect.bisect_left(where.top, item.sort_key, key=Item.order)
            if index < len(where.top) and where.top[index] is item:
                del where.top[index]
        self._changed(item.section)
        self._send([each.timeline_entry(DELETED, "deleted", now) for each in gone])

    def announce_added(self, rating_keys: Iterable[str], *, processed: bool = True) -> None:
        """Announce new items as a server does: states 0 (created), 1, 4 (processing), 5.

        Entries of a batch share frames (ENTRIES_PER_FRAME at most). With processed=False
        only state 0 is sent: finish_processing() sends state 5 later.
        """
        items = [self.items[str(key)] for key in rating_keys]
        now = self.epoch()
        self._send([item.timeline_entry(CREATED, "created", now) for item in items])
        if processed:
            for state in (PROGRESS, PROCESSING):
                self._send([item.timeline_entry(state, "processing", now) for item in items])
            self.finish_processing(item.rating_key for item in items)

    def finish_processing(self, rating_keys: Iterable[str]) -> None:
        """Send the state 5 entries (done, no metadataState) of items; may be repeated."""
        now = self.epoch()
        self._send([self.items[str(key)].timeline_entry(DONE, None, now) for key in rating_keys])

    def refresh_item(self, rating_key: str) -> None:
        """Refresh an item's metadata: its updatedAt moves and state 5 alone is sent."""
        item = self.items[str(rating_key)]
        item.updated_at = max(self.epoch(), item.updated_at + 1)
        self._changed(item.section)
        self.finish_processing([item.rating_key])

    # Internals

    def _send(self, entries: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(entries), ENTRIES_PER_FRAME):
            frame = list(entries[start : start + ENTRIES_PER_FRAME])
            self.notify(
                {
                    "NotificationContainer": {
                        "type": "timeline",
                        "size": len(frame),
                        "TimelineEntry": frame,
                    }
                }
            )

    def _subtree(self, item: Item) -> Iterator[Item]:
        for child in item.children:
            yield from self._subtree(child)
        yield item

    def _changed(self, section: Section) -> None:
        self.version += 1
        section.version += 1
        section.updated_at = max(section.updated_at, self.epoch())

    def _next_added(self) -> int:
        """Return an addedAt after every other: the newest addition is listed first."""
        self._last_added = max(self.epoch(), self._last_added + 1)
        return self._last_added

    def _new(  # noqa: PLR0913
        self,
        section: Section,
        kind: str,
        title: str,
        *,
        year: int | None = None,
        index: int | None = None,
        parent: Item | None = None,
        added_at: int = STAMP,
        rating_key: str | None = None,
    ) -> Item:
        key = rating_key or str(next(self._rating_keys))
        while rating_key is None and key in self.items:
            key = str(next(self._rating_keys))
        item = Item(
            key,
            kind,
            title,
            section,
            year=year,
            index=index,
            parent=parent,
            added_at=added_at,
            updated_at=max(added_at, STAMP),
        )
        self.items[key] = item
        section.items[key] = item
        if parent is None:
            bisect.insort(section.top, item, key=Item.order)
        else:
            parent.children.append(item)
            parent.children.sort(key=lambda child: (child.index or 0, int(child.rating_key)))
        self._changed(section)
        return item

    def _container(  # noqa: PLR0913
        self,
        section: Section,
        kind: str,
        parent: Item | None,
        title: str,
        added_at: int,
        *,
        index: int | None = None,
        year: int | None = None,
    ) -> Item:
        """Return the show, season, artist or album of that title, made if new."""
        siblings = parent.children if parent is not None else section.top
        for item in siblings:
            if item.type == kind and (item.title == title or (index and item.index == index)):
                return item
        return self._new(
            section, kind, title, year=year, index=index, parent=parent, added_at=added_at
        )

    def _add_sections(self) -> None:
        for key, kind, title, agent, scanner, path in (
            ("1", "movie", "Films", "tv.plex.agents.movie", "Plex Movie", "/data/films"),
            ("2", "show", "TV Shows", "tv.plex.agents.series", "Plex TV Series", "/data/tv"),
            ("3", "artist", "Music", "tv.plex.agents.music", "Plex Music", "/data/music"),
            ("4", "photo", "Photos", "com.plexapp.agents.none", "Plex Photo Scanner",
             "/data/photos"),
        ):  # fmt: skip
            self.sections[key] = Section(key, SECTION_UUIDS[key], kind, title, agent, scanner, path)

    def _add_samples(self) -> None:
        self._add_films()
        self._add_shows()
        self._add_music()
        self._add_photos()
        last_viewed = STAMP + 3600
        for key, offset in ON_DECK.items():
            item = self.items[key]
            item.view_offset, item.last_viewed_at = offset, last_viewed
            last_viewed -= 600

    def _add_films(self) -> None:
        films = self.sections["1"]
        sample = sample_film()
        rows = [(sample.rating_key, sample.title, sample.year, sample.duration // 1000, 0), *FILMS]
        for key, title, year, seconds, days in rows:
            item = self._new(
                films, "movie", title, year=year, added_at=STAMP - days * 86400, rating_key=key
            )
            item.duration = seconds * 1000
            extension = "mp4" if key == DIRECT_PLAY_FILM else "mkv"
            item.file = f"{films.path}/{title} ({year})/{title} ({year}).{extension}"
        self.items[sample.rating_key].guid = sample.guid

    def _add_shows(self) -> None:
        shows = self.sections["2"]
        sample = sample_episode()
        days = 90
        for show_key, show_title, year, seasons in SHOWS:
            show = self._new(
                shows, "show", show_title, year=year, added_at=STAMP - days * 86400,
                rating_key=show_key,
            )  # fmt: skip
            for number, (season_key, titles) in enumerate(seasons, start=1):
                season = self._new(
                    shows, "season", f"Season {number}", year=year + number - 1, index=number,
                    parent=show, added_at=show.added_at, rating_key=season_key,
                )  # fmt: skip
                for index, title in enumerate(titles, start=1):
                    days -= 2
                    episode = self._new(
                        shows, "episode", title, year=season.year, index=index, parent=season,
                        added_at=STAMP - days * 86400, rating_key=str(int(season_key) + index),
                    )  # fmt: skip
                    episode.duration = 2_640_000 + (index % 3) * 60_000
                    episode.file = (
                        f"{shows.path}/{show_title}/Season {number:02}/"
                        f"{show_title} - s{number:02}e{index:02} - {title}.mkv"
                    )
        episode = self.items[sample.rating_key]
        episode.guid, episode.duration, episode.year = sample.guid, sample.duration, sample.year
        episode.added_at = STAMP  # the newest episode

    def _add_music(self) -> None:
        music = self.sections["3"]
        sample = sample_track()
        days = 200
        for artist_key, artist_title, albums in ARTISTS:
            artist = self._new(
                music, "artist", artist_title, added_at=STAMP - days * 86400, rating_key=artist_key
            )
            for number, (album_key, album_title, year, titles) in enumerate(albums, start=1):
                days -= 25
                album = self._new(
                    music, "album", album_title, year=year, index=number, parent=artist,
                    added_at=STAMP - days * 86400, rating_key=album_key,
                )  # fmt: skip
                for index, title in enumerate(titles, start=1):
                    track = self._new(
                        music, "track", title, year=year, index=index, parent=album,
                        added_at=album.added_at, rating_key=str(int(album_key) + 10 + index),
                    )  # fmt: skip
                    track.duration = 180_000 + zlib.crc32(title.encode()) % 120_000
                    track.file = (
                        f"{music.path}/{artist_title}/{album_title}/{index:02} - {title}.wav"
                    )
        track = self.items[sample.rating_key]
        track.guid, track.duration = sample.guid, sample.duration

    def _add_photos(self) -> None:
        photos = self.sections["4"]
        for album_key, album_title, titles in PHOTO_ALBUMS:
            album = self._new(
                photos, "photoalbum", album_title, year=2024,
                added_at=STAMP - 10 * 86400, rating_key=album_key,
            )  # fmt: skip
            for index, title in enumerate(titles, start=1):
                photo = self._new(
                    photos, "photo", title, year=2024, index=index, parent=album,
                    added_at=album.added_at, rating_key=str(int(album_key) + index),
                )  # fmt: skip
                photo.file = f"{photos.path}/{album_title}/{title}.png"
