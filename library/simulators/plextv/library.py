"""What the discover and metadata hosts serve: the catalogue, watchlists and user state.

Choices where plex.tv's behaviour is not confirmed:

- adding an item already on the watchlist keeps one copy, with its first watchlistedAt;
  removing an item that is not on it changes nothing (both answer 200);
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
from datetime import datetime
from typing import Any

from .catalogue import sample_catalogue, sample_watchlists

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Return text without accents, case-folded, its words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(bare.casefold()))


def etag_of(data: object) -> str:
    """Return a strong ETag derived from a JSON value's content."""
    return '"' + hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32] + '"'


class Library:
    """The catalogue, and each account's watchlist and user state, keyed by account uuid.

    It starts with the sample catalogue and the sample accounts' watchlists.
    """

    def __init__(self) -> None:
        """Start with the sample catalogue and watchlists."""
        self.catalogue: dict[str, dict[str, Any]] = {}
        self.popularity: dict[str, int] = {}
        self.add_items(sample_catalogue())
        self.watchlists: dict[str, list[tuple[str, int]]] = sample_watchlists()
        """Each account's (ratingKey, watchlistedAt) pairs, newest first."""
        self.views: dict[str, dict[str, tuple[int, int]]] = {}
        """Each account's (viewCount, lastViewedAt) of the items it watched."""

    def add_items(self, items: list[dict[str, Any]]) -> None:
        """Add or replace catalogue items (ratingKey, type and title at least).

        A `popularity` field (simulator-only, default 0) is taken out and ranks search hits.
        """
        for raw in items:
            item = copy.deepcopy(raw)
            self.popularity[item["ratingKey"]] = item.pop("popularity", 0)
            self.catalogue[item["ratingKey"]] = item

    def item(self, rating_key: str) -> dict[str, Any]:
        """Return a catalogue item as served (a copy); raise KeyError if there is none."""
        return copy.deepcopy(self.catalogue[rating_key])

    def search(self, query: str, *, limit: int) -> list[tuple[float, dict[str, Any]]]:
        """Return (score, item) of the items matching query, best first, `limit` at most.

        Case and accents are ignored; every word of the query must appear in the title or
        the original title. An exact title scores 1, a title that starts with the query
        0.9, any other match 0.75; popularity adds up to 0.01 and breaks ties.
        """
        wanted = fold(query)
        hits: list[tuple[float, dict[str, Any]]] = []
        for key, item in self.catalogue.items():
            titles = [fold(item["title"]), fold(item.get("originalTitle") or "")]
            if not wanted or not any(all(w in t for w in wanted.split()) for t in titles):
                continue
            starts = any(t.startswith(wanted) for t in titles)
            base = 1.0 if wanted in titles else 0.9 if starts else 0.75
            hits.append((round(base + self.popularity[key] / 10_000, 4), self.item(key)))
        hits.sort(key=lambda hit: (-hit[0], hit[1]["title"], hit[1]["ratingKey"]))
        return hits[:limit]

    # Watchlists; each change raises KeyError for an item the catalogue lacks.

    def watchlist(self, account: str) -> list[tuple[str, int]]:
        """Return an account's watchlist, newest first (the list itself)."""
        return self.watchlists.setdefault(account, [])

    def watchlist_items(
        self, account: str, start: int = 0, size: int | None = None
    ) -> list[dict[str, Any]]:
        """Return a page of an account's watchlist: items with their watchlistedAt."""
        shown = self.watchlist(account)[start : None if size is None else start + size]
        return [self.item(key) | {"watchlistedAt": when} for key, when in shown]

    def add(self, account: str, rating_key: str, now: datetime) -> bool:
        """Put an item at the top of a watchlist; return False if it was on it already."""
        self.item(rating_key)
        entries = self.watchlist(account)
        if any(key == rating_key for key, _ in entries):
            return False
        entries.insert(0, (rating_key, int(now.timestamp())))
        return True

    def remove(self, account: str, rating_key: str) -> bool:
        """Take an item off a watchlist; return False if it was not on it."""
        self.item(rating_key)
        entries = self.watchlist(account)
        before = len(entries)
        entries[:] = [entry for entry in entries if entry[0] != rating_key]
        return len(entries) < before

    def set_watchlist(self, account: str, rating_keys: list[str], now: datetime) -> None:
        """Replace a watchlist: the first key is the newest, each a second older than the last."""
        for key in rating_keys:
            self.item(key)
        newest = int(now.timestamp())
        unique = dict.fromkeys(rating_keys)
        self.watchlists[account] = [(key, newest - index) for index, key in enumerate(unique)]

    def page(self, account: str, *, start: int, size: int | None) -> dict[str, Any]:
        """Return one page of a watchlist as the inside of Plex's MediaContainer."""
        shown = self.watchlist_items(account, start, size)
        return {
            "librarySectionID": "watchlist",
            "librarySectionTitle": "Watchlist",
            "identifier": "tv.plex.provider.discover",
            "offset": start,
            "totalSize": len(self.watchlist(account)),
            "size": len(shown),
            "Metadata": shown,
        }

    # User state

    def scrobble(self, account: str, rating_key: str, now: datetime) -> None:
        """Mark an item watched by an account (KeyError if the catalogue lacks it)."""
        self.item(rating_key)
        views = self.views.setdefault(account, {})
        views[rating_key] = (views.get(rating_key, (0, 0))[0] + 1, int(now.timestamp()))

    def user_state(self, account: str, rating_key: str) -> dict[str, Any]:
        """Return an account's UserState of an item (KeyError if the catalogue lacks it)."""
        item = self.item(rating_key)
        count, last = self.views.get(account, {}).get(rating_key, (0, 0))
        state: dict[str, Any] = {
            "ratingKey": rating_key,
            "type": item["type"],
            "viewCount": count,
            "viewOffset": 0,
        }
        if count:
            state |= {"viewState": "complete", "lastViewedAt": last}
        for key, when in self.watchlist(account):
            if key == rating_key:
                state["watchlistedAt"] = when
        return state
