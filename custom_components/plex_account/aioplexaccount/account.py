"""Typed models of plex.tv's answers: pins, the account, and its resources."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Self
from xml.etree import ElementTree as ET

from .exceptions import PlexResponseError
from .fields import Fields, readable


@dataclass(frozen=True, slots=True, kw_only=True)
class Pin:
    """A plex.tv pin: the code the user enters, and later the token it yields."""

    id: int
    code: str
    client_identifier: str
    product: str | None = None
    trusted: bool = False
    qr: str | None = None
    expires_in: int | None = None
    created_at: datetime | None = None
    expires_at: datetime
    auth_token: str | None = field(default=None, repr=False)
    new_registration: bool | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a pin from plex.tv's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "pin")
        # An empty token is as good as none: the pin is not approved yet.
        auth_token = read.optional_str("authToken") or None
        return cls(
            id=read.required_int("id"),
            code=read.required_str("code"),
            client_identifier=read.required_str("clientIdentifier"),
            product=read.optional_str("product"),
            trusted=read.flag("trusted"),
            qr=read.optional_str("qr"),
            expires_in=read.optional_int("expiresIn"),
            created_at=read.optional_datetime("createdAt"),
            expires_at=read.required_datetime("expiresAt"),
            auth_token=auth_token,
            new_registration=read.optional_bool("newRegistration"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """The account's Plex Pass subscription; inactive when plex.tv sends none."""

    active: bool = False
    status: str | None = None
    plan: str | None = None
    features: frozenset[str] = frozenset()
    subscribed_at: datetime | None = None
    payment_service: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a subscription from plex.tv's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "subscription")
        return cls(
            active=read.flag("active"),
            status=read.optional_str("status"),
            plan=read.optional_str("plan"),
            features=read.strings("features"),
            subscribed_at=read.optional_datetime("subscribedAt"),
            payment_service=read.optional_str("paymentService"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """The signed-in plex.tv account."""

    id: int
    uuid: str
    username: str
    email: str | None = field(default=None, repr=False)
    title: str | None = None
    friendly_name: str | None = None
    thumb: str | None = None
    country: str | None = None
    locale: str | None = None
    home: bool = False
    home_admin: bool = False
    home_size: int | None = None
    guest: bool = False
    restricted: bool = False
    two_factor_enabled: bool = False
    joined_at: datetime | None = None
    subscription: Subscription = field(default_factory=Subscription)
    roles: frozenset[str] = frozenset()
    entitlements: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build an account from plex.tv's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "account")
        subscription = read.value("subscription")
        return cls(
            id=read.required_int("id"),
            uuid=read.required_str("uuid"),
            username=read.required_str("username"),
            email=read.optional_str("email"),
            title=read.optional_str("title"),
            friendly_name=read.optional_str("friendlyName"),
            thumb=read.optional_str("thumb"),
            country=read.optional_str("country"),
            locale=read.optional_str("locale"),
            home=read.flag("home"),
            home_admin=read.flag("homeAdmin"),
            home_size=read.optional_int("homeSize"),
            guest=read.flag("guest"),
            restricted=read.flag("restricted"),
            two_factor_enabled=read.flag("twoFactorEnabled"),
            joined_at=read.optional_datetime("joinedAt"),
            subscription=(
                Subscription() if subscription is None else Subscription.from_dict(subscription)
            ),
            roles=read.strings("roles"),
            entitlements=read.strings("entitlements"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """One way to reach a resource."""

    protocol: str
    address: str
    port: int
    uri: str
    local: bool = False
    relay: bool = False
    ipv6: bool = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a connection from plex.tv's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "connection")
        return cls(
            protocol=read.required_str("protocol"),
            address=read.required_str("address"),
            port=read.required_int("port"),
            uri=read.required_str("uri"),
            local=read.flag("local"),
            relay=read.flag("relay"),
            ipv6=read.flag("IPv6"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """A device on the account: a server, a player, a controller..."""

    name: str
    client_identifier: str
    product: str | None = None
    product_version: str | None = None
    platform: str | None = None
    platform_version: str | None = None
    device: str | None = None
    provides: frozenset[str] = frozenset()
    owned: bool = False
    owner_id: int | None = None
    source_title: str | None = None
    presence: bool = False
    last_seen_at: datetime | None = None
    created_at: datetime | None = None
    access_token: str | None = field(default=None, repr=False)
    public_address: str | None = field(default=None, repr=False)
    home: bool = False
    relay: bool = False
    https_required: bool = False
    connections: tuple[Connection, ...] = ()

    @property
    def is_server(self) -> bool:
        """Return whether the resource is a Plex Media Server."""
        return "server" in self.provides

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a resource from plex.tv's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "resource")
        return cls(
            name=read.required_str("name"),
            client_identifier=read.required_str("clientIdentifier"),
            product=read.optional_str("product"),
            product_version=read.optional_str("productVersion"),
            platform=read.optional_str("platform"),
            platform_version=read.optional_str("platformVersion"),
            device=read.optional_str("device"),
            provides=read.comma_list("provides"),
            owned=read.flag("owned"),
            owner_id=read.optional_int("ownerId"),
            source_title=read.optional_str("sourceTitle"),
            presence=read.flag("presence"),
            last_seen_at=read.optional_datetime("lastSeenAt"),
            created_at=read.optional_datetime("createdAt"),
            access_token=read.optional_str("accessToken"),
            public_address=read.optional_str("publicAddress"),
            home=read.flag("home"),
            relay=read.flag("relay"),
            https_required=read.flag("httpsRequired"),
            # One connection plex.tv garbled must not hide the server's good ones.
            connections=tuple(
                readable(
                    read.objects("connections"),
                    Connection.from_dict,
                    "connection",
                    at_least_one=False,
                )
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Resources:
    """The account's resources as plex.tv listed them: those read, and those it garbled."""

    resources: tuple[Resource, ...] = ()
    unreadable: frozenset[str] = frozenset()
    """The clientIdentifier of each entry that could not be read (when that much could be)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """A device signed in to the account, as plex.tv's list of authorized devices has it.

    plex.tv lists each device with its token and addresses: they are never read into it.
    """

    id: int
    """plex.tv's number of the sign-in: what revoking it takes."""
    client_identifier: str
    name: str | None = None
    product: str | None = None
    product_version: str | None = None
    platform: str | None = None
    platform_version: str | None = None
    device: str | None = None
    provides: frozenset[str] = frozenset()
    created_at: datetime | None = None
    last_seen_at: datetime | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a device from one `Device` element's attributes, raising PlexResponseError."""
        read = Fields(data, "device")
        return cls(
            id=read.required_int("id"),
            client_identifier=read.non_empty_str("clientIdentifier"),
            name=read.optional_str("name") or None,
            product=read.optional_str("product") or None,
            product_version=read.optional_str("productVersion") or None,
            platform=read.optional_str("platform") or None,
            platform_version=read.optional_str("platformVersion") or None,
            device=read.optional_str("device") or None,
            provides=read.comma_list("provides"),
            created_at=read.optional_epoch("createdAt"),
            last_seen_at=read.optional_epoch("lastSeenAt"),
        )


# A device's secrets and whereabouts, in plex.tv's list: never read into a Device.
_UNREAD_ATTRIBUTES: Final = frozenset({"token", "publicAddress"})


def parse_devices(body: bytes) -> list[Device]:
    """Read plex.tv's XML list of authorized devices, leaving every token out.

    An entry that cannot be read is skipped; if there are entries and none can be read, or
    the answer is not plex.tv's XML, PlexResponseError.
    """
    # plex.tv declares no document type: one that does is no answer of plex.tv's, and its
    # entities could make a small answer huge.
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        msg = "devices: the answer declares a document type"
        raise PlexResponseError(msg)
    try:
        root = ET.fromstring(body)  # noqa: S314 (no DTD: checked above)
    except ET.ParseError as err:
        msg = "devices: the answer is not XML"
        raise PlexResponseError(msg) from err
    if root.tag != "MediaContainer":
        msg = "devices: expected a MediaContainer"
        raise PlexResponseError(msg)
    entries: list[object] = [
        {key: value for key, value in element.attrib.items() if key not in _UNREAD_ATTRIBUTES}
        for element in root.findall("Device")
    ]
    root.clear()
    return readable(entries, Device.from_dict, "devices")
