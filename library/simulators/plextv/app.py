"""An aiohttp application that behaves like the parts of plex.tv the integration uses."""

import copy
import io
import itertools
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypedDict, Unpack, override

from aiohttp import web
from aiohttp.typedefs import Handler

from library.simulators.common import Simulator, now_utc

from .control import add_control_routes
from .devices import Devices, add_device_routes
from .discover import add_discover_routes, add_metadata_routes
from .library import Library
from .link import add_link_routes
from .render import error, error_page, payload
from .sample import sample_account, sample_resources, second_account, second_account_resources
from .state import LINK_CODE, STRONG_CODE, TOKEN, SimPin, SimToken, random_string

CLIENT_IDENTIFIER = "X-Plex-Client-Identifier"
REVOKED_STATUSES = (401, 422)
# The hosts the simulator stands in for, as the request log and faults name them.
PLEXTV_HOST = "plex.tv"
DISCOVER_HOST = "discover"
METADATA_HOST = "metadata"

type SignedInRoute = Callable[[web.Request, SimToken], Awaitable[web.Response]]
type AccountName = dict[str, Any] | str | None
"""An account by uuid, username or id, as an account object, or None for the current one."""


class PlexTVOptions(TypedDict, total=False):
    """Keyword arguments of PlexTVSimulator."""

    pin_expires_in: float
    min_poll_interval: float
    clock: Callable[[], float]


class PlexTVFactory(Protocol):
    """Start a PlexTVSimulator with the given constructor arguments (the plextv_factory fixture)."""

    async def __call__(self, **kwargs: Unpack[PlexTVOptions]) -> PlexTVSimulator:
        """Return a simulator started on 127.0.0.1, stopped after the test."""


def _plex_value(request: web.Request, name: str) -> str | None:
    """Read an X-Plex-* value from the headers or, as plex.tv also allows, the query."""
    return request.headers.get(name) or request.query.get(name) or None


def _key(account: dict[str, Any]) -> str:
    return str(account.get("uuid") or account.get("id"))


class PlexTVSimulator(Simulator):
    """A plex.tv stand-in served over real HTTP on the loopback interface.

    Besides plex.tv, it serves Plex's discover host (watchlist, catalogue search) and metadata
    host (user state, scrobble) on ports of their own (discover_url, metadata_url); the three
    share the state, the clock, the faults and the request log. It knows the household's two
    accounts: sample_account(), the current one, and second_account(), which sees the first
    one's Living Room Server as shared; each has its resources and its watchlist.
    """

    fault_hosts = (PLEXTV_HOST, DISCOVER_HOST, METADATA_HOST)
    main = PLEXTV_HOST

    def __init__(
        self,
        *,
        pin_expires_in: float = 900,
        min_poll_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set up the state; call start() to serve it.

        Args:
            pin_expires_in: lifetime of a 4-character pin, in seconds; a strong pin lives
                twice as long (plex.tv's 900 s and 1800 s).
            min_poll_interval: shortest accepted gap between two checks of one pin.
            clock: seconds on a monotonic clock, read for pin lifetimes, the rate limit and
                the request log; tests pass a FakeClock to run minutes in no time.
        """
        super().__init__(clock)
        self.pin_expires_in = pin_expires_in
        self.min_poll_interval = min_poll_interval
        self.library = Library()
        self._accounts: dict[str, dict[str, Any]] = {}
        self._resources: dict[str, list[dict[str, Any]]] = {}
        self.add_account(second_account(), second_account_resources())
        self.add_account(sample_account(), sample_resources())
        self._current = _key(sample_account())
        self.pins: dict[int, SimPin] = {}
        self.tokens: dict[str, SimToken] = {}
        self.signed_out: list[str] = []
        self.devices = Devices(self)
        self._pin_ids = itertools.count(1_000_000_001)
        self.app = self._app(PLEXTV_HOST)
        self.discover_app = self._app(DISCOVER_HOST)
        self.metadata_app = self._app(METADATA_HOST)
        router = self.app.router
        router.add_post("/api/v2/pins", self._create_pin)
        router.add_get("/api/v2/pins/qr/{code}", self._pin_qr)
        router.add_get("/api/v2/pins/{pin_id}", self._check_pin)
        router.add_get("/api/v2/user", self.signed_in(self._user))
        router.add_get("/api/v2/resources", self.signed_in(self._resources_of_token))
        router.add_get("/api/v2/ping", self.signed_in(self._ping))
        router.add_delete("/api/v2/users/signout", self.signed_in(self._sign_out))
        add_device_routes(self)
        add_link_routes(self)
        add_control_routes(self)
        add_discover_routes(self, self.discover_app)
        add_metadata_routes(self, self.metadata_app)

    @property
    def discover_url(self) -> str:
        """Return the base URL of the discover host (watchlist, catalogue search)."""
        return self._url_of(DISCOVER_HOST)

    @property
    def metadata_url(self) -> str:
        """Return the base URL of the metadata host (user state, scrobble)."""
        return self._url_of(METADATA_HOST)

    @property
    def link_url(self) -> str:
        """Return the URL of the page where a user types a 4-character code."""
        return f"{self.url}/link"

    @override
    async def start(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        discover_port: int = 0,
        metadata_port: int = 0,
    ) -> str:
        """Serve plex.tv on host:port, the discover and metadata hosts on their own ports.

        Port 0 picks a free one. Returns plex.tv's base URL.
        """
        try:
            await self._serve(PLEXTV_HOST, self.app, host, port)
            await self._serve(DISCOVER_HOST, self.discover_app, host, discover_port)
            await self._serve(METADATA_HOST, self.metadata_app, host, metadata_port)
        except BaseException:
            await self.stop()
            raise
        return self.url

    def base_url(self, request: web.Request) -> str:
        """Return the public base URL, also when the app is served by a test client."""
        return self._urls.get(PLEXTV_HOST) or f"{request.scheme}://{request.host}"

    # Accounts, their resources and watchlists

    @property
    def account(self) -> dict[str, Any]:
        """Return the current account: the /api/v2/user answer approve() links by default."""
        return self._accounts[self._current]

    @property
    def accounts(self) -> dict[str, dict[str, Any]]:
        """Return every account the simulator knows, by uuid."""
        return dict(self._accounts)

    @property
    def resources(self) -> list[dict[str, Any]]:
        """Return the current account's /api/v2/resources answer (the list itself)."""
        return self._resources[self._current]

    def set_account(self, account: dict[str, Any]) -> None:
        """Make account (added, or replacing the one of its uuid) the current one."""
        self.add_account(account)
        self._current = _key(account)

    def add_account(
        self, account: dict[str, Any], resources: list[dict[str, Any]] | None = None
    ) -> None:
        """Add or replace an account (and its resources, if given)."""
        key = _key(account)
        self._accounts[key] = copy.deepcopy(account)
        if resources is not None or key not in self._resources:
            self._resources[key] = copy.deepcopy(resources or [])

    def find_account(self, account: AccountName = None) -> dict[str, Any]:
        """Return a known account; raise KeyError if none has this name."""
        if account is None:
            return self.account
        if isinstance(account, dict):
            return self._accounts[_key(account)]
        for known in self._accounts.values():
            if account in {known.get("uuid"), known.get("username"), str(known.get("id"))}:
                return known
        raise KeyError(account)

    def _key_of(self, account: AccountName) -> str:
        return _key(self.find_account(account))

    def resources_of(self, account: AccountName = None) -> list[dict[str, Any]]:
        """Return the /api/v2/resources answer of an account (the list itself)."""
        return self._resources[self._key_of(account)]

    def set_resources(self, resources: list[dict[str, Any]], account: AccountName = None) -> None:
        """Replace the /api/v2/resources answer of an account."""
        self._resources[self._key_of(account)] = copy.deepcopy(resources)

    # Each raises KeyError when no account has this name or the catalogue lacks an item.

    def watchlist_of(self, account: AccountName = None) -> list[dict[str, Any]]:
        """Return an account's watchlist, newest first: items with their watchlistedAt."""
        return self.library.watchlist_items(self._key_of(account))

    def set_watchlist(self, rating_keys: list[str], account: AccountName = None) -> None:
        """Replace an account's watchlist; the first key is the newest."""
        self.library.set_watchlist(self._key_of(account), rating_keys, now_utc())

    def add_to_watchlist(self, rating_key: str, account: AccountName = None) -> bool:
        """Put an item at the top of an account's watchlist; False if it was on it already."""
        return self.library.add(self._key_of(account), rating_key, now_utc())

    def remove_from_watchlist(self, rating_key: str, account: AccountName = None) -> bool:
        """Take an item off an account's watchlist; False if it was not on it."""
        return self.library.remove(self._key_of(account), rating_key)

    def user_state_of(self, rating_key: str, account: AccountName = None) -> dict[str, Any]:
        """Return the UserState the metadata host serves for an account and an item."""
        return self.library.user_state(self._key_of(account), rating_key)

    # Pins and tokens

    def find_pending_pin(self, code: str) -> SimPin:
        """Return the unexpired, unapproved pin with this code; raise KeyError if none."""
        wanted, now = code.strip().upper(), self.clock()
        for pin in self.pins.values():
            if pin.code.upper() == wanted and pin.auth_token is None and not pin.expired(now):
                return pin
        raise KeyError(code)

    def approve(self, code: str, account: AccountName = None) -> str:
        """Approve a pending pin for an account and return the token.

        An account object is added first (or replaces the known one of its uuid). Raises
        KeyError when no pending, unexpired pin has this code, or no account this name.
        """
        pin = self.find_pending_pin(code)
        if isinstance(account, dict):
            self.add_account(account)
        key = self._key_of(account)
        token = random_string(*TOKEN)
        while token in self.tokens:
            token = random_string(*TOKEN)
        self.tokens[token] = SimToken(
            token,
            pin.client_identifier,
            key,
            product=pin.product,
            device_name=pin.device_name,
            platform=pin.platform,
        )
        pin.auth_token = token
        return token

    def sign_in_device(
        self,
        *,
        name: str,
        product: str = "Plex for Android (TV)",
        platform: str = "Android",
        client_identifier: str | None = None,
        account: AccountName = None,
    ) -> dict[str, Any]:
        """Sign a new device in to an account (default: the current one); return its entry.

        The entry is as /devices.xml lists it, token included; signing in again with the same
        client identifier replaces the token and keeps the id.
        """
        return self.devices.sign_in(
            name=name,
            product=product,
            platform=platform,
            client_identifier=client_identifier,
            account=None if account is None else self._key_of(account),
        )

    def revoke(self, token: str, *, status: int = 401) -> None:
        """Make later calls with token fail: 401 code 1001, or 422 "Invalid token".

        Raises KeyError for a token the simulator never issued, ValueError for another status.
        """
        if status not in REVOKED_STATUSES:
            msg = f"status must be one of {REVOKED_STATUSES}, not {status}"
            raise ValueError(msg)
        self.tokens[token].revoked = status

    # Serving

    def _app(self, host: str) -> web.Application:
        return web.Application(middlewares=[self._middleware(lambda: host, error_page)])

    def signed_in(self, route: SignedInRoute) -> Handler:
        """Return a handler of route: its answer for a valid token, plex.tv's error otherwise.

        A token is valid when the simulator issued it to the client that sends it, and it has
        not been revoked (which answers 401 or 422, as revoke() was told).
        """

        async def handler(request: web.Request) -> web.StreamResponse:
            token = _plex_value(request, "X-Plex-Token")
            record = self.tokens.get(token) if token else None
            client = _plex_value(request, CLIENT_IDENTIFIER)
            if record is None or record.client_identifier != client:
                return error(request, 401)
            if record.revoked is not None:
                return error(request, record.revoked)
            return await route(request, record)

        return handler

    async def _create_pin(self, request: web.Request) -> web.Response:
        strong = request.query.get("strong", "").lower() in {"1", "true"}
        alphabet, length = STRONG_CODE if strong else LINK_CODE
        now = self.clock()
        live = {pin.code for pin in self.pins.values() if not pin.expired(now)}
        code = random_string(alphabet, length)
        while code in live:
            code = random_string(alphabet, length)
        pin = SimPin(
            id=next(self._pin_ids),
            code=code,
            strong=strong,
            product=_plex_value(request, "X-Plex-Product") or "",
            client_identifier=_plex_value(request, CLIENT_IDENTIFIER) or "",
            device_name=_plex_value(request, "X-Plex-Device-Name") or "",
            platform=_plex_value(request, "X-Plex-Platform") or "",
            lifetime=self.pin_expires_in * (2 if strong else 1),
            created_at=now_utc(),
            created=now,
        )
        self.pins[pin.id] = pin
        return payload(request, "pin", pin.as_json(self.base_url(request), now), 201)

    async def _check_pin(self, request: web.Request) -> web.Response:
        now = self.clock()
        pin_id = request.match_info["pin_id"]
        pin = self.pins.get(int(pin_id)) if pin_id.isdigit() else None
        if pin is None or pin.expired(now):
            return error(request, 404)
        if (
            pin.last_check is not None
            and (wait := pin.last_check + self.min_poll_interval - now) > 0
        ):
            return error(request, 429, headers={"Retry-After": str(max(1, math.ceil(wait)))})
        pin.last_check = now
        return payload(request, "pin", pin.as_json(self.base_url(request), now))

    async def _pin_qr(self, request: web.Request) -> web.Response:
        code, now = request.match_info["code"], self.clock()
        if not any(pin.code == code and not pin.expired(now) for pin in self.pins.values()):
            return error(request, 404)
        import segno  # noqa: PLC0415 - only QR images need it; a standalone start is faster

        image = io.BytesIO()
        link = f"{self.base_url(request)}/link?code={code}"
        segno.make(link, error="m").save(image, kind="png", scale=8, border=4)
        return web.Response(body=image.getvalue(), content_type="image/png")

    async def _user(self, request: web.Request, record: SimToken) -> web.Response:
        return payload(
            request, "user", self._accounts[record.account_uuid] | {"authToken": record.token}
        )

    async def _resources_of_token(self, request: web.Request, record: SimToken) -> web.Response:
        # Relay and IPv6 connections are listed only when asked for, as plex.tv does.
        flags = {"relay": "includeRelay", "IPv6": "includeIPv6"}
        hidden = [key for key, flag in flags.items() if request.query.get(flag) != "1"]
        resources = copy.deepcopy(self._resources.get(record.account_uuid, []))
        for resource in resources:
            resource["connections"] = [
                c for c in resource.get("connections", []) if not any(c.get(key) for key in hidden)
            ]
        return payload(request, "resources", resources)

    async def _ping(self, request: web.Request, record: SimToken) -> web.Response:
        return payload(request, "response", {"pong": True})

    async def _sign_out(self, request: web.Request, record: SimToken) -> web.Response:
        record.revoked = 401
        self.signed_out.append(record.token)
        return web.Response(status=204)
