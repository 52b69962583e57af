"""Play queues, as POST /playQueues builds them, and the server's playlists.

A queue is built from a `uri` naming library items (or from a playlist), expanded as a server
expands it: a film is itself; an episode is itself, or with `continuous=1` itself and the
episodes of its show after it; a season, a show, an album or an artist is its episodes or
tracks, in order. URIs:

- server://{machineIdentifier}/com.plexapp.plugins.library/library/metadata/{rk}[/children]
- library:///directory/{quoted /library/metadata/{rk},{rk}...} (library://{uuid}/item/... too)

Queue ids count from FIRST_QUEUE_ID, their items' playQueueItemIDs from the server's
counter (shared with sessions). Sample playlists: PLAYLISTS.
"""

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from .library import LIBRARY, Item, SimLibrary

FIRST_QUEUE_ID = 7001
WINDOW = 50
"""How many items either side of the selected one GET /playQueues/{id} lists by default."""
KINDS = {"video": {"movie", "episode", "clip"}, "audio": {"track"}, "photo": {"photo"}}
"""The kinds of items a queue of each type (`type=`) holds."""
PLAYLISTS = {
    "9001": ("Evening Mix", "audio", ["3112", "3211", "3611", "3113", "3612"]),
    "9002": ("Weekend Films", "video", ["1001", "1004", "1002"]),
}
"""The server's playlists (ratingKey: title, playlistType, items): what playlistID= names."""


class QueueError(ValueError):
    """A request the server cannot build a queue from: 400, or 404 when `missing`."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        """Say what is wrong; `missing` when what it names does not exist (404)."""
        super().__init__(message)
        self.missing = missing


@dataclass
class QueueItem:
    """An item of a queue: a library item under a playQueueItemID of its own."""

    item_id: int
    rating_key: str
    up_next: bool = False
    """Added to play next (PUT ...&next=1): later ones go after it."""


@dataclass
class PlayQueue:
    """A play queue: its items in playing order, the selected one and a version."""

    id: int
    type: str
    """video, audio or photo."""
    items: list[QueueItem]
    source_uri: str = ""
    selected: int = 0
    """The index of the selected (playing) item."""
    version: int = 1
    shuffled: bool = False
    repeat: int = 0
    continuous: bool = False
    last_added: int | None = None
    """The playQueueItemID of the item added last (PUT)."""

    @property
    def selected_item(self) -> QueueItem | None:
        """Return the selected item (None if the queue is empty)."""
        return self.items[self.selected] if 0 <= self.selected < len(self.items) else None

    @property
    def rating_keys(self) -> list[str]:
        """Return the items' rating keys, in playing order."""
        return [item.rating_key for item in self.items]

    def select(self, rating_key: str) -> QueueItem | None:
        """Select the first item of a rating key (at or after the selected one, if there)."""
        order = [*range(self.selected, len(self.items)), *range(self.selected)]
        for index in order:
            item: QueueItem = self.items[index]
            if item.rating_key == rating_key:
                self.selected = index
                return item
        return None

    def add(self, items: list[QueueItem], *, up_next: bool) -> None:
        """Add items: after the selected one (and the others to play next), or at the end."""
        if not items:
            return
        if up_next and self.items:
            at = self.selected + 1
            while at < len(self.items) and self.items[at].up_next:
                at += 1
            for item in items:
                item.up_next = True
            self.items[at:at] = items
        else:
            self.items.extend(items)
        self.last_added = items[-1].item_id
        self.version += 1

    def as_json(self, library: SimLibrary, window: int = WINDOW) -> dict[str, Any]:
        """Return the queue's MediaContainer: its items `window` either side of the selected."""
        start = max(0, self.selected - window)
        shown = self.items[start : self.selected + window + 1]
        selected = self.selected_item
        container: dict[str, Any] = {
            "size": len(shown),
            "identifier": LIBRARY,
            "mediaTagPrefix": "/system/bundle/media/flags/",
            "playQueueID": self.id,
            "playQueueSelectedItemID": selected.item_id if selected else None,
            "playQueueSelectedItemOffset": self.selected,
            "playQueueSelectedMetadataItemID": selected.rating_key if selected else None,
            "playQueueShuffled": self.shuffled,
            "playQueueSourceURI": self.source_uri,
            "playQueueTotalCount": len(self.items),
            "playQueueVersion": self.version,
            "playQueueLastAddedItemID": self.last_added,
        }
        metadata = [
            found.as_json() | {"playQueueItemID": item.item_id}
            for item in shown
            if (found := library.items.get(item.rating_key)) is not None
        ]
        if metadata:
            container["Metadata"] = metadata
        return {name: value for name, value in container.items() if value is not None}


class PlayQueues:
    """The server's play queues, by id, and how it builds them from its library."""

    def __init__(
        self, library: SimLibrary, machine_identifier: Callable[[], str], item_ids: Iterator[int]
    ) -> None:
        """Build from library; URIs must name machine_identifier(); items take item_ids."""
        self.library = library
        self.machine_identifier = machine_identifier
        self.item_ids = item_ids
        self.queues: dict[int, PlayQueue] = {}
        self._ids = itertools.count(FIRST_QUEUE_ID)

    def get(self, queue_id: int | str) -> PlayQueue:
        """Return a queue by id; QueueError (missing) if there is none."""
        try:
            return self.queues[int(queue_id)]
        except KeyError, ValueError:
            msg = f"no play queue {queue_id}"
            raise QueueError(msg, missing=True) from None

    def create(  # noqa: PLR0913
        self,
        kind: str,
        *,
        uri: str | None = None,
        playlist: str | None = None,
        key: str | None = None,
        shuffle: bool = False,
        repeat: int = 0,
        continuous: bool = False,
    ) -> PlayQueue:
        """Build a queue of a type (video, audio, photo) from a uri or a playlist's id.

        `key` (/library/metadata/{rk}) selects the item to start from (by default the
        first); `shuffle` puts it first and the others in a random order.
        """
        if kind not in KINDS:
            msg = f"type must be one of {', '.join(KINDS)}"
            raise QueueError(msg)
        items = self._items(kind, uri, playlist, continuous=continuous)
        queue_id = next(self._ids)
        queue = PlayQueue(
            queue_id,
            kind,
            [QueueItem(next(self.item_ids), item.rating_key) for item in items],
            source_uri=uri or f"library://playlist/{playlist}",
            shuffled=shuffle,
            repeat=repeat,
            continuous=continuous,
        )
        if key is not None:
            queue.select(key.removeprefix("/library/metadata/"))
        if shuffle:
            first = queue.items.pop(queue.selected)
            random.Random(queue_id).shuffle(queue.items)  # noqa: S311 - not for secrets
            queue.items.insert(0, first)
            queue.selected = 0
        self.queues[queue_id] = queue
        return queue

    def add(
        self,
        queue_id: int | str,
        *,
        uri: str | None = None,
        playlist: str | None = None,
        up_next: bool = False,
    ) -> PlayQueue:
        """Add items to a queue (to play next, or at the end); its version moves on."""
        queue = self.get(queue_id)
        items = self._items(queue.type, uri, playlist, continuous=False)
        queue.add(
            [QueueItem(next(self.item_ids), item.rating_key) for item in items], up_next=up_next
        )
        return queue

    def _items(
        self, kind: str, uri: str | None, playlist: str | None, *, continuous: bool
    ) -> list[Item]:
        if playlist is not None:
            if playlist not in PLAYLISTS:
                msg = f"no playlist {playlist}"
                raise QueueError(msg, missing=True)
            keys = PLAYLISTS[playlist][2]
            found = [self.library.items[key] for key in keys if key in self.library.items]
        elif uri:
            found = [
                leaf
                for key in self._keys(uri)
                for leaf in expand(self.library, key, continuous=continuous)
            ]
        else:
            msg = "uri or playlistID is required"
            raise QueueError(msg)
        items = [item for item in found if item.type in KINDS[kind]]
        if not items:
            msg = f"nothing of type {kind} to queue"
            raise QueueError(msg)
        return items

    def _keys(self, uri: str) -> list[str]:
        """Return the rating keys a queue's uri names."""
        parts = urlsplit(uri)
        if parts.scheme == "server":
            if parts.netloc != self.machine_identifier():
                msg = "the uri names another server"
                raise QueueError(msg)
            path = parts.path.removeprefix(f"/{LIBRARY}")
        elif parts.scheme == "library":
            _, marker, rest = parts.path.partition("/item/")
            if not marker:
                _, marker, rest = parts.path.partition("/directory/")
            path = unquote(rest) if marker else ""
        else:
            path = ""
        path = path.removesuffix("/children").removesuffix("/allLeaves")
        if not path.startswith("/library/metadata/"):
            msg = "the uri names no library item"
            raise QueueError(msg)
        keys = [key for key in path.removeprefix("/library/metadata/").split(",") if key]
        if not keys or any(key not in self.library.items for key in keys):
            msg = "the uri names an item the library does not hold"
            raise QueueError(msg, missing=True)
        return keys


def expand(library: SimLibrary, rating_key: str, *, continuous: bool = False) -> list[Item]:
    """Return the leaves a queue of an item holds (see the module's docstring)."""
    item = library.items[rating_key]
    if item.type == "episode" and continuous and item.grandparent is not None:
        episodes = list(item.grandparent.leaves())
        return episodes[episodes.index(item) :]
    return list(item.leaves())


def playlists_json(library: SimLibrary) -> list[dict[str, Any]]:
    """Return the playlists as GET /playlists lists them."""
    return [
        {
            "ratingKey": key,
            "key": f"/playlists/{key}/items",
            "guid": f"com.plexapp.agents.none://{key}",
            "type": "playlist",
            "title": title,
            "playlistType": kind,
            "smart": False,
            "leafCount": len(items := playlist_items(library, key)),
            "duration": sum(item.duration or 0 for item in items),
        }
        for key, (title, kind, _keys) in PLAYLISTS.items()
    ]


def playlist_items(library: SimLibrary, key: str) -> list[Item]:
    """Return a playlist's items (KeyError if there is no such playlist)."""
    return [library.items[each] for each in PLAYLISTS[key][2] if each in library.items]
