"""Parsing Plex's catalogue items, watchlist pages, search hits and user state."""

from datetime import UTC, date, datetime

import pytest

from aioplexaccount import (
    MediaItem,
    PlexResponseError,
    SearchResult,
    UserState,
)
from aioplexaccount import WatchlistPage

SECRET = "secret-value-1f2e"  # noqa: S105 - a value no error message may show


def item_json(**overrides: object) -> dict[str, object]:
    """Return a Metadata object as the discover host sends it."""
    return {
        "ratingKey": "5d776be17a53e9001e732ab9",
        "key": "/library/metadata/5d776be17a53e9001e732ab9",
        "guid": "plex://movie/5d776be17a53e9001e732ab9",
        "type": "movie",
        "title": "Dune",
        "originalTitle": "Dune",
        "year": 2021,
        "originallyAvailableAt": "2021-10-22",
        "summary": "Paul Atreides travels to the most dangerous planet in the universe.",
        "thumb": "/library/metadata/5d776be17a53e9001e732ab9/thumb",
        "watchlistedAt": 1764000000,
    } | overrides


def page_json(entries: list[object], **overrides: object) -> dict[str, object]:
    """Return a watchlist page."""
    inner: dict[str, object] = {
        "offset": 0,
        "totalSize": len(entries),
        "size": len(entries),
        "Metadata": entries,
    }
    return {"MediaContainer": inner | overrides}


def search_json(hits: list[object]) -> dict[str, object]:
    """Return a search answer with its external hits."""
    return {"MediaContainer": {"SearchResults": [{"id": "external", "SearchResult": hits}]}}


def user_state_json(**overrides: object) -> dict[str, object]:
    """Return a user state answer."""
    state: dict[str, object] = {
        "ratingKey": "5d776be17a53e9001e732ab9",
        "type": "movie",
        "viewCount": 2,
        "viewOffset": 1000,
        "viewState": "complete",
        "lastViewedAt": 1764000500,
        "watchlistedAt": 1764000000,
    }
    return {"MediaContainer": {"UserState": state | overrides}}


def test_media_item() -> None:
    """Every field is read; unknown fields are ignored."""
    item = MediaItem.from_dict(item_json())
    assert item.rating_key == "5d776be17a53e9001e732ab9"
    assert item.guid == "plex://movie/5d776be17a53e9001e732ab9"
    assert item.guid.rpartition("/")[2] == item.rating_key
    assert (item.type, item.title, item.year) == ("movie", "Dune", 2021)
    assert item.original_title == "Dune"
    assert item.originally_available_at == date(2021, 10, 22)
    assert item.thumb == "/library/metadata/5d776be17a53e9001e732ab9/thumb"


def test_media_item_minimal() -> None:
    """Only ratingKey, type and title are required."""
    item = MediaItem.from_dict({"ratingKey": "1", "type": "show", "title": "Severance"})
    assert item == MediaItem(rating_key="1", type="show", title="Severance")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-10-22", date(2021, 10, 22)),
        ("2021-10-22T00:00:00Z", date(2021, 10, 22)),
        (" 2021-10-22 ", date(2021, 10, 22)),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_release_date(value: object, expected: date | None) -> None:
    """A release date in a form not understood is left out, not fatal."""
    item = MediaItem.from_dict(item_json(originallyAvailableAt=value))
    assert item.originally_available_at == expected


@pytest.mark.parametrize(
    "overrides",
    [
        {"ratingKey": None},
        {"ratingKey": ""},
        {"ratingKey": " "},
        {"ratingKey": 42},
        {"type": None},
        {"title": None},
        {"year": "2021"},
        {"year": True},
        {"originallyAvailableAt": 20211022},
        {"guid": 1},
    ],
)
def test_media_item_malformed(overrides: dict[str, object]) -> None:
    """A malformed item is a response error whose message shows no value."""
    data = item_json(
        **{key: SECRET if value is None else value for key, value in overrides.items()}
    )
    data.update(overrides)
    with pytest.raises(PlexResponseError) as err:
        MediaItem.from_dict(data)
    assert SECRET not in str(err.value)
    assert "media item" in str(err.value)


@pytest.mark.parametrize("data", [None, [], "x", 1])
def test_media_item_not_an_object(data: object) -> None:
    """A value that is not an object is a response error."""
    with pytest.raises(PlexResponseError, match="expected a JSON object"):
        MediaItem.from_dict(data)


def test_watchlist_page() -> None:
    """A page counts its entries, readable or not, and keeps totalSize."""
    page = WatchlistPage.from_dict(page_json([item_json(), {"ratingKey": 1}], totalSize=7))
    assert [item.title for item in page.items] == ["Dune"]
    assert page.entries == 2
    assert page.total_size == 7
    empty = WatchlistPage.from_dict({"MediaContainer": {}})
    assert (empty.items, empty.entries, empty.total_size) == ((), 0, None)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"MediaContainer": None},
        page_json([], totalSize=-1),
        page_json([], totalSize="3"),
        page_json([{"ratingKey": SECRET}]),
        {"MediaContainer": {"Metadata": {"ratingKey": "1"}}},
    ],
)
def test_watchlist_page_malformed(data: object) -> None:
    """A page that cannot be read is a response error."""
    with pytest.raises(PlexResponseError) as err:
        WatchlistPage.from_dict(data)
    assert SECRET not in str(err.value)


def test_search_result() -> None:
    """A hit has a score (any finite number) and an item."""
    result = SearchResult.from_dict({"score": 1, "Metadata": item_json()})
    assert result.score == 1.0
    assert isinstance(result.score, float)
    assert result.item.title == "Dune"
    assert SearchResult.from_dict({"Metadata": item_json()}).score is None


@pytest.mark.parametrize(
    "data",
    [
        {"score": "0.5", "Metadata": item_json()},
        {"score": True, "Metadata": item_json()},
        {"score": float("nan"), "Metadata": item_json()},
        {"score": float("inf"), "Metadata": item_json()},
        {"score": 0.5},
        {"score": 0.5, "Metadata": [item_json()]},
    ],
)
def test_search_result_malformed(data: object) -> None:
    """A malformed hit is a response error."""
    with pytest.raises(PlexResponseError):
        SearchResult.from_dict(data)


def test_search_results() -> None:
    """The external group's hits, in order; other groups and bad hits are left out."""
    data = {
        "MediaContainer": {
            "SearchResults": [
                {"id": "plex", "SearchResult": [{"Metadata": item_json(title="Local")}]},
                {
                    "id": "external",
                    "SearchResult": [
                        {"score": 0.9, "Metadata": item_json(title="First")},
                        {"score": 0.8, "Metadata": {}},
                        {"score": 0.7, "Metadata": item_json(title="Second")},
                    ],
                },
                {"id": "external", "SearchResult": [{"Metadata": item_json(title="Later")}]},
            ]
        }
    }
    results = SearchResult.list_from_dict(data)
    assert [(result.score, result.item.title) for result in results] == [
        (0.9, "First"),
        (0.7, "Second"),
    ]
    assert SearchResult.list_from_dict({"MediaContainer": {}}) == []
    assert SearchResult.list_from_dict(search_json([])) == []


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"MediaContainer": {"SearchResults": "x"}},
        {"MediaContainer": {"SearchResults": [None]}},
        search_json([{"Metadata": {"title": SECRET}}]),
        search_json([None, "x"]),
    ],
)
def test_search_results_malformed(data: object) -> None:
    """A search answer that cannot be read is a response error."""
    with pytest.raises(PlexResponseError) as err:
        SearchResult.list_from_dict(data)
    assert SECRET not in str(err.value)


def test_user_state() -> None:
    """Every field is read; epoch seconds become aware datetimes."""
    state = UserState.from_dict(user_state_json())
    assert state.on_watchlist
    assert state.watchlisted_at == datetime.fromtimestamp(1764000000, UTC)
    assert state.last_viewed_at == datetime.fromtimestamp(1764000500, UTC)
    assert (state.view_count, state.view_offset, state.view_state) == (2, 1000, "complete")


def test_user_state_defaults() -> None:
    """A bare user state: not on the watchlist, never watched."""
    state = UserState.from_dict({"MediaContainer": {"UserState": [{}]}})
    assert state == UserState()
    assert not state.on_watchlist
    assert state.view_count == 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"MediaContainer": {}},
        {"MediaContainer": {"UserState": []}},
        {"MediaContainer": {"UserState": [{}, {}]}},
        user_state_json(viewCount=-1),
        user_state_json(viewCount="2"),
        user_state_json(watchlistedAt=SECRET),
        user_state_json(viewState=1),
    ],
)
def test_user_state_malformed(data: object) -> None:
    """A user state that cannot be read is a response error."""
    with pytest.raises(PlexResponseError) as err:
        UserState.from_dict(data)
    assert SECRET not in str(err.value)
