"""Property tests: whatever JSON Plex sends, parsing gives models or PlexResponseError."""

import json
from collections.abc import Callable
from datetime import datetime

import pytest
from aioplexaccount import (
    Account,
    Connection,
    MediaItem,
    Pin,
    PlexResponseError,
    Resource,
    SearchResult,
    ServerIdentity,
    Session,
    Subscription,
    UserState,
    parse_notification,
)
from aioplexaccount.discover import WatchlistPage
from hypothesis import given, settings
from hypothesis import strategies as st

from library.tests.builders import (
    account_json,
    connection_json,
    item_json,
    movie_json,
    page_json,
    pin_json,
    play_state,
    playing_json,
    resource_json,
    search_json,
    sessions_json,
)

SECRET = "secret-value-0123456789"  # noqa: S105 - stands for any value
EXAMPLES = settings(max_examples=60, deadline=None)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**30),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["1", "0", "true", "-3", " 7 ", "²", "", "2025-01-01T12:00:00Z", SECRET]),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
# Each parser, with a real answer whose fields are replaced, and where those fields live.
PARSERS: dict[
    str, tuple[Callable[[object], object], Callable[[dict[str, object]], object], dict[str, object]]
] = {
    "pin": (Pin.from_dict, dict, pin_json()),
    "account": (Account.from_dict, dict, account_json()),
    "subscription": (Subscription.from_dict, dict, account_json()["subscription"]),
    "connection": (Connection.from_dict, dict, connection_json()),
    "resource": (Resource.from_dict, dict, resource_json()),
    "item": (MediaItem.from_dict, dict, item_json()),
    "page": (
        WatchlistPage.from_dict,
        lambda fields: {"MediaContainer": fields},
        page_json([item_json()])["MediaContainer"],
    ),
    "search": (
        SearchResult.list_from_dict,
        search_json,
        {"id": "external", "SearchResult": [{"score": 1, "Metadata": item_json()}]},
    ),
    "user state": (
        UserState.from_dict,
        lambda fields: {"MediaContainer": {"UserState": fields}},
        {"viewCount": 2, "watchlistedAt": 1764000000},
    ),
    "sessions": (Session.list_from_dict, sessions_json, movie_json()),
    "identity": (
        ServerIdentity.from_dict,
        lambda fields: {"MediaContainer": fields},
        {"machineIdentifier": "m", "claimed": "1"},
    ),
    "notification": (
        lambda text: parse_notification(str(text)),
        lambda fields: json.dumps(playing_json(fields)),
        play_state(),
    ),
}


def parse(name: str, data: object) -> object:
    """Parse, and accept only a result or PlexResponseError that does not echo SECRET."""
    try:
        result = PARSERS[name][0](data)
    except PlexResponseError as err:
        result = err
    if isinstance(result, PlexResponseError):
        assert SECRET not in str(result)
        return None
    for parsed in result if isinstance(result, list) else [result]:
        for slot in getattr(type(parsed), "__slots__", ()):
            value = getattr(parsed, slot)
            assert not isinstance(value, datetime) or value.utcoffset() is not None
    return result


@pytest.mark.parametrize("name", PARSERS)
@EXAMPLES
@given(data=json_values)
def test_any_json(name: str, data: object) -> None:
    """Any JSON value is a model or a response error, never another exception."""
    parse(name, json.dumps(data) if name == "notification" else data)


@pytest.mark.parametrize("name", PARSERS)
@EXAMPLES
@given(data=st.data())
def test_real_answers_mangled(name: str, data: st.DataObject) -> None:
    """A real answer with fields replaced or removed is a model or a response error."""
    _, wrap, real = PARSERS[name]
    keys = st.sampled_from(sorted(real))
    replaced = data.draw(st.dictionaries(keys, json_values, max_size=4))
    removed = data.draw(st.sets(keys, max_size=3))
    parse(
        name, wrap({key: value for key, value in (real | replaced).items() if key not in removed})
    )
