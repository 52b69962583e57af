"""Typed models of what plex.tv answers."""

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import ClassVar, Final, Self

from .exceptions import PlexTVResponseError

_LOGGER = logging.getLogger(__name__)

_UTC_SUFFIXES: Final = (" UTC", " GMT")


def _kind(value: object) -> str:
    """Name a JSON value's type for an error message; values are never echoed (secrets)."""
    if value is None:
        return "null"
    return type(value).__name__


def _to_datetime(value: object) -> datetime | None:
    """Return an aware datetime from an ISO 8601 string or epoch seconds, or None if invalid."""
    if isinstance(value, str):
        text = value.strip()
        # subscribedAt comes as "2019-04-26 12:31:02 UTC", which fromisoformat refuses.
        for zone in _UTC_SUFFIXES:
            if text.endswith(zone):
                text = f"{text.removesuffix(zone).rstrip()}+00:00"
                break
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        # plex.tv sends UTC; a timestamp without an offset is taken as UTC, not local time.
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except OverflowError, OSError, ValueError:
            return None
    return None


class FieldReader:
    """Read typed fields from one JSON object, failing with `error` (PlexTVResponseError).

    A client of another Plex service (the server package) reads its answers with a subclass
    that raises its own error and reads its own dialect.
    """

    __slots__ = ("_data", "_model")

    error: ClassVar[type[Exception]] = PlexTVResponseError

    def __init__(self, data: object, model: str) -> None:
        """Keep a JSON object; anything else is malformed."""
        if not isinstance(data, dict):
            msg = f"{model}: expected a JSON object, got {_kind(data)}"
            raise self.error(msg)
        self._data: dict[object, object] = data
        self._model = model

    def _error(self, key: str, expected: str, value: object) -> Exception:
        return self.error(f"{self._model}: field {key!r} must be {expected}, got {_kind(value)}")

    def value(self, key: str) -> object:
        """Return a field as it came, or None."""
        return self._data.get(key)

    def required_str(self, key: str) -> str:
        """Read a string field that must be there."""
        value = self._data.get(key)
        if not isinstance(value, str):
            raise self._error(key, "a string", value)
        return value

    def optional_str(self, key: str) -> str | None:
        """Read a string field that may be missing or null."""
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._error(key, "a string or null", value)
        return value

    def required_int(self, key: str) -> int:
        """Read an integer field that must be there."""
        value = self._data.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._error(key, "an integer", value)
        return value

    def optional_int(self, key: str) -> int | None:
        """Read an integer field that may be missing or null."""
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._error(key, "an integer or null", value)
        return value

    def non_empty_str(self, key: str) -> str:
        """Read a string field that must be there and not blank."""
        value = self._data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self._error(key, "a non-empty string", value)
        return value

    def optional_count(self, key: str) -> int | None:
        """Read an integer that must not be negative, or None."""
        value = self.optional_int(key)
        if value is not None and value < 0:
            raise self._error(key, "a count", value)
        return value

    def optional_float(self, key: str) -> float | None:
        """Read a number field that may be missing or null."""
        value = self._data.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise self._error(key, "a finite number or null", value)
        return float(value)

    def optional_bool(self, key: str) -> bool | None:
        """Read a boolean field that may be missing or null."""
        value = self._data.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise self._error(key, "a boolean or null", value)

    def flag(self, key: str) -> bool:
        """Read a boolean that plex.tv may leave out; missing or null means False."""
        return self.optional_bool(key) or False

    def required_datetime(self, key: str) -> datetime:
        """Read a timestamp (ISO 8601 or epoch seconds) that must be there."""
        value = self._data.get(key)
        parsed = _to_datetime(value)
        if parsed is None:
            raise self._error(key, "an ISO 8601 timestamp or epoch seconds", value)
        return parsed

    def optional_datetime(self, key: str) -> datetime | None:
        """Read a timestamp that may be missing or null."""
        value = self._data.get(key)
        if value is None:
            return None
        return self.required_datetime(key)

    def strings(self, key: str) -> frozenset[str]:
        """Read a list of strings; missing or null means empty."""
        value = self._data.get(key)
        if value is None:
            return frozenset()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._error(key, "a list of strings", value)
        return frozenset(value)

    def comma_list(self, key: str) -> frozenset[str]:
        """Read a comma-separated string as a set; missing or null means empty."""
        value = self.optional_str(key)
        if value is None:
            return frozenset()
        return frozenset(part for item in value.split(",") if (part := item.strip()))

    def objects(self, key: str) -> list[object]:
        """Read a list of objects; missing or null means empty."""
        value = self._data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._error(key, "a list", value)
        return value


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
        """Build a pin from plex.tv's JSON, raising PlexTVResponseError if malformed."""
        read = FieldReader(data, "pin")
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
        """Build a subscription from plex.tv's JSON, raising PlexTVResponseError if malformed."""
        read = FieldReader(data, "subscription")
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
        """Build an account from plex.tv's JSON, raising PlexTVResponseError if malformed."""
        read = FieldReader(data, "account")
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
        """Build a connection from plex.tv's JSON, raising PlexTVResponseError if malformed."""
        read = FieldReader(data, "connection")
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
        """Build a resource from plex.tv's JSON, raising PlexTVResponseError if malformed."""
        read = FieldReader(data, "resource")
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
            connections=tuple(Connection.from_dict(item) for item in read.objects("connections")),
        )


def _optional_date(read: FieldReader, key: str) -> date | None:
    """Read a calendar date ("2021-10-22", or a timestamp whose date part is one).

    A value in a form not understood is left out rather than hiding the whole item.
    """
    value = read.optional_str(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _container(data: object, model: str) -> FieldReader:
    """Return the fields of the MediaContainer that wraps every discover and metadata answer."""
    return FieldReader(FieldReader(data, model).value("MediaContainer"), f"{model} container")


def _readable_items(entries: list[object], model: str) -> list[MediaItem]:
    """Parse the entries that can be read; raise only when there were some and none could be."""
    items: list[MediaItem] = []
    for index, entry in enumerate(entries):
        try:
            items.append(MediaItem.from_dict(entry))
        except PlexTVResponseError as err:
            _LOGGER.debug("Skipping %s entry %d: %s", model, index, err)
    if entries and not items:
        msg = f"{model}: none of the {len(entries)} entries could be read"
        raise PlexTVResponseError(msg)
    return items


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaItem:
    """A film, show or other title of Plex's catalogue (a `Metadata` object)."""

    rating_key: str
    """Plex's id of the item: the last part of its plex:// guid."""
    guid: str | None = None
    type: str
    title: str
    year: int | None = None
    summary: str | None = None
    thumb: str | None = None
    original_title: str | None = None
    originally_available_at: date | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build an item from Plex's `Metadata` JSON, raising PlexTVResponseError if malformed."""
        read = FieldReader(data, "media item")
        return cls(
            rating_key=read.non_empty_str("ratingKey"),
            guid=read.optional_str("guid"),
            type=read.required_str("type"),
            title=read.required_str("title"),
            year=read.optional_int("year"),
            summary=read.optional_str("summary"),
            thumb=read.optional_str("thumb"),
            original_title=read.optional_str("originalTitle"),
            originally_available_at=_optional_date(read, "originallyAvailableAt"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Watchlist:
    """The account's watchlist: its items in Plex's order, and the ETag to poll it with."""

    items: tuple[MediaItem, ...] = ()
    total_size: int = 0
    etag: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchlistPage:
    """One page of the watchlist, as GET /library/sections/watchlist/... answers it."""

    items: tuple[MediaItem, ...] = ()
    entries: int = 0
    """How many entries the page held, readable or not: where the next page starts."""
    total_size: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a page from Plex's JSON, raising PlexTVResponseError if malformed.

        An entry that cannot be read is skipped, so that one odd title does not hide the
        others; if the page has entries and none can be read, the page is malformed.
        """
        read = _container(data, "watchlist")
        entries = read.objects("Metadata")
        total_size = read.optional_count("totalSize")
        return cls(
            items=tuple(_readable_items(entries, "watchlist")),
            entries=len(entries),
            total_size=total_size,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """One hit of a catalogue search: how well it matches, and the item."""

    score: float | None = None
    item: MediaItem

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a hit from Plex's `SearchResult` JSON, raising PlexTVResponseError if malformed."""
        read = FieldReader(data, "search result")
        return cls(
            score=read.optional_float("score"),
            item=MediaItem.from_dict(read.value("Metadata")),
        )

    @classmethod
    def list_from_dict(cls, data: object) -> list[Self]:
        """Return the hits of the `SearchResults` entry whose id is "external", in order.

        Unreadable hits are skipped; if there are hits and none can be read, the answer is
        malformed. No "external" entry means no hits.
        """
        read = _container(data, "search")
        for group in read.objects("SearchResults"):
            group_read = FieldReader(group, "search group")
            if group_read.value("id") != "external":
                continue
            hits = group_read.objects("SearchResult")
            results: list[Self] = []
            for index, hit in enumerate(hits):
                try:
                    results.append(cls.from_dict(hit))
                except PlexTVResponseError as err:
                    _LOGGER.debug("Skipping search result %d: %s", index, err)
            if hits and not results:
                msg = f"search: none of the {len(hits)} results could be read"
                raise PlexTVResponseError(msg)
            return results
        return []


@dataclass(frozen=True, slots=True, kw_only=True)
class UserState:
    """What the account did with one item: on the watchlist since when, watched how often."""

    watchlisted_at: datetime | None = None
    view_count: int = 0
    view_offset: int | None = None
    """Milliseconds into the item where playback stopped, if it did."""
    view_state: str | None = None
    last_viewed_at: datetime | None = None

    @property
    def on_watchlist(self) -> bool:
        """Return whether the item is on the account's watchlist."""
        return self.watchlisted_at is not None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a user state from Plex's JSON, raising PlexTVResponseError if malformed.

        Reads the `UserState` of the `MediaContainer` (an object, or a list of one).
        """
        state = _container(data, "user state").value("UserState")
        if isinstance(state, list) and len(state) == 1:
            state = state[0]
        read = FieldReader(state, "user state")
        return cls(
            watchlisted_at=read.optional_datetime("watchlistedAt"),
            view_count=read.optional_count("viewCount") or 0,
            view_offset=read.optional_int("viewOffset"),
            view_state=read.optional_str("viewState"),
            last_viewed_at=read.optional_datetime("lastViewedAt"),
        )
