"""Reading Plex's answers into models: plex.tv's and discover's, and by property every parser."""

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
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
    GIANT,
    JSON,
    account_json,
    connection,
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

SECRET = "secret-value-1f2e"  # noqa: S105 - a value no error message may show


def hit_json(**changes: object) -> JSON:
    """Return one hit of a catalogue search (with no score, unless changed)."""
    return {"Metadata": item_json()} | changes


def user_state(state: object) -> JSON:
    """Return an answer of GET .../userState holding the state."""
    return {"MediaContainer": {"UserState": state}}


type Parse = Callable[[object], object]


def test_pin() -> None:
    """A pin is read whole; its token is hidden from repr; an empty token is no token."""
    pin = Pin.from_dict(pin_json(authToken=SECRET, trusted=True, newRegistration=False))
    assert pin == Pin(
        id=1234567,
        code="7RQZ",
        client_identifier="0b8a1b9e",
        product="Home Assistant",
        trusted=True,
        qr="https://plex.tv/api/v2/pins/qr/7RQZ",
        expires_in=900,
        created_at=datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
        expires_at=datetime(2025, 1, 1, 12, 15, tzinfo=UTC),
        auth_token=SECRET,
        new_registration=False,
    )
    assert SECRET not in repr(pin)
    assert Pin.from_dict(pin_json(authToken="")).auth_token is None
    minimal = Pin.from_dict({"id": "1", "code": "A", "clientIdentifier": "c", "expiresAt": 0})
    assert minimal == Pin(
        id=1, code="A", client_identifier="c", expires_at=datetime(1970, 1, 1, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-01T12:00:00.123Z", datetime(2025, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)),
        ("2025-01-01T12:00:00", datetime(2025, 1, 1, 12, tzinfo=UTC)),
        (
            "2025-01-01T14:00:00+02:00",
            datetime(2025, 1, 1, 14, tzinfo=timezone(timedelta(hours=2))),
        ),
        (" 2019-04-26 12:31:02 UTC ", datetime(2019, 4, 26, 12, 31, 2, tzinfo=UTC)),
        ("2019-04-26 12:31:02 GMT", datetime(2019, 4, 26, 12, 31, 2, tzinfo=UTC)),
        (1735732800.5, datetime(2025, 1, 1, 12, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps(value: object, expected: datetime) -> None:
    """ISO 8601 text and epoch seconds are aware datetimes; one without an offset is UTC."""
    assert Pin.from_dict(pin_json(createdAt=value)).created_at == expected


def test_account() -> None:
    """An account is read whole, unknown fields ignored; repr hides the e-mail and the token."""
    data = account_json()
    account = Account.from_dict(data)
    assert account == Account(
        id=42,
        uuid="a1b2c3d4e5",
        username="plexfan",
        email="someone@example.com",
        title="Plex Fan",
        friendly_name="Fan",
        thumb="https://plex.tv/users/a1b2c3d4e5/avatar",
        country="NL",
        locale="nl",
        home=True,
        home_admin=True,
        home_size=3,
        two_factor_enabled=True,
        joined_at=datetime(2019, 5, 4, 10, 11, 12, tzinfo=UTC),
        subscription=Subscription(
            active=True,
            status="Active",
            plan="lifetime",
            features=frozenset({"webhooks", "hardware_transcoding"}),
            subscribed_at=datetime(2020, 2, 2, 2, 2, 2, tzinfo=UTC),
            payment_service="braintree",
        ),
        roles=frozenset({"plexpass"}),
        entitlements=frozenset({"all"}),
    )
    assert data["email"] not in repr(account)
    assert data["authToken"] not in repr(account)
    for subscription in (None, {}):
        bare = {"id": 1, "uuid": "u", "username": "", "subscription": subscription}
        assert Account.from_dict(bare) == Account(id=1, uuid="u", username="")


def test_resource() -> None:
    """A resource is read whole: provides split, its token and address hidden from repr."""
    resource = Resource.from_dict(resource_json())
    assert resource == Resource(
        name="Media",
        client_identifier="server-1",
        product="Plex Media Server",
        product_version="1.41.3.9314",
        platform="Linux",
        platform_version="6.1",
        device="PC",
        provides=frozenset({"server", "player", "client"}),
        owned=True,
        presence=True,
        last_seen_at=datetime(2025, 1, 1, 11, 59, tzinfo=UTC),
        created_at=datetime(2021, 3, 3, 3, 3, 3, tzinfo=UTC),
        access_token="server-token-99ab",  # noqa: S106 - a test token
        public_address="203.0.113.7",
        relay=True,
        https_required=True,
        connections=(
            connection(
                "https://192-168-1-10.abc.plex.direct:32400", address="192.168.1.10", local=True
            ),
            connection("https://203-0-113-7.plex:32400", address="203.0.113.7"),
        ),
    )
    assert resource.is_server
    assert "server-token-99ab" not in repr(resource)
    assert "public_address" not in repr(resource)
    bare = Resource.from_dict({"name": "Phone", "clientIdentifier": "p1"})
    assert bare == Resource(name="Phone", client_identifier="p1")
    assert not bare.is_server


@pytest.mark.parametrize(
    "bad", [connection_json(port="abc"), None, connection_json(uri=None), "https://x"]
)
def test_resource_keeps_its_readable_connections(bad: object) -> None:
    """One connection plex.tv garbled (a port sent as "abc") does not hide the good ones."""
    resource = Resource.from_dict(resource_json(connections=[bad, connection_json(IPv6=True)]))
    assert [(c.address, c.ipv6) for c in resource.connections] == [("192.168.1.10", True)]
    assert Resource.from_dict(resource_json(connections=[bad])).connections == ()


def test_media_item() -> None:
    """A catalogue item is read whole; a release date not understood is left out."""
    item = MediaItem.from_dict(item_json())
    assert item == MediaItem(
        rating_key="5d776be17a53e9001e732ab9",
        guid="plex://movie/5d776be17a53e9001e732ab9",
        type="movie",
        title="Dune",
        year=2021,
        summary="Paul Atreides travels to the most dangerous planet in the universe.",
        thumb="/library/metadata/5d776be17a53e9001e732ab9/thumb",
        original_title="Dune",
        originally_available_at=date(2021, 10, 22),
    )
    for value, expected in [("2021-10-22T00:00:00Z", date(2021, 10, 22)), ("soon", None)]:
        changed = item_json(originallyAvailableAt=value)
        assert MediaItem.from_dict(changed).originally_available_at == expected
    bare = {"ratingKey": "1", "type": "show", "title": "S"}
    assert MediaItem.from_dict(bare) == MediaItem(rating_key="1", type="show", title="S")


def test_watchlist_page() -> None:
    """A page counts its entries, readable or not, and keeps totalSize if it says it."""
    page = WatchlistPage.from_dict(page_json([item_json(), {"ratingKey": 1}], totalSize=7))
    assert ([item.title for item in page.items], page.entries, page.total_size) == (["Dune"], 2, 7)
    assert WatchlistPage.from_dict({"MediaContainer": {}}) == WatchlistPage()


def test_search_results() -> None:
    """The hits of the first "external" group, in order; other groups and bad hits left out."""
    data = search_json(
        {"id": "plex", "SearchResult": [hit_json()]},
        {"id": "external", "SearchResult": [hit_json(score=1), hit_json(score="x"), hit_json()]},
        {"id": "external", "SearchResult": [hit_json()]},
    )
    hits = SearchResult.list_from_dict(data)
    assert [(hit.score, hit.item.title) for hit in hits] == [(1.0, "Dune"), (None, "Dune")]
    assert SearchResult.list_from_dict(search_json()) == []
    assert SearchResult.list_from_dict(search_json({"id": "external"})) == []


def test_user_state() -> None:
    """A user state is read whole (an object, or a list of one); bare, it is nothing done."""
    data = {"viewCount": 2, "viewOffset": 1000, "viewState": "complete"}
    data |= {"watchlistedAt": 1764000000, "lastViewedAt": "2025-11-24T16:00:00Z"}
    state = UserState.from_dict(user_state(data))
    assert state == UserState(
        watchlisted_at=datetime.fromtimestamp(1764000000, UTC),
        view_count=2,
        view_offset=1000,
        view_state="complete",
        last_viewed_at=datetime(2025, 11, 24, 16, tzinfo=UTC),
    )
    assert state.on_watchlist
    bare = UserState.from_dict(user_state([{}]))
    assert (bare, bare.on_watchlist) == (UserState(), False)


# For each model, the fields that fail it with these values.
BAD_FIELDS: list[tuple[Parse, Callable[..., JSON], dict[str, list[object]]]] = [
    (
        Pin.from_dict,
        pin_json,
        {
            "id": [True, GIANT, "12345678901234567890", 2**63],
            "code": [7],
            "trusted": ["yes", 2],
            "expiresIn": [False, "9e2", "²"],
            "createdAt": [SECRET, " UTC", True],
            "expiresAt": [None, 10**30, float("nan")],
            "newRegistration": ["no"],
        },
    ),
    (
        Account.from_dict,
        account_json,
        {
            "username": [None],
            "roles": [SECRET],
            "entitlements": [[1]],
            "subscription": [SECRET, {"features": [None]}],
        },
    ),
    (
        Resource.from_dict,
        resource_json,
        {
            "name": [None],
            "provides": [["server"]],
            "presence": ["maybe"],
            "connections": [{"uri": SECRET}],
        },
    ),
    (
        MediaItem.from_dict,
        item_json,
        {"ratingKey": [" ", 42], "year": [True], "originallyAvailableAt": [20211022]},
    ),
    (SearchResult.from_dict, hit_json, {"score": ["0.5", float("inf")]}),
]
OBJECTS = [Pin, Account, Resource, MediaItem, Connection, Subscription]


@pytest.mark.parametrize(
    ("parse", "data", "match"),
    [
        *[
            (parse, build(**{field: value}), field)
            for parse, build, fields in BAD_FIELDS
            for field, values in fields.items()
            for value in values
        ],
        *[
            (model.from_dict, data, "expected a JSON object")
            for model in OBJECTS
            for data in (None, [], SECRET, 1.5, True)
        ],
        (SearchResult.from_dict, hit_json(Metadata=[item_json()]), "media item"),
        (WatchlistPage.from_dict, page_json([], totalSize=-1), "totalSize"),
        (WatchlistPage.from_dict, page_json([{"ratingKey": SECRET}]), "none of the 1"),
        (WatchlistPage.from_dict, {"MediaContainer": {"Metadata": {}}}, "Metadata"),
        (SearchResult.list_from_dict, {"MediaContainer": {"SearchResults": "x"}}, "SearchResults"),
        (SearchResult.list_from_dict, search_json(None), "search group"),
        (
            SearchResult.list_from_dict,
            search_json({"id": "external", "SearchResult": [{}]}),
            "none",
        ),
        (UserState.from_dict, user_state({"viewCount": -1}), "viewCount"),
        (UserState.from_dict, user_state({"viewState": 1}), "viewState"),
        (UserState.from_dict, user_state([{}, {}]), "expected a JSON object"),
        (UserState.from_dict, {"MediaContainer": None}, "container"),
    ],
)
def test_malformed(parse: Parse, data: object, match: str) -> None:
    """A field of the wrong kind (or no object) fails the model, naming the field, not its value."""
    with pytest.raises(PlexResponseError, match=match) as caught:
        parse(data)
    assert SECRET not in str(caught.value)


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


def notification(value: object) -> object:
    """Parse a websocket message: text as it came, anything else as its JSON."""
    return parse_notification(value if isinstance(value, str) else json.dumps(value))


HITS = [hit_json(score=1)]
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
