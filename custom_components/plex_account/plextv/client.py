"""Asynchronous client for the plex.tv API."""

import asyncio
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Final, NamedTuple, Self
from urllib.parse import quote

from aiohttp import ClientError, ClientSession

from .exceptions import (
    PlexTVAuthenticationError,
    PlexTVConnectionError,
    PlexTVError,
    PlexTVPinExpiredError,
    PlexTVRateLimitError,
    PlexTVResponseError,
)
from .identity import PlexIdentity
from .models import (
    Account,
    MediaItem,
    Pin,
    Resource,
    SearchResult,
    UserState,
    Watchlist,
    WatchlistPage,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://plex.tv"
DEFAULT_DISCOVER_URL: Final = "https://discover.provider.plex.tv"
DEFAULT_METADATA_URL: Final = "https://metadata.provider.plex.tv"
# Pages of the watchlist read at most in one call, whatever totalSize says: a server whose
# pages never end cannot keep the client reading (100 pages of 100 is 10,000 titles).
MAX_WATCHLIST_PAGES: Final = 100
SCROBBLE_IDENTIFIER: Final = "com.plexapp.plugins.library"
PIN_EXPIRED_CODE: Final = 1020
_MAX_ERROR_TEXT: Final = 200
_REDACTED: Final = "**REDACTED**"


class _Service(NamedTuple):
    """One of the hosts the client talks to: how errors name it, and which field holds it."""

    name: str
    url_field: str


_PLEXTV: Final = _Service("plex.tv", "base_url")
_DISCOVER: Final = _Service("Plex discover", "discover_url")
_METADATA: Final = _Service("Plex metadata", "metadata_url")


class _Answer(NamedTuple):
    """A 2xx or 304 answer: its status, ETag and body."""

    status: int
    etag: str | None
    body: bytes


def _rating_key(rating_key: str) -> str:
    """Return a rating key as given, refusing an empty one before anything is sent."""
    if not isinstance(rating_key, str) or not rating_key.strip():
        msg = "rating_key must be a non-empty string"
        raise ValueError(msg)
    return rating_key


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the seconds a Retry-After header asks to wait, or None if absent or invalid.

    The header holds either delay-seconds or an HTTP date; a date in the past means 0.
    """
    if value is None or not (value := value.strip()):
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError, IndexError, OverflowError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


@dataclass(kw_only=True)
class PlexTVClient:
    """Talk to plex.tv: sign in with a pin, then read the account and its resources.

    With the account's token it also reads and edits the watchlist and searches the catalogue
    (Plex's discover host), and reads and sets what the account watched (its metadata host).

    The session is the caller's when given, and is never closed here; without one the client
    opens its own on the first request and closes it in close().
    """

    identity: PlexIdentity
    session: ClientSession | None = None
    token: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    discover_url: str = DEFAULT_DISCOVER_URL
    metadata_url: str = DEFAULT_METADATA_URL
    request_timeout: float = 10.0
    # A faster decoder (Home Assistant passes its orjson-based one) for large resource lists.
    json_loads: Callable[[bytes], object] = field(default=json.loads, repr=False)

    _close_session: bool = field(default=False, init=False, repr=False)

    async def create_pin(self) -> Pin:
        """Create a pin: a 4-character code for plex.tv/link."""
        data = await self._request("POST", "/api/v2/pins", params={"strong": "false"})
        return Pin.from_dict(data)

    async def check_pin(self, pin_id: int) -> Pin:
        """Fetch a pin again; its auth_token is set once the user approved it."""
        data = await self._request("GET", f"/api/v2/pins/{int(pin_id)}")
        return Pin.from_dict(data)

    async def account(self) -> Account:
        """Fetch the signed-in account."""
        data = await self._request("GET", "/api/v2/user", authenticated=True)
        return Account.from_dict(data)

    async def resources(self) -> list[Resource]:
        """Fetch the account's devices, with every kind of connection plex.tv knows.

        An entry that cannot be read is skipped, so that one odd device does not hide the
        others; if no entry can be read at all, the answer is treated as malformed.
        """
        data = await self._request(
            "GET",
            "/api/v2/resources",
            params={"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"},
            authenticated=True,
        )
        if not isinstance(data, list):
            msg = f"resources: expected a JSON list, got {type(data).__name__}"
            raise PlexTVResponseError(msg)
        resources: list[Resource] = []
        for index, item in enumerate(data):
            try:
                resources.append(Resource.from_dict(item))
            except PlexTVResponseError as err:
                _LOGGER.debug("Skipping resource %d: %s", index, err)
        if data and not resources:
            msg = f"resources: none of the {len(data)} entries could be read"
            raise PlexTVResponseError(msg)
        return resources

    async def ping(self) -> None:
        """Tell plex.tv the token is still in use."""
        await self._request("GET", "/api/v2/ping", authenticated=True, expect_body=False)

    async def sign_out(self) -> None:
        """Invalidate the token on plex.tv."""
        await self._request(
            "DELETE", "/api/v2/users/signout", authenticated=True, expect_body=False
        )

    async def watchlist(self, *, etag: str | None = None, page_size: int = 100) -> Watchlist | None:
        """Fetch the whole watchlist, newest first; None if it is unchanged since `etag`.

        Reads page after page until totalSize items were read. A page with no entries ends
        the read early, as does MAX_WATCHLIST_PAGES; an item on two pages (the list changed
        while it was read) is kept once. The ETag is the first page's: poll with the same
        page_size that fetched it.
        """
        if page_size < 1:
            msg = "page_size must be at least 1"
            raise ValueError(msg)
        items: list[MediaItem] = []
        seen: set[str] = set()
        total: int | None = None
        first_etag: str | None = None
        start = 0
        for _ in range(MAX_WATCHLIST_PAGES):
            # If-None-Match goes with the first page only. The list is sorted newest first
            # and the first page carries totalSize, so any addition or removal changes the
            # first page's body, and so its ETag: a 304 there means the whole list is as it was.
            answer = await self._send(
                "GET",
                _DISCOVER,
                "/library/sections/watchlist/all",
                params={
                    "includeCollections": "1",
                    "includeExternalMedia": "1",
                    "sort": "watchlistedAt:desc",
                    "X-Plex-Container-Start": str(start),
                    "X-Plex-Container-Size": str(page_size),
                },
                authenticated=True,
                if_none_match=etag if total is None else None,
            )
            if answer.status == HTTPStatus.NOT_MODIFIED:
                return None
            page = WatchlistPage.from_dict(
                self._decode("GET /library/sections/watchlist/all", answer.body, _DISCOVER)
            )
            if total is None:
                # Without totalSize, the first page is taken as the whole list.
                total = page.entries if page.total_size is None else page.total_size
                first_etag = answer.etag
            for item in page.items:
                if item.rating_key not in seen:
                    seen.add(item.rating_key)
                    items.append(item)
            start += page.entries
            if not page.entries or start >= total:
                break
        else:
            _LOGGER.debug("Stopped reading the watchlist after %d pages", MAX_WATCHLIST_PAGES)
        return Watchlist(items=tuple(items), total_size=total or 0, etag=first_etag)

    async def search_catalogue(self, query: str, *, limit: int = 30) -> list[SearchResult]:
        """Search Plex's catalogue of films and shows; return the hits in Plex's order."""
        data = await self._request(
            "GET",
            "/library/search",
            service=_DISCOVER,
            params={
                "query": query,
                "limit": str(int(limit)),
                "searchTypes": "movies,tv",
                "searchProviders": "discover",
                "includeMetadata": "1",
            },
            authenticated=True,
        )
        return SearchResult.list_from_dict(data)

    async def add_to_watchlist(self, rating_key: str) -> None:
        """Put an item on the account's watchlist."""
        await self._watchlist_action("addToWatchlist", rating_key)

    async def remove_from_watchlist(self, rating_key: str) -> None:
        """Take an item off the account's watchlist."""
        await self._watchlist_action("removeFromWatchlist", rating_key)

    async def user_state(self, rating_key: str) -> UserState:
        """Fetch what the account did with an item: on the watchlist, watched."""
        key = quote(_rating_key(rating_key), safe="")
        data = await self._request(
            "GET", f"/library/metadata/{key}/userState", service=_METADATA, authenticated=True
        )
        return UserState.from_dict(data)

    async def mark_watched(self, rating_key: str) -> None:
        """Mark an item as watched (a scrobble); it stays on the watchlist."""
        await self._request(
            "GET",
            "/actions/scrobble",
            service=_METADATA,
            params={"key": _rating_key(rating_key), "identifier": SCROBBLE_IDENTIFIER},
            authenticated=True,
            expect_body=False,
        )

    async def _watchlist_action(self, action: str, rating_key: str) -> None:
        await self._request(
            "PUT",
            f"/actions/{action}",
            service=_DISCOVER,
            params={"ratingKey": _rating_key(rating_key)},
            authenticated=True,
            expect_body=False,
        )

    async def close(self) -> None:
        """Close the session if this client opened it."""
        if self.session is not None and self._close_session:
            await self.session.close()
            self.session = None
            self._close_session = False

    async def __aenter__(self) -> Self:
        """Return the client for use in an async with block."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the session if this client opened it."""
        await self.close()

    def _headers(self, *, authenticated: bool) -> dict[str, str]:
        headers = self.identity.headers()
        if authenticated:
            token = self.token
            if not token:
                msg = "Not signed in: this request needs a plex.tv token"
                raise PlexTVAuthenticationError(msg)
            # aiohttp would refuse such a header with the value in its message; fail first.
            if not token.isprintable() or token != token.strip():
                msg = "The plex.tv token is not valid"
                raise PlexTVAuthenticationError(msg)
            headers["X-Plex-Token"] = token
        return headers

    async def _request(  # noqa: PLR0913
        self,
        method: str,
        path: str,
        *,
        service: _Service = _PLEXTV,
        params: dict[str, str] | None = None,
        authenticated: bool = False,
        expect_body: bool = True,
    ) -> object:
        """Send one request and return its decoded JSON body (None when no body is expected)."""
        answer = await self._send(method, service, path, params=params, authenticated=authenticated)
        if not expect_body:
            return None
        return self._decode(f"{method} {path}", answer.body, service)

    async def _send(  # noqa: PLR0913
        self,
        method: str,
        service: _Service,
        path: str,
        *,
        params: dict[str, str] | None = None,
        authenticated: bool = False,
        if_none_match: str | None = None,
    ) -> _Answer:
        """Send one request to a service; return a 2xx answer, or a 304 to If-None-Match."""
        headers = self._headers(authenticated=authenticated)
        if if_none_match is not None:
            headers["If-None-Match"] = if_none_match
        if self.session is None:
            self.session = ClientSession()
            self._close_session = True
        base: str = getattr(self, service.url_field)
        url = f"{base.rstrip('/')}{path}"
        what = f"{method} {path}"
        _LOGGER.debug("Requesting %s from %s", what, service.name)
        try:
            async with (
                asyncio.timeout(self.request_timeout),
                # A redirect to another host would carry X-Plex-Token along; Plex's APIs
                # do not redirect, so any redirect is an unexpected answer.
                self.session.request(
                    method, url, params=params, headers=headers, allow_redirects=False
                ) as response,
            ):
                status = response.status
                retry_after = response.headers.get("Retry-After")
                etag = response.headers.get("ETag")
                body = await response.read()
        except TimeoutError as err:
            msg = f"Timed out after {self.request_timeout} s on {what}"
            raise PlexTVConnectionError(msg) from err
        except (ClientError, OSError) as err:
            reason = self._clean(str(err)) or type(err).__name__
            msg = f"Could not reach {service.name} for {what}: {reason}"
            raise PlexTVConnectionError(msg) from err
        _LOGGER.debug("%s answered %s to %s", service.name, status, what)

        if status == HTTPStatus.NOT_MODIFIED and if_none_match is not None:
            return _Answer(status, etag, b"")
        if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
            raise self._status_error(what, status, body, retry_after, service)
        return _Answer(status, etag, body)

    def _decode(self, what: str, body: bytes, service: _Service) -> object:
        try:
            return self.json_loads(body)
        except (ValueError, RecursionError) as err:
            msg = f"{service.name} answered {what} with a body that is not JSON"
            raise PlexTVResponseError(msg) from err

    def _status_error(
        self,
        what: str,
        status: int,
        body: bytes,
        retry_after: str | None,
        service: _Service = _PLEXTV,
    ) -> PlexTVError:
        """Map a non-2xx answer to the exception that says what the caller can do."""
        code, text = self._plex_error(body)
        detail = f"{service.name} answered {status} to {what}"
        reason = ": ".join(part for part in ("" if code is None else f"code {code}", text) if part)
        if reason:
            detail += f" ({reason})"
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            return PlexTVRateLimitError(detail, retry_after=parse_retry_after(retry_after))
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.UNPROCESSABLE_ENTITY}:
            return PlexTVAuthenticationError(detail)
        if status == HTTPStatus.NOT_FOUND and code == PIN_EXPIRED_CODE and service is _PLEXTV:
            return PlexTVPinExpiredError(detail)
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            return PlexTVConnectionError(detail)
        return PlexTVResponseError(detail)

    def _plex_error(self, body: bytes) -> tuple[int | None, str]:
        """Return the code and message of the first error in a plex.tv error body, if any."""
        try:
            data = self.json_loads(body)
        except ValueError, RecursionError:
            return None, ""
        errors = data.get("errors") if isinstance(data, dict) else None
        first = errors[0] if isinstance(errors, list) and errors else None
        if not isinstance(first, dict):
            return None, ""
        code = first.get("code")
        message = first.get("message")
        return (
            code if isinstance(code, int) and not isinstance(code, bool) else None,
            self._clean(message) if isinstance(message, str) else "",
        )

    def _clean(self, text: str) -> str:
        """Make server text safe to put in an exception: short, printable, no token."""
        if self.token:
            text = text.replace(self.token, _REDACTED)
        text = "".join(character if character.isprintable() else " " for character in text)
        return text[:_MAX_ERROR_TEXT].strip()
