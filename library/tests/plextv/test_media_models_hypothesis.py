"""Property tests: whatever JSON the discover and metadata hosts send, parsing is clean."""

from collections.abc import Callable
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioplexaccount import (
    MediaItem,
    PlexResponseError,
    SearchResult,
    UserState,
)
from aioplexaccount import WatchlistPage

from .test_media_models import item_json, page_json
from .test_models_hypothesis import json_values, plausible_values

# Fifty examples per parser and test, as small documents: each test well under a second.
EXAMPLES = settings(max_examples=50, deadline=None)

type Parser = Callable[[object], object]

PARSERS: dict[str, Parser] = {
    "MediaItem": MediaItem.from_dict,
    "WatchlistPage": WatchlistPage.from_dict,
    "SearchResult": SearchResult.from_dict,
    "SearchResults": SearchResult.list_from_dict,
    "UserState": UserState.from_dict,
}
media_values = st.one_of(
    plausible_values,
    st.dates().map(date.isoformat),
    st.just(item_json()),
    st.just([item_json()]),
    st.sampled_from(["movie", "show", "external", "plex", "5d776be17a53e9001e732ab9"]),
)


def _real(name: str) -> dict[str, object]:
    """Return the object that holds the fields of a real answer, for mutating."""
    if name == "WatchlistPage":
        return {"offset": 0, "totalSize": 1, "size": 1, "Metadata": [item_json()]}
    if name == "SearchResult":
        return {"score": 0.9, "Metadata": item_json()}
    if name == "SearchResults":
        return {"id": "external", "SearchResult": [{"Metadata": item_json()}]}
    if name == "UserState":
        return {"viewCount": 2, "viewState": "complete", "watchlistedAt": 1764000000}
    return item_json()


def _wrap(name: str, fields: dict[str, object]) -> object:
    """Put mutated fields back where the parser looks for them."""
    if name == "WatchlistPage":
        return {"MediaContainer": fields}
    if name == "SearchResults":
        return {"MediaContainer": {"SearchResults": [fields]}}
    if name == "UserState":
        return {"MediaContainer": {"UserState": fields}}
    return fields


def _check(name: str, data: object) -> None:
    """Parse and accept only a result or PlexResponseError; datetimes must be aware."""
    try:
        result = PARSERS[name](data)
    except PlexResponseError:
        return
    results = result if isinstance(result, list) else [result]
    for parsed in results:
        slots: tuple[str, ...] = getattr(type(parsed), "__slots__", ())
        for slot in slots:
            value = getattr(parsed, slot)
            if isinstance(value, datetime):
                assert value.utcoffset() is not None


@pytest.mark.parametrize("name", PARSERS)
@given(data=json_values)
@EXAMPLES
def test_arbitrary_json(name: str, data: object) -> None:
    """Arbitrary JSON values never raise anything but PlexResponseError."""
    _check(name, data)


@pytest.mark.parametrize("name", PARSERS)
@given(data=st.data())
@EXAMPLES
def test_mutated_real_answers(name: str, data: st.DataObject) -> None:
    """A real answer with some fields replaced or removed parses or fails cleanly."""
    base = _real(name)
    names = list(base)
    replaced = data.draw(st.dictionaries(st.sampled_from(names), media_values, max_size=4))
    removed = data.draw(st.sets(st.sampled_from(names), max_size=3))
    mutated = {key: value for key, value in (base | replaced).items() if key not in removed}
    _check(name, _wrap(name, mutated))


@given(entries=st.lists(st.one_of(st.just(item_json()), media_values), max_size=5))
@EXAMPLES
def test_page_counts_every_entry(entries: list[object]) -> None:
    """A page that parses counts all its entries, and keeps only readable items."""
    try:
        page = WatchlistPage.from_dict(page_json(entries))
    except PlexResponseError:
        return
    assert page.entries == len(entries)
    assert len(page.items) <= len(entries)
    assert all(isinstance(item, MediaItem) for item in page.items)
