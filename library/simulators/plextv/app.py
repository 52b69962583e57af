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

from library.simulators.common import Guard, Simulator, now_utc

from .control import add_control_routes
from .discover import add_discover_routes, add_metadata_routes
from .library import Library
from .link import add_link_routes
from .render import error, error_page, payload
from .sample import sample_account, sample_resources, second_account, second_account_resources
from .state import (
    LINK_CODE_ALPHABET,
    LINK_CODE_LENGTH,
    STRONG_CODE_ALPHABET,
    STRONG_CODE_LENGTH,
    TOKEN_ALPHABET,
    TOKEN_LENGTH,
    SimPin,
    SimToken,
    random_string,
)

CLIENT_IDENTIFIER = "X-Plex-Client-Identifier"
TOKEN = "X-Plex-Token"  # noqa: S105 - a header name, not a secret
QR_PREFIX = "/api/v2/pins/qr/"
REVOKED_STATUSES = (401, 422)
# The hosts the simulator stands in for, as the request log and faults name them.
PLEXTV_HOST = "plex.tv"
DISCOVER_HOST = "discover"
METADATA_HOST = "metadata"
HOSTS = (PLEXTV_HOST, DISCOVER_HOST, METADATA_HOST)

type SignedInRoute = Callable[[web.Request, SimToken], Awaitable[web.Response]]


class PlexTVOptions(TypedDict, total=False):
    """Keyword arguments of PlexTVSimulator."""

    pin_expires_in: float
    min_poll_interval: float
    account: dict[str, Any] | None
    resources: list[dict[str, Any]] | None
    strong_pin_expires_in: float | None
    clock: Callable[[], float]
    catalogue: list[dict[str, Any]] | None


class PlexTVFactory(Protocol):
    """Start a PlexTVSimulator with the given constructor arguments (the plextv_factory fixture)."""

    async def __call__(self, **kwargs: Unpack[PlexTVOptions]) -> PlexTVSimulator:
        """Return a simulator started on 127.0.0.1, stopped after the test."""


def _plex_value(request: web.Request, name: str) -> str | None:
    """Read an X-Plex-* value from the headers or, as plex.tv also allows, the query."""
    return request.headers.get(name) or request.query.get(name) or None


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in {"1", "true", "yes"}


def _no_guard(request: web.Request) -> None:
    return None


class PlexTVSimulator(Simulator):
    """A plex.tv stand-in served over real HTTP on the loopback interface."""

    fault_hosts = HOSTS
    main = PLEXTV_HOST

    def __init__(  # noqa: PLR0913
        self,
        *,
        pin_expires_in: float = 900,
        min_poll_interval: float = 1.0,
        account: dict[str, Any] | None = None,
        resources: list[dict[str, Any]] | None = None,
        strong_pin_expires_in: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        catalogue: list[dict[str, Any]] | None = None,
    ) -> None:
        """Set up the state; call start() to serve it.

        Args:
            pin_expires_in: lifetime of a 4-character pin, in seconds.
            min_poll_interval: shortest accepted gap between two checks of one pin.
            account: the /api/v2/user answer; defaults to sample_account().
            resources: the /api/v2/resources answer; defaults to sample_resources().
            strong_pin_expires_in: lifetime of a strong pin; defaults to twice pin_expires_in,
                which gives plex.tv's 900 s and 1800 s.
            clock: seconds on a monotonic clock, read for pin lifetimes, the rate limit and
                the request log; tests pass a FakeClock to run minutes in no time.
            catalogue: the titles the discover host knows; defaults to sample_catalogue().

        Besides plex.tv, the simulator serves Plex's discover host (watchlist, catalogue
        search) and metadata host (user state, scrobble) on ports of their own: see
        discover_url and metadata_url. The three share the state, the clock, the faults and
        the request log. Every account has a watchlist; sample_watchlists() fills the two
        sample accounts'.

        Besides `account`, the simulator knows the household's second account
        (second_account()), which sees the first one's Living Room Server as shared.
        """
        super().__init__(clock)
        self.pin_expires_in = pin_expires_in
        self.strong_pin_expires_in = (
            2 * pin_expires_in if strong_pin_expires_in is None else strong_pin_expires_in
        )
        self.min_poll_interval = min_poll_interval
        self.account: dict[str, Any] = {}
        self.library = Library(catalogue)
        self._accounts: dict[str, dict[str, Any]] = {}
        self._resources_by_account: dict[str, list[dict[str, Any]]] = {}
        self.add_account(second_account(), second_account_resources())
        self.set_account(sample_account() if account is None else account)
        self.set_resources(sample_resources() if resources is None else resources)
        self.pins: dict[int, SimPin] = {}
        self.tokens: dict[str, SimToken] = {}
        self.signed_out: list[str] = []
        self._pin_ids = itertools.count(1_000_000_001)
        self.app = self._app(PLEXTV_HOST, self._client_identified)
        self.discover_app = self._app(DISCOVER_HOST, _no_guard)
        self.metadata_app = self._app(METADATA_HOST, _no_guard)
        self._add_api_routes()
        add_link_routes(self)
        add_control_routes(self)
        add_discover_routes(self, self.discover_app)
        add_metadata_routes(self, self.metadata_app)

    # Lifecycle

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
        apps = (
            (PLEXTV_HOST, self.app, port),
            (DISCOVER_HOST, self.discover_app, discover_port),
            (METADATA_HOST, self.metadata_app, metadata_port),
        )
        try:
            for name, app, app_port in apps:
                await self._serve(name, app, host, app_port)
        except BaseException:
            await self.stop()
            raise
        return self.url

    @override
    async def stop(self) -> None:
        """Stop serving and close every connection; the URLs are forgotten."""
        await self._close()
        self._urls.clear()

    def base_url(self, request: web.Request) -> str:
        """Return the public base URL, also when the app is served by a test client."""
        return self._urls.get(PLEXTV_HOST) or f"{request.scheme}://{request.host}"

    # Test controls

    @property
    def accounts(self) -> dict[str, dict[str, Any]]:
        """Return every account the simulator knows, by uuid."""
        return dict(self._accounts)

    @property
    def resources(self) -> list[dict[str, Any]]:
        """Return the current account's /api/v2/resources answer (the list itself)."""
        return self._resources_by_account.setdefault(self._account_key(self.account), [])

    def set_account(self, account: dict[str, Any]) -> None:
        """Replace the current account (the one approve() links by default).

        An account the simulator does not know yet keeps the resources of the one it
        replaces, as if the same person had renamed it.
        """
        previous = self.resources if self.account else []
        previous_watchlist = (
            list(self.library.watchlist(self._account_key(self.account))) if self.account else []
        )
        self.account = copy.deepcopy(account)
        key = self._account_key(self.account)
        self._accounts[key] = self.account
        self._resources_by_account.setdefault(key, copy.deepcopy(previous))
        self.library.watchlists.setdefault(key, previous_watchlist)

    def add_account(
        self, account: dict[str, Any], resources: list[dict[str, Any]] | None = None
    ) -> None:
        """Add or replace another account and its resources; the current one stays."""
        key = self._account_key(account)
        if self.account and key == self._account_key(self.account):
            self.set_account(account)
        else:
            self._accounts[key] = copy.deepcopy(account)
        self._resources_by_account[key] = copy.deepcopy(resources or [])

    def find_account(self, account: dict[str, Any] | str | None = None) -> dict[str, Any]:
        """Return a known account by uuid or username (None: the current one).

        Raises:
            KeyError: no account has this uuid or username.
        """
        if account is None:
            return self.account
        if isinstance(account, dict):
            return self._accounts[self._account_key(account)]
        for known in self._accounts.values():
            if account in {known.get("uuid"), known.get("username"), str(known.get("id"))}:
                return known
        raise KeyError(account)

    def resources_of(self, account: dict[str, Any] | str | None = None) -> list[dict[str, Any]]:
        """Return the /api/v2/resources answer of an account (the list itself)."""
        key = self._account_key(self.find_account(account))
        return self._resources_by_account.setdefault(key, [])

    def set_resources(
        self, resources: list[dict[str, Any]], account: dict[str, Any] | str | None = None
    ) -> None:
        """Replace the /api/v2/resources answer of an account (default: the current one)."""
        key = self._account_key(self.find_account(account))
        self._resources_by_account[key] = copy.deepcopy(resources)

    def watchlist_of(self, account: dict[str, Any] | str | None = None) -> list[dict[str, Any]]:
        """Return an account's watchlist, newest first: items with their watchlistedAt.

        Raises:
            KeyError: no account has this uuid or username.
        """
        return self.library.watchlist_items(self._account_key(self.find_account(account)))

    def set_watchlist(
        self, rating_keys: list[str], account: dict[str, Any] | str | None = None
    ) -> None:
        """Replace an account's watchlist; the first key is the newest.

        Raises:
            KeyError: no account has this name, or the catalogue lacks one of the items.
        """
        key = self._account_key(self.find_account(account))
        self.library.set_watchlist(key, rating_keys, now_utc())

    def add_to_watchlist(
        self, rating_key: str, account: dict[str, Any] | str | None = None
    ) -> bool:
        """Put an item at the top of an account's watchlist; False if it was on it already.

        Raises:
            KeyError: no account has this name, or the catalogue lacks the item.
        """
        key = self._account_key(self.find_account(account))
        return self.library.add(key, rating_key, now_utc())

    def remove_from_watchlist(
        self, rating_key: str, account: dict[str, Any] | str | None = None
    ) -> bool:
        """Take an item off an account's watchlist; False if it was not on it.

        Raises:
            KeyError: no account has this name, or the catalogue lacks the item.
        """
        return self.library.remove(self._account_key(self.find_account(account)), rating_key)

    def user_state_of(
        self, rating_key: str, account: dict[str, Any] | str | None = None
    ) -> dict[str, Any]:
        """Return the UserState the metadata host serves for an account and an item.

        Raises:
            KeyError: no account has this name, or the catalogue lacks the item.
        """
        key = self._account_key(self.find_account(account))
        return self.library.user_state(key, rating_key)

    def find_pending_pin(self, code: str) -> SimPin:
        """Return the unexpired, unapproved pin with this code; raise KeyError if none."""
        wanted = code.strip().upper()
        now = self.clock()
        for pin in self.pins.values():
            if pin.code.upper() == wanted and pin.auth_token is None and not pin.expired(now):
                return pin
        raise KeyError(code)

    def approve(self, code: str, account: dict[str, Any] | str | None = None) -> str:
        """Approve a pending pin for an account and return the token.

        `account` is None for the current account, the uuid or username of a known one, or
        an account object, which is added (or replaces the known one of its uuid).

        Raises:
            KeyError: no pending, unexpired pin has this code, or no account this name.
        """
        pin = self.find_pending_pin(code)
        if isinstance(account, dict):
            key = self._account_key(account)
            if key not in self._accounts:
                self._resources_by_account[key] = []
            if key == self._account_key(self.account):
                self.account = copy.deepcopy(account)
                self._accounts[key] = self.account
            else:
                self._accounts[key] = copy.deepcopy(account)
        else:
            key = self._account_key(self.find_account(account))
        token = random_string(TOKEN_ALPHABET, TOKEN_LENGTH)
        while token in self.tokens:
            token = random_string(TOKEN_ALPHABET, TOKEN_LENGTH)
        self.tokens[token] = SimToken(
            token=token, client_identifier=pin.client_identifier, account_uuid=key
        )
        pin.auth_token = token
        return token

    def revoke(self, token: str, *, status: int = 401) -> None:
        """Make later calls with token fail: 401 code 1001, or 422 "Invalid token".

        Raises:
            KeyError: the simulator never issued this token.
            ValueError: status is neither 401 nor 422.
        """
        if status not in REVOKED_STATUSES:
            msg = f"status must be one of {REVOKED_STATUSES}, not {status}"
            raise ValueError(msg)
        self.tokens[token].revoked = status

    # Internals

    @staticmethod
    def _account_key(account: dict[str, Any]) -> str:
        return str(account.get("uuid") or account.get("id"))

    def _new_code(self, *, strong: bool) -> str:
        alphabet, length = (
            (STRONG_CODE_ALPHABET, STRONG_CODE_LENGTH)
            if strong
            else (LINK_CODE_ALPHABET, LINK_CODE_LENGTH)
        )
        now = self.clock()
        live = {pin.code for pin in self.pins.values() if not pin.expired(now)}
        code = random_string(alphabet, length)
        while code in live:
            code = random_string(alphabet, length)
        return code

    def _app(self, host: str, guard: Guard) -> web.Application:
        middleware = self._middleware(lambda: host, error_page, guard, control=host == PLEXTV_HOST)
        return web.Application(middlewares=[middleware])

    def _client_identified(self, request: web.Request) -> web.Response | None:
        # The QR image is fetched by <img> tags, which cannot send X-Plex-* headers.
        if (
            request.path.startswith("/api/v2/")
            and not request.path.startswith(QR_PREFIX)
            and _plex_value(request, CLIENT_IDENTIFIER) is None
        ):
            return error(request, 400)
        return None

    def signed_in(self, route: SignedInRoute) -> Handler:
        """Return a handler of route: its answer for a valid token, plex.tv's error otherwise.

        A token is valid when the simulator issued it to the client that sends it, and it has
        not been revoked (which answers 401 or 422, as revoke() was told).
        """

        async def handler(request: web.Request) -> web.StreamResponse:
            token = _plex_value(request, TOKEN)
            record = self.tokens.get(token) if token else None
            if record is None:
                return error(request, 401)
            if record.revoked is not None:
                return error(request, record.revoked)
            if record.client_identifier != _plex_value(request, CLIENT_IDENTIFIER):
                return error(request, 401)
            return await route(request, record)

        return handler

    def _add_api_routes(self) -> None:
        self.app.router.add_post("/api/v2/pins", self._create_pin)
        self.app.router.add_get("/api/v2/pins/qr/{code}", self._pin_qr)
        self.app.router.add_get("/api/v2/pins/{pin_id}", self._check_pin)
        self.app.router.add_get("/api/v2/user", self.signed_in(self._user))
        self.app.router.add_get("/api/v2/resources", self.signed_in(self._resources))
        self.app.router.add_get("/api/v2/ping", self.signed_in(self._ping))
        self.app.router.add_delete("/api/v2/users/signout", self.signed_in(self._sign_out))

    async def _create_pin(self, request: web.Request) -> web.Response:
        strong = _truthy(request.query.get("strong"))
        pin = SimPin(
            id=next(self._pin_ids),
            code=self._new_code(strong=strong),
            strong=strong,
            product=_plex_value(request, "X-Plex-Product") or "",
            client_identifier=_plex_value(request, CLIENT_IDENTIFIER) or "",
            lifetime=self.strong_pin_expires_in if strong else self.pin_expires_in,
            created_at=now_utc(),
            created_monotonic=self.clock(),
        )
        self.pins[pin.id] = pin
        pin_json = pin.as_json(self.base_url(request), pin.created_monotonic)
        return payload(request, "pin", pin_json, status=201)

    async def _check_pin(self, request: web.Request) -> web.Response:
        now = self.clock()
        try:
            pin = self.pins[int(request.match_info["pin_id"])]
        except KeyError, ValueError:
            return error(request, 404)
        if pin.expired(now):
            return error(request, 404)
        if pin.last_check is not None:
            wait = pin.last_check + self.min_poll_interval - now
            if wait > 0:
                retry_after = str(max(1, math.ceil(wait)))
                return error(request, 429, headers={"Retry-After": retry_after})
        pin.last_check = now
        return payload(request, "pin", pin.as_json(self.base_url(request), now))

    async def _pin_qr(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        now = self.clock()
        if not any(pin.code == code and not pin.expired(now) for pin in self.pins.values()):
            return error(request, 404)
        link = f"{self.base_url(request)}/link?code={code}"
        import segno  # noqa: PLC0415 - only QR images need it; a standalone start is faster

        image = io.BytesIO()
        segno.make(link, error="m").save(image, kind="png", scale=8, border=4)
        return web.Response(body=image.getvalue(), content_type="image/png")

    async def _user(self, request: web.Request, record: SimToken) -> web.Response:
        account = copy.deepcopy(self._accounts[record.account_uuid])
        account["authToken"] = record.token
        return payload(request, "user", account)

    async def _resources(self, request: web.Request, record: SimToken) -> web.Response:
        include_relay = _truthy(request.query.get("includeRelay"))
        include_ipv6 = _truthy(request.query.get("includeIPv6"))
        resources = copy.deepcopy(self._resources_by_account.get(record.account_uuid, []))
        for resource in resources:
            resource["connections"] = [
                connection
                for connection in resource.get("connections", [])
                if (include_relay or not connection.get("relay"))
                and (include_ipv6 or not connection.get("IPv6"))
            ]
        return payload(request, "resources", resources)

    async def _ping(self, request: web.Request, record: SimToken) -> web.Response:
        return payload(request, "response", {"pong": True})

    async def _sign_out(self, request: web.Request, record: SimToken) -> web.Response:
        record.revoked = 401
        self.signed_out.append(record.token)
        return web.Response(status=204)
