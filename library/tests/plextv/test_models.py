"""Reading plex.tv's and Plex discover's answers into models."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from aioplexaccount import (
    Account,
    Connection,
    MediaItem,
    Pin,
    PlexResponseError,
    Resource,
    Resources,
    SearchResult,
    Subscription,
    UserState,
)
from aioplexaccount.discover import WatchlistPage

from library.tests.builders import (
    GIANT,
    JSON,
    account_json,
    connection_json,
    item_json,
    page_json,
    pin_json,
    resource_json,
    search_json,
)

SECRET = "secret-value-1f2e"  # noqa: S105 - a value no error message may show


def hit_json(**changes: object) -> JSON:
    """Return one hit of a catalogue search."""
    return {"score": 0.9, "Metadata": item_json()} | changes


def user_state_json(**changes: object) -> JSON:
    """Return the answer of GET /library/metadata/{ratingKey}/userState."""
    state = {"viewCount": 2, "viewOffset": 1000, "viewState": "complete"}
    return {"MediaContainer": {"UserState": state | changes}}


def without(data: JSON, key: str) -> JSON:
    """Return the data without one key."""
    return {name: value for name, value in data.items() if name != key}


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
    subscriptions: tuple[object, ...] = (None, {})
    for subscription in subscriptions:
        bare = Account.from_dict(
            {"id": 1, "uuid": "u", "username": "", "subscription": subscription}
        )
        assert bare == Account(id=1, uuid="u", username="")
        assert not bare.subscription.active


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
            Connection(
                protocol="https",
                address="192.168.1.10",
                port=32400,
                uri="https://192-168-1-10.abc.plex.direct:32400",
                local=True,
            ),
            Connection(
                protocol="https", address="203.0.113.7", port=32400, uri="https://203-0-113-7.plex"
            ),
        ),
    )
    assert resource.is_server
    assert "server-token-99ab" not in repr(resource)
    assert "public_address" not in repr(resource)
    bare = Resource.from_dict({"name": "Phone", "clientIdentifier": "p1"})
    assert bare == Resource(name="Phone", client_identifier="p1")
    assert not bare.is_server
    assert Resources() == Resources(resources=(), unreadable=frozenset())


@pytest.mark.parametrize(
    "bad", [connection_json(port="abc"), None, without(connection_json(), "uri"), "https://x"]
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
    for value, expected in [
        ("2021-10-22T00:00:00Z", date(2021, 10, 22)),
        ("soon", None),
        (None, None),
    ]:
        assert (
            MediaItem.from_dict(item_json(originallyAvailableAt=value)).originally_available_at
            == expected
        )
    assert MediaItem.from_dict({"ratingKey": "1", "type": "show", "title": "S"}) == MediaItem(
        rating_key="1", type="show", title="S"
    )


def test_watchlist_page() -> None:
    """A page counts its entries, readable or not, and keeps totalSize if it says it."""
    page = WatchlistPage.from_dict(page_json([item_json(), {"ratingKey": 1}], totalSize=7))
    assert ([item.title for item in page.items], page.entries, page.total_size) == (["Dune"], 2, 7)
    assert WatchlistPage.from_dict({"MediaContainer": {}}) == WatchlistPage()


def test_search_results() -> None:
    """The hits of the first "external" group, in order; other groups and bad hits left out."""
    data = search_json(
        {"id": "plex", "SearchResult": [hit_json()]},
        {
            "id": "external",
            "SearchResult": [hit_json(score=1), hit_json(score="high"), hit_json(score=None)],
        },
        {"id": "external", "SearchResult": [hit_json()]},
    )
    assert [(hit.score, hit.item.title) for hit in SearchResult.list_from_dict(data)] == [
        (1.0, "Dune"),
        (None, "Dune"),
    ]
    assert SearchResult.list_from_dict(search_json()) == []
    assert SearchResult.list_from_dict(search_json({"id": "external"})) == []


def test_user_state() -> None:
    """A user state is read whole (an object, or a list of one); bare, it is nothing done."""
    state = UserState.from_dict(
        user_state_json(watchlistedAt=1764000000, lastViewedAt="2025-11-24T16:00:00Z")
    )
    assert state == UserState(
        watchlisted_at=datetime.fromtimestamp(1764000000, UTC),
        view_count=2,
        view_offset=1000,
        view_state="complete",
        last_viewed_at=datetime(2025, 11, 24, 16, tzinfo=UTC),
    )
    assert state.on_watchlist
    bare = UserState.from_dict({"MediaContainer": {"UserState": [{}]}})
    assert (bare, bare.on_watchlist) == (UserState(), False)


type Parse = Callable[[object], object]


def in_container(key: str, **changes: object) -> JSON:
    """Return a discover answer whose MediaContainer holds the changes at `key`."""
    return {"MediaContainer": {key: changes}}


@pytest.mark.parametrize(
    ("parse", "data", "field"),
    [
        (Pin.from_dict, pin_json(id=True), "id"),
        (Pin.from_dict, pin_json(id=GIANT), "id"),
        (Pin.from_dict, pin_json(id="12345678901234567890"), "id"),
        (Pin.from_dict, pin_json(id=2**63), "id"),
        (Pin.from_dict, pin_json(code=7), "code"),
        (Pin.from_dict, pin_json(trusted="yes"), "trusted"),
        (Pin.from_dict, pin_json(trusted=2), "trusted"),
        (Pin.from_dict, pin_json(expiresIn=False), "expiresIn"),
        (Pin.from_dict, pin_json(expiresIn="9e2"), "expiresIn"),
        (Pin.from_dict, pin_json(expiresIn="²"), "expiresIn"),
        (Pin.from_dict, pin_json(createdAt=SECRET), "createdAt"),
        (Pin.from_dict, pin_json(createdAt=" UTC"), "createdAt"),
        (Pin.from_dict, pin_json(createdAt=True), "createdAt"),
        (Pin.from_dict, pin_json(expiresAt=None), "expiresAt"),
        (Pin.from_dict, pin_json(expiresAt=10**30), "expiresAt"),
        (Pin.from_dict, pin_json(expiresAt=float("nan")), "expiresAt"),
        (Pin.from_dict, pin_json(newRegistration="no"), "newRegistration"),
        (Account.from_dict, without(account_json(), "username"), "username"),
        (Account.from_dict, account_json(roles=SECRET), "roles"),
        (Account.from_dict, account_json(entitlements=[1]), "entitlements"),
        (Account.from_dict, account_json(subscription=SECRET), "subscription"),
        (Account.from_dict, account_json(subscription={"features": [None]}), "features"),
        (Resource.from_dict, without(resource_json(), "name"), "name"),
        (Resource.from_dict, resource_json(provides=["server"]), "provides"),
        (Resource.from_dict, resource_json(presence="maybe"), "presence"),
        (Resource.from_dict, resource_json(connections={"uri": SECRET}), "connections"),
        (MediaItem.from_dict, item_json(ratingKey=" "), "ratingKey"),
        (MediaItem.from_dict, item_json(ratingKey=42), "ratingKey"),
        (MediaItem.from_dict, item_json(year=True), "year"),
        (MediaItem.from_dict, item_json(originallyAvailableAt=20211022), "originallyAvailableAt"),
        (WatchlistPage.from_dict, page_json([], totalSize=-1), "totalSize"),
        (WatchlistPage.from_dict, page_json([{"ratingKey": SECRET}]), "none of the 1"),
        (WatchlistPage.from_dict, {"MediaContainer": {"Metadata": {}}}, "Metadata"),
        (SearchResult.from_dict, hit_json(score="0.5"), "score"),
        (SearchResult.from_dict, hit_json(score=float("inf")), "score"),
        (SearchResult.from_dict, hit_json(Metadata=[item_json()]), "media item"),
        (SearchResult.list_from_dict, {"MediaContainer": {"SearchResults": "x"}}, "SearchResults"),
        (SearchResult.list_from_dict, search_json(None), "search group"),
        (
            SearchResult.list_from_dict,
            search_json({"id": "external", "SearchResult": [{}]}),
            "none",
        ),
        (UserState.from_dict, in_container("UserState", viewCount=-1), "viewCount"),
        (UserState.from_dict, in_container("UserState", viewState=1), "viewState"),
        (
            UserState.from_dict,
            {"MediaContainer": {"UserState": [{}, {}]}},
            "expected a JSON object",
        ),
        (UserState.from_dict, {"MediaContainer": None}, "container"),
    ],
)
def test_malformed(parse: Parse, data: object, field: str) -> None:
    """A field of the wrong kind fails the model, naming the field but never its value."""
    with pytest.raises(PlexResponseError, match=field) as caught:
        parse(data)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "parse",
    [
        Pin.from_dict,
        Account.from_dict,
        Resource.from_dict,
        MediaItem.from_dict,
        Connection.from_dict,
        Subscription.from_dict,
    ],
)
@pytest.mark.parametrize("data", [None, [], SECRET, 1.5, True])
def test_not_an_object(parse: Parse, data: object) -> None:
    """Anything but a JSON object is malformed."""
    with pytest.raises(PlexResponseError, match="expected a JSON object") as caught:
        parse(data)
    assert SECRET not in str(caught.value)
