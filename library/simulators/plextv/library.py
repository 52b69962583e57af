"""What the discover and metadata hosts serve: the catalogue, watchlists and user state.

Choices where plex.tv's behaviour is not confirmed:

- adding an item already on the watchlist answers 200 and keeps one copy, with its first
  watchlistedAt (python-plexapi refuses to send such a request, so its answer is unknown);
- removing an item that is not on the watchlist answers 200 and changes nothing;
- an item the catalogue does not know answers 404 with a plex-style error body, whether it
  is added, removed, scrobbled or its user state read;
- a scrobble marks the item watched (viewCount + 1, lastViewedAt) and leaves it on the
  watchlist;
- the watchlist's ETag is a hash of the page's JSON content: the same page of the same list
  has the same ETag, any change to what the page shows changes it.
"""

import copy
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .catalogue import sample_catalogue, sample_watchlists

DISCOVER_IDENTIFIER = "tv.plex.provider.discover"
SEARCH_TYPES = {"movies": "movie", "tv": "show"}
WATCHLIST_TYPES = {"1": "movie", "2": "show"}
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Return text without accents, case-folded, its words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(bare.casefold()))


def etag_of(data: object) -> str:
    """Return a strong ETag derived from a JSON value's content."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Return whether an If-None-Match header names etag (weak or strong) or is "*"."""
    if header is None:
        return False
    for candidate in header.split(","):
        value = candidate.strip()
        if value == "*" or value.removeprefix("W/") == etag:
            return True
    return False


@dataclass
class WatchlistEntry:
    """One item on an account's watchlist."""

    rating_key: str
    watchlisted_at: int
    """Epoch seconds."""


@dataclass
class ViewState:
    """What one account watched of one item."""

    view_count: int = 0
    view_offset: int = 0
    last_viewed_at: int | None = None


class Library:
    """The catalogue, and each account's watchlist and user state, keyed by account uuid."""

    def __init__(
        self,
        catalogue: list[dict[str, Any]] | None = None,
        watchlists: dict[str, list[tuple[str, int]]] | None = None,
    ) -> None:
        """Start with the sample catalogue and watchlists unless given others."""
        self.catalogue: dict[str, dict[str, Any]] = {}
        self.popularity: dict[str, int] = {}
        self.add_items(sample_catalogue() if catalogue is None else catalogue)
        self.watchlists: dict[str, list[WatchlistEntry]] = {}
        self.views: dict[str, dict[str, ViewState]] = {}
        for account, entries in (sample_watchlists() if watchlists is None else watchlists).items():
            self.watchlists[account] = [
                WatchlistEntry(self.item(key)["ratingKey"], when) for key, when in entries
            ]

    # The catalogue

    def add_items(self, items: list[dict[str, Any]]) -> None:
        """Add or replace catalogue items; each needs ratingKey, type and title.

        A `popularity` field (simulator-only, default 0) is taken out and ranks search hits.

        Raises:
            ValueError: an item lacks a string ratingKey, type or title.
        """
        for raw in items:
            item = copy.deepcopy(raw)
            if not all(isinstance(item.get(key), str) for key in ("ratingKey", "type", "title")):
                msg = "a catalogue item needs a string ratingKey, type and title"
                raise ValueError(msg)
            popularity = item.pop("popularity", 0)
            self.catalogue[item["ratingKey"]] = item
            self.popularity[item["ratingKey"]] = popularity if isinstance(popularity, int) else 0

    def item(self, rating_key: str) -> dict[str, Any]:
        """Return a catalogue item as served (a copy).

        Raises:
            KeyError: the catalogue has no such item.
        """
        return copy.deepcopy(self.catalogue[rating_key])

    def search(
        self, query: str, *, kinds: set[str], limit: int
    ) -> list[tuple[float, dict[str, Any]]]:
        """Return (score, item) of the items matching query, best first, `limit` at most.

        Case and accents are ignored; every word of the query must appear in the title or
        the original title. An exact title scores 1, a title that starts with the query
        0.9, any other match 0.75; popularity adds up to 0.01 and breaks ties.
        """
        wanted = fold(query)
        words = wanted.split()
        if not words:
            return []
        hits: list[tuple[float, dict[str, Any]]] = []
        for key, item in self.catalogue.items():
            if item["type"] not in kinds:
                continue
            titles = [fold(item["title"]), fold(item.get("originalTitle") or "")]
            if not any(all(word in title for word in words) for title in titles):
                continue
            if wanted in titles:
                base = 1.0
            elif any(title.startswith(wanted) for title in titles):
                base = 0.9
            else:
                base = 0.75
            score = round(base + self.popularity[key] / 10_000, 4)
            hits.append((score, self.item(key)))
        hits.sort(key=lambda hit: (-hit[0], hit[1]["title"], hit[1]["ratingKey"]))
        return hits[:limit]

    # Watchlists

    def watchlist(self, account: str) -> list[WatchlistEntry]:
        """Return an account's watchlist, newest first (the list itself)."""
        return self.watchlists.setdefault(account, [])

    def watchlist_items(self, account: str) -> list[dict[str, Any]]:
        """Return an account's watchlist as items with their watchlistedAt, newest first."""
        return [
            self.item(entry.rating_key) | {"watchlistedAt": entry.watchlisted_at}
            for entry in self.watchlist(account)
        ]

    def add(self, account: str, rating_key: str, now: datetime) -> bool:
        """Put an item at the top of a watchlist; return False if it was on it already.

        Raises:
            KeyError: the catalogue has no such item.
        """
        self.item(rating_key)
        entries = self.watchlist(account)
        if any(entry.rating_key == rating_key for entry in entries):
            return False
        entries.insert(0, WatchlistEntry(rating_key, int(now.timestamp())))
        return True

    def remove(self, account: str, rating_key: str) -> bool:
        """Take an item off a watchlist; return False if it was not on it.

        Raises:
            KeyError: the catalogue has no such item.
        """
        self.item(rating_key)
        entries = self.watchlist(account)
        before = len(entries)
        entries[:] = [entry for entry in entries if entry.rating_key != rating_key]
        return len(entries) < before

    def set_watchlist(self, account: str, rating_keys: list[str], now: datetime) -> None:
        """Replace a watchlist: the first key is the newest, each a second older than the last.

        Raises:
            KeyError: the catalogue lacks one of the items (the watchlist is then unchanged).
        """
        for key in rating_keys:
            self.item(key)
        newest = int(now.timestamp())
        unique = list(dict.fromkeys(rating_keys))
        self.watchlists[account] = [
            WatchlistEntry(key, newest - index) for index, key in enumerate(unique)
        ]

    def page(
        self, account: str, *, start: int, size: int | None, sort: str, kind: str | None
    ) -> dict[str, Any]:
        """Return one page of a watchlist as the inside of Plex's MediaContainer.

        Raises:
            ValueError: the sort is not one the simulator knows.
        """
        field, _, direction = sort.partition(":")
        if field not in {"watchlistedAt", "titleSort"} or direction not in {"", "asc", "desc"}:
            msg = f"unknown sort {sort!r}"
            raise ValueError(msg)
        entries = [
            entry
            for entry in self.watchlist(account)
            if kind is None or self.catalogue[entry.rating_key]["type"] == kind
        ]
        # The list is kept newest first; titles sort A to Z unless ":desc" is asked for.
        if field == "titleSort":
            entries.sort(
                key=lambda entry: fold(self.catalogue[entry.rating_key]["title"]),
                reverse=direction == "desc",
            )
        elif direction == "asc":
            entries.reverse()
        shown = entries[start:] if size is None else entries[start : start + size]
        return {
            "librarySectionID": "watchlist",
            "librarySectionTitle": "Watchlist",
            "identifier": DISCOVER_IDENTIFIER,
            "offset": start,
            "totalSize": len(entries),
            "size": len(shown),
            "Metadata": [
                self.item(entry.rating_key) | {"watchlistedAt": entry.watchlisted_at}
                for entry in shown
            ],
        }

    # User state

    def scrobble(self, account: str, rating_key: str, now: datetime) -> None:
        """Mark an item watched by an account.

        Raises:
            KeyError: the catalogue has no such item.
        """
        self.item(rating_key)
        state = self.views.setdefault(account, {}).setdefault(rating_key, ViewState())
        state.view_count += 1
        state.view_offset = 0
        state.last_viewed_at = int(now.timestamp())

    def user_state(self, account: str, rating_key: str) -> dict[str, Any]:
        """Return an account's UserState of an item, as Plex's JSON shows it.

        Raises:
            KeyError: the catalogue has no such item.
        """
        item = self.item(rating_key)
        views = self.views.get(account, {}).get(rating_key, ViewState())
        state: dict[str, Any] = {
            "ratingKey": rating_key,
            "type": item["type"],
            "viewCount": views.view_count,
            "viewOffset": views.view_offset,
        }
        if views.view_count:
            state["viewState"] = "complete"
            state["lastViewedAt"] = views.last_viewed_at
        for entry in self.watchlist(account):
            if entry.rating_key == rating_key:
                state["watchlistedAt"] = entry.watchlisted_at
        return state
