"""Property tests: whatever JSON Plex sends, parsing gives models or PlexResponseError."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

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


def in_container(fields: dict[str, Any]) -> object:
    """Return a server's (or discover's) answer whose MediaContainer holds the fields."""
    return {"MediaContainer": fields}


def user_state(fields: dict[str, Any]) -> object:
    """Return an answer of GET .../userState holding the fields."""
    return in_container({"UserState": fields})


def notification(value: object) -> object:
    """Parse a websocket message: text as it came, anything else as its JSON."""
    return parse_notification(value if isinstance(value, str) else json.dumps(value))


HITS = [{"score": 1, "Metadata": item_json()}]
# Each parser, how a real answer's fields are wrapped, and the fields of a real answer.
type Parser = tuple[Callable[[Any], object], Callable[[dict[str, Any]], object], dict[str, Any]]
PARSERS: dict[str, Parser] = {
    "pin": (Pin.from_dict, dict, pin_json()),
    "account": (Account.from_dict, dict, account_json()),
    "subscription": (Subscription.from_dict, dict, account_json()["subscription"]),
    "connection": (Connection.from_dict, dict, connection_json()),
    "resource": (Resource.from_dict, dict, resource_json()),
    "item": (MediaItem.from_dict, dict, item_json()),
    "page": (WatchlistPage.from_dict, in_container, page_json([item_json()])["MediaContainer"]),
    "search": (SearchResult.list_from_dict, search_json, {"id": "external", "SearchResult": HITS}),
    "user state": (UserState.from_dict, user_state, {"viewCount": 2, "watchlistedAt": 1764000000}),
    "sessions": (Session.list_from_dict, sessions_json, movie_json()),
    "identity": (ServerIdentity.from_dict, in_container, {"machineIdentifier": 1, "claimed": "1"}),
    "notification": (notification, playing_json, play_state()),
}


@pytest.mark.parametrize("name", PARSERS)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_answer(name: str, data: st.DataObject) -> None:
    """Any JSON, or a real answer with fields replaced or removed, is a model or a response error.

    Never another exception, never an error that echoes a value, never a naive datetime.
    """
    parse, wrap, real = PARSERS[name]
    keys = st.sampled_from(sorted(real))
    replaced = data.draw(st.dictionaries(keys, json_values, max_size=4))
    removed = data.draw(st.sets(keys, max_size=3))
    mangled = wrap({key: value for key, value in (real | replaced).items() if key not in removed})
    try:
        result = parse(data.draw(st.just(mangled) | json_values))
    except PlexResponseError as err:
        result = err
    assert not isinstance(result, PlexResponseError) or SECRET not in str(result)
    for parsed in result if isinstance(result, list) else [result]:
        for slot in getattr(type(parsed), "__slots__", ()):
            value = getattr(parsed, slot)
            assert not isinstance(value, datetime) or value.utcoffset() is not None
