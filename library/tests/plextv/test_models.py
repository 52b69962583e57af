"""Tests for parsing plex.tv's answers into models."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from aioplexaccount import (
    Account,
    Connection,
    Pin,
    PlexResponseError,
    Resource,
    Subscription,
)

TOKEN = "pin-token-7c1e0f"  # noqa: S105
SERVER_TOKEN = "server-token-99ab"  # noqa: S105
EMAIL = "someone@example.com"
PUBLIC_ADDRESS = "203.0.113.7"


def pin_json(**overrides: object) -> dict[str, object]:
    """Return a pin as plex.tv sends it."""
    return {
        "id": 1234567,
        "code": "7RQZ",
        "product": "Home Assistant",
        "trusted": False,
        "qr": "https://plex.tv/api/v2/pins/qr/7RQZ",
        "clientIdentifier": "0b8a1b9e",
        "location": {"code": "NL", "country": "Netherlands", "city": "Amsterdam"},
        "expiresIn": 900,
        "createdAt": "2025-01-01T12:00:00Z",
        "expiresAt": "2025-01-01T12:15:00Z",
        "authToken": None,
        "newRegistration": None,
    } | overrides


def account_json(**overrides: object) -> dict[str, object]:
    """Return an account as plex.tv sends it."""
    return {
        "id": 42,
        "uuid": "a1b2c3d4e5",
        "username": "plexfan",
        "email": EMAIL,
        "title": "Plex Fan",
        "friendlyName": "Fan",
        "thumb": "https://plex.tv/users/a1b2c3d4e5/avatar",
        "country": "NL",
        "locale": "nl",
        "home": True,
        "homeAdmin": True,
        "homeSize": 3,
        "guest": False,
        "restricted": False,
        "twoFactorEnabled": True,
        "joinedAt": "2019-05-04T10:11:12Z",
        "subscription": {
            "active": True,
            "status": "Active",
            "plan": "lifetime",
            "features": ["webhooks", "hardware_transcoding"],
            "subscribedAt": "2020-02-02T02:02:02Z",
            "paymentService": "braintree",
        },
        "subscriptions": [],
        "entitlements": ["all"],
        "roles": ["plexpass"],
        "services": [],
        "authToken": TOKEN,
    } | overrides


def connection_json(**overrides: object) -> dict[str, object]:
    """Return a resource connection as plex.tv sends it."""
    return {
        "protocol": "https",
        "address": "192.168.1.10",
        "port": 32400,
        "uri": "https://192-168-1-10.abc.plex.direct:32400",
        "local": True,
        "relay": False,
        "IPv6": False,
    } | overrides


def resource_json(**overrides: object) -> dict[str, object]:
    """Return a server resource as plex.tv sends it."""
    return {
        "name": "Media",
        "product": "Plex Media Server",
        "productVersion": "1.41.3.9314",
        "platform": "Linux",
        "platformVersion": "6.1",
        "device": "PC",
        "clientIdentifier": "server-1",
        "createdAt": "2021-03-03T03:03:03Z",
        "lastSeenAt": "2025-01-01T11:59:00Z",
        "provides": "server,player, client,,",
        "ownerId": None,
        "sourceTitle": None,
        "publicAddress": PUBLIC_ADDRESS,
        "accessToken": SERVER_TOKEN,
        "owned": True,
        "home": False,
        "synced": False,
        "relay": True,
        "presence": True,
        "httpsRequired": True,
        "publicAddressMatches": True,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": False,
        "connections": [
            connection_json(),
            connection_json(
                address="203.0.113.7", local=False, uri="https://203-0-113-7.abc.plex.direct"
            ),
        ],
    } | overrides


def without(data: dict[str, object], key: str) -> dict[str, object]:
    """Return the data without one key."""
    return {name: value for name, value in data.items() if name != key}


def test_pin_pending() -> None:
    """A fresh pin parses, with aware timestamps and no token."""
    pin = Pin.from_dict(pin_json())
    assert pin == Pin(
        id=1234567,
        code="7RQZ",
        client_identifier="0b8a1b9e",
        product="Home Assistant",
        trusted=False,
        qr="https://plex.tv/api/v2/pins/qr/7RQZ",
        expires_in=900,
        created_at=datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
        expires_at=datetime(2025, 1, 1, 12, 15, tzinfo=UTC),
        auth_token=None,
        new_registration=None,
    )
    assert pin.expires_at.tzinfo is not None


def test_pin_approved() -> None:
    """An approved pin carries the token, which its repr hides."""
    pin = Pin.from_dict(pin_json(authToken=TOKEN, newRegistration=False, trusted=True))
    assert pin.auth_token == TOKEN
    assert pin.trusted
    assert pin.new_registration is False
    assert TOKEN not in repr(pin)
    assert "7RQZ" in repr(pin)


def test_pin_empty_token_is_not_approved() -> None:
    """An empty token string means the pin is not approved yet."""
    assert Pin.from_dict(pin_json(authToken="")).auth_token is None


def test_pin_minimal() -> None:
    """Only id, code, clientIdentifier and expiresAt are required."""
    pin = Pin.from_dict({"id": 1, "code": "ABCD", "clientIdentifier": "c", "expiresAt": 1735733700})
    assert pin.expires_at == datetime(2025, 1, 1, 12, 15, tzinfo=UTC)
    assert pin.product is None
    assert pin.qr is None
    assert pin.expires_in is None
    assert pin.created_at is None
    assert pin.trusted is False
    assert pin.new_registration is None


@pytest.mark.parametrize("key", ["id", "code", "clientIdentifier", "expiresAt"])
def test_pin_missing_required(key: str) -> None:
    """A pin without a required field is a response error naming the field."""
    with pytest.raises(PlexResponseError, match=key):
        Pin.from_dict(without(pin_json(), key))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id", "1234567"),
        ("id", True),
        ("id", 1.5),
        ("code", 7),
        ("clientIdentifier", None),
        ("product", 1),
        ("trusted", "yes"),
        ("trusted", 1),
        ("qr", ["x"]),
        ("expiresIn", "900"),
        ("expiresIn", False),
        ("createdAt", "yesterday"),
        ("createdAt", " UTC"),
        ("createdAt", "2019-04-26 12:31:02+02:00 UTC"),
        ("createdAt", True),
        ("createdAt", {}),
        ("expiresAt", None),
        ("expiresAt", "2025-13-01T00:00:00Z"),
        ("expiresAt", 10**30),
        ("expiresAt", float("nan")),
        ("authToken", 123),
        ("newRegistration", "no"),
    ],
)
def test_pin_wrong_types(key: str, value: object) -> None:
    """A field of the wrong type is a response error naming the field."""
    with pytest.raises(PlexResponseError, match=key):
        Pin.from_dict(pin_json(**{key: value}))


def test_error_does_not_echo_values() -> None:
    """Error messages name the field and type, never the value, which could be a secret."""
    with pytest.raises(PlexResponseError) as err:
        Pin.from_dict(pin_json(id=TOKEN))
    assert TOKEN not in str(err.value)
    assert "got str" in str(err.value)


@pytest.mark.parametrize("data", [None, [], "pin", 1, 1.5, True, [pin_json()]])
def test_pin_not_an_object(data: object) -> None:
    """Anything but a JSON object is a response error."""
    with pytest.raises(PlexResponseError, match="expected a JSON object"):
        Pin.from_dict(data)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-01T12:00:00Z", datetime(2025, 1, 1, 12, tzinfo=UTC)),
        ("2025-01-01T12:00:00.123Z", datetime(2025, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)),
        ("2025-01-01T12:00:00", datetime(2025, 1, 1, 12, tzinfo=UTC)),
        (
            "2025-01-01T14:00:00+02:00",
            datetime(2025, 1, 1, 14, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2019-04-26 12:31:02 UTC", datetime(2019, 4, 26, 12, 31, 2, tzinfo=UTC)),
        ("2019-04-26 12:31:02 GMT", datetime(2019, 4, 26, 12, 31, 2, tzinfo=UTC)),
        (" 2025-01-01T12:00:00Z ", datetime(2025, 1, 1, 12, tzinfo=UTC)),
        (1735732800, datetime(2025, 1, 1, 12, tzinfo=UTC)),
        (1735732800.5, datetime(2025, 1, 1, 12, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps(value: object, expected: datetime) -> None:
    """ISO 8601 strings and epoch seconds become aware datetimes; naive ones are UTC."""
    created_at = Pin.from_dict(pin_json(createdAt=value)).created_at
    assert created_at == expected
    assert created_at is not None
    assert created_at.utcoffset() is not None


def test_account() -> None:
    """A full account parses; unknown fields are ignored; repr hides the email."""
    account = Account.from_dict(account_json())
    assert account == Account(
        id=42,
        uuid="a1b2c3d4e5",
        username="plexfan",
        email=EMAIL,
        title="Plex Fan",
        friendly_name="Fan",
        thumb="https://plex.tv/users/a1b2c3d4e5/avatar",
        country="NL",
        locale="nl",
        home=True,
        home_admin=True,
        home_size=3,
        guest=False,
        restricted=False,
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
    text = repr(account)
    assert EMAIL not in text
    assert TOKEN not in text
    assert "plexfan" in text


def test_account_minimal() -> None:
    """Only id, uuid and username are required; the subscription defaults to inactive."""
    account = Account.from_dict({"id": 1, "uuid": "u", "username": ""})
    assert account.subscription == Subscription()
    assert account.subscription.active is False
    assert account.subscription.features == frozenset()
    assert account.email is None
    assert account.home is False
    assert account.roles == frozenset()
    assert account.entitlements == frozenset()
    assert account.joined_at is None


def test_account_null_subscription() -> None:
    """A null subscription is an inactive one."""
    assert Account.from_dict(account_json(subscription=None)).subscription == Subscription()


def test_subscription_empty() -> None:
    """An empty subscription object is inactive."""
    assert Subscription.from_dict({}) == Subscription()


@pytest.mark.parametrize("key", ["id", "uuid", "username"])
def test_account_missing_required(key: str) -> None:
    """An account without a required field is a response error."""
    with pytest.raises(PlexResponseError, match=key):
        Account.from_dict(without(account_json(), key))


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("id", "42", "id"),
        ("email", 1, "email"),
        ("homeAdmin", "true", "homeAdmin"),
        ("homeSize", "3", "homeSize"),
        ("joinedAt", "not a date", "joinedAt"),
        ("roles", "plexpass", "roles"),
        ("roles", [1], "roles"),
        ("entitlements", {"all": True}, "entitlements"),
        ("subscription", "active", "subscription"),
        ("subscription", {"active": "yes"}, "active"),
        ("subscription", {"features": [None]}, "features"),
        ("subscription", {"subscribedAt": []}, "subscribedAt"),
    ],
)
def test_account_wrong_types(key: str, value: object, match: str) -> None:
    """A field of the wrong type, also inside the subscription, is a response error."""
    with pytest.raises(PlexResponseError, match=match):
        Account.from_dict(account_json(**{key: value}))


def test_resource() -> None:
    """A server resource parses; provides is split; repr hides its token and address."""
    resource = Resource.from_dict(resource_json())
    assert resource.name == "Media"
    assert resource.client_identifier == "server-1"
    assert resource.product == "Plex Media Server"
    assert resource.product_version == "1.41.3.9314"
    assert resource.platform == "Linux"
    assert resource.platform_version == "6.1"
    assert resource.device == "PC"
    assert resource.provides == frozenset({"server", "player", "client"})
    assert resource.is_server
    assert resource.owned
    assert resource.owner_id is None
    assert resource.source_title is None
    assert resource.presence
    assert resource.last_seen_at == datetime(2025, 1, 1, 11, 59, tzinfo=UTC)
    assert resource.created_at == datetime(2021, 3, 3, 3, 3, 3, tzinfo=UTC)
    assert resource.access_token == SERVER_TOKEN
    assert resource.public_address == PUBLIC_ADDRESS
    assert not resource.home
    assert resource.relay
    assert resource.https_required
    assert resource.connections == (
        Connection(
            protocol="https",
            address="192.168.1.10",
            port=32400,
            uri="https://192-168-1-10.abc.plex.direct:32400",
            local=True,
            relay=False,
            ipv6=False,
        ),
        Connection(
            protocol="https",
            address="203.0.113.7",
            port=32400,
            uri="https://203-0-113-7.abc.plex.direct",
            local=False,
            relay=False,
            ipv6=False,
        ),
    )
    text = repr(resource)
    assert SERVER_TOKEN not in text
    assert "publicAddress" not in text
    assert "public_address" not in text
    assert "Media" in text


def test_resource_minimal_player() -> None:
    """Only name and clientIdentifier are required; a player is not a server."""
    resource = Resource.from_dict({"name": "Phone", "clientIdentifier": "p1", "provides": "player"})
    assert not resource.is_server
    assert resource.provides == frozenset({"player"})
    assert resource.connections == ()
    assert resource.access_token is None
    assert not resource.presence


def test_resource_shared() -> None:
    """A shared server names its owner."""
    resource = Resource.from_dict(
        resource_json(owned=False, ownerId=77, sourceTitle="friend", connections=None)
    )
    assert resource.owner_id == 77
    assert resource.source_title == "friend"
    assert resource.connections == ()


def test_resource_without_provides() -> None:
    """A missing or empty provides list means the resource provides nothing."""
    assert Resource.from_dict(without(resource_json(), "provides")).provides == frozenset()
    assert Resource.from_dict(resource_json(provides="")).provides == frozenset()


def test_connection_ipv6() -> None:
    """The IPv6 flag is read from plex.tv's capitalised key."""
    connection = Connection.from_dict(connection_json(IPv6=True, address="2001:db8::1"))
    assert connection.ipv6


@pytest.mark.parametrize("key", ["name", "clientIdentifier"])
def test_resource_missing_required(key: str) -> None:
    """A resource without a required field is a response error."""
    with pytest.raises(PlexResponseError, match=key):
        Resource.from_dict(without(resource_json(), key))


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("provides", ["server"], "provides"),
        ("ownerId", "77", "ownerId"),
        ("presence", "1", "presence"),
        ("accessToken", 5, "accessToken"),
        ("lastSeenAt", "soon", "lastSeenAt"),
        ("connections", {"uri": "x"}, "connections"),
        ("connections", [None], "connection"),
        ("connections", [connection_json(port="32400")], "port"),
        ("connections", [without(connection_json(), "uri")], "uri"),
        ("connections", [connection_json(IPv6="no")], "IPv6"),
    ],
)
def test_resource_wrong_types(key: str, value: object, match: str) -> None:
    """A field of the wrong type, also inside a connection, is a response error."""
    with pytest.raises(PlexResponseError, match=match):
        Resource.from_dict(resource_json(**{key: value}))


@pytest.mark.parametrize("key", ["protocol", "address", "port", "uri"])
def test_connection_missing_required(key: str) -> None:
    """A connection without a required field is a response error."""
    with pytest.raises(PlexResponseError, match=key):
        Connection.from_dict(without(connection_json(), key))
