"""Asynchronous client for plex.tv and Plex's discover and metadata services."""

import json
import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Final, Self, TypedDict, Unpack
from urllib.parse import quote

from aiohttp import ClientSession

from .account import Account, Device, Pin, Resource, Resources, parse_devices
from .discover import MediaItem, SearchResult, UserState, Watchlist, WatchlistPage
from .exceptions import PlexAuthenticationError, PlexResponseError
from .fields import readable
from .identity import PlexIdentity
from .request import Answer, JSONLoads, check_token, decode, send

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://plex.tv"
DEFAULT_DISCOVER_URL: Final = "https://discover.provider.plex.tv"
DEFAULT_METADATA_URL: Final = "https://metadata.provider.plex.tv"
# The largest answer read from plex.tv: a thousand resources are well under a megabyte.
MAX_ANSWER_BYTES: Final = 4 * 1024 * 1024
# Pages of the watchlist read at most in one call, whatever totalSize says: a server whose
# pages never end cannot keep the client reading (100 pages of 100 is 10,000 titles).
MAX_WATCHLIST_PAGES: Final = 100
SCROBBLE_IDENTIFIER: Final = "com.plexapp.plugins.library"

PLEXTV: Final = "plex.tv"
DISCOVER: Final = "Plex discover"
METADATA: Final = "Plex metadata"


class _Options(TypedDict, total=False):
    """How one request goes: to which service, with what, signed in or not."""

    service: str
    params: dict[str, str]
    authenticated: bool
    if_none_match: str | None
    accept: str


def _rating_key(rating_key: str) -> str:
    """Return a rating key as given, refusing an empty one before anything is sent."""
    if not isinstance(rating_key, str) or not rating_key.strip():
        msg = "rating_key must be a non-empty string"
        raise ValueError(msg)
    return rating_key


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
    json_loads: JSONLoads = field(default=json.loads, repr=False)

    _close_session: bool = field(default=False, init=False, repr=False)

    async def create_pin(self) -> Pin:
        """Create a pin: a 4-character code for plex.tv/link."""
        data = await self._json("POST", "/api/v2/pins", params={"strong": "false"})
        return Pin.from_dict(data)

    async def check_pin(self, pin_id: int) -> Pin:
        """Fetch a pin again; its auth_token is set once the user approved it."""
        data = await self._json("GET", f"/api/v2/pins/{int(pin_id)}")
        return Pin.from_dict(data)

    async def account(self) -> Account:
        """Fetch the signed-in account."""
        data = await self._json("GET", "/api/v2/user", authenticated=True)
        return Account.from_dict(data)

    async def resources(self) -> Resources:
        """Fetch the account's devices, with every kind of connection plex.tv knows.

        An entry that cannot be read is skipped, so that one odd device does not hide the
        others, and its clientIdentifier (if that can be read) is listed as unreadable; if
        no entry can be read at all, the answer is treated as malformed.
        """
        data = await self._json(
            "GET",
            "/api/v2/resources",
            params={"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"},
            authenticated=True,
        )
        if not isinstance(data, list):
            msg = f"resources: expected a JSON list, got {type(data).__name__}"
            raise PlexResponseError(msg)
        unread: list[object] = []
        resources = readable(data, Resource.from_dict, "resources", unread=unread)
        identifiers = (entry.get("clientIdentifier") for entry in unread if isinstance(entry, dict))
        return Resources(
            resources=tuple(resources),
            unreadable=frozenset(i for i in identifiers if isinstance(i, str) and i.strip()),
        )

    async def devices(self) -> list[Device]:
        """Fetch the devices signed in to the account (its authorized devices).

        plex.tv lists each with its token: the tokens are dropped as the answer is read.
        """
        answer = await self._send(
            "GET", "/devices.xml", authenticated=True, accept="application/xml"
        )
        return parse_devices(answer.body)

    async def revoke_device(self, device_id: int) -> None:
        """Sign a device out of the account: its token stops working.

        Raises PlexNotFoundError when plex.tv knows no such device (any more).
        """
        await self._send("DELETE", f"/devices/{int(device_id)}.xml", authenticated=True)

    async def ping(self) -> None:
        """Tell plex.tv the token is still in use."""
        await self._send("GET", "/api/v2/ping", authenticated=True)

    async def sign_out(self) -> None:
        """Invalidate the token on plex.tv."""
        await self._send("DELETE", "/api/v2/users/signout", authenticated=True)

    async def watchlist(self, *, etag: str | None = None, page_size: int = 100) -> Watchlist | None:
        """Fetch the whole watchlist, newest first; None if it is unchanged since `etag`.

        Reads page after page until totalSize items were read. A page with no entries ends
        the read early, as does MAX_WATCHLIST_PAGES; an item on two pages (the list changed
        while it was read) is kept once. The ETag is the first page's, and only kept when
        the read was whole and consistent: poll with the same page_size that fetched it.
        """
        if page_size < 1:
            msg = "page_size must be at least 1"
            raise ValueError(msg)
        items: list[MediaItem] = []
        seen: set[str] = set()
        total: int | None = None
        first_etag: str | None = None
        consistent = True
        start = 0
        for _ in range(MAX_WATCHLIST_PAGES):
            # If-None-Match goes with the first page only. The list is sorted newest first
            # and the first page carries totalSize, so any addition or removal changes the
            # first page's body, and so its ETag: a 304 there means the whole list is as it was.
            answer = await self._send(
                "GET",
                "/library/sections/watchlist/all",
                service=DISCOVER,
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
            what = "GET /library/sections/watchlist/all"
            page = WatchlistPage.from_dict(decode(DISCOVER, what, answer.body, self.json_loads))
            if total is None:
                # Without totalSize, the first page is taken as the whole list.
                total = page.entries if page.total_size is None else page.total_size
                first_etag = answer.etag
            elif page.total_size is not None and page.total_size != total:
                consistent = False
            for item in page.items:
                if item.rating_key in seen:
                    consistent = False
                else:
                    seen.add(item.rating_key)
                    items.append(item)
            start += page.entries
            if not page.entries or start >= total:
                break
        else:
            _LOGGER.debug("Stopped reading the watchlist after %d pages", MAX_WATCHLIST_PAGES)
        whole = consistent and start >= (total or 0)
        if not whole:
            # Kept behind its ETag, a short read would hide the rest until the list changes.
            _LOGGER.debug("The watchlist read was short or changed while read: no ETag kept")
        return Watchlist(
            items=tuple(items), total_size=total or 0, etag=first_etag if whole else None
        )

    async def search_catalogue(self, query: str, *, limit: int = 30) -> list[SearchResult]:
        """Search Plex's catalogue of films and shows; return the hits in Plex's order."""
        data = await self._json(
            "GET",
            "/library/search",
            service=DISCOVER,
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
        data = await self._json(
            "GET", f"/library/metadata/{key}/userState", service=METADATA, authenticated=True
        )
        return UserState.from_dict(data)

    async def mark_watched(self, rating_key: str) -> None:
        """Mark an item as watched (a scrobble); it stays on the watchlist."""
        await self._send(
            "GET",
            "/actions/scrobble",
            service=METADATA,
            params={"key": _rating_key(rating_key), "identifier": SCROBBLE_IDENTIFIER},
            authenticated=True,
        )

    async def _watchlist_action(self, action: str, rating_key: str) -> None:
        await self._send(
            "PUT",
            f"/actions/{action}",
            service=DISCOVER,
            params={"ratingKey": _rating_key(rating_key)},
            authenticated=True,
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

    def _url(self, service: str) -> str:
        base = {PLEXTV: self.base_url, DISCOVER: self.discover_url, METADATA: self.metadata_url}
        return base[service].rstrip("/")

    async def _json(self, method: str, path: str, **options: Unpack[_Options]) -> object:
        """Send one request and return its decoded JSON body."""
        answer = await self._send(method, path, **options)
        service = options.get("service", PLEXTV)
        return decode(service, f"{method} {path}", answer.body, self.json_loads)

    async def _send(self, method: str, path: str, **options: Unpack[_Options]) -> Answer:
        """Send one request to a service; return a 2xx answer, or a 304 to If-None-Match."""
        service = options.get("service", PLEXTV)
        if_none_match = options.get("if_none_match")
        headers = self.identity.headers()
        if options.get("authenticated"):
            if not self.token:
                msg = "Not signed in: this request needs a plex.tv token"
                raise PlexAuthenticationError(msg)
            headers["X-Plex-Token"] = check_token(self.token)
        if if_none_match is not None:
            headers["If-None-Match"] = if_none_match
        if accept := options.get("accept"):
            headers["Accept"] = accept
        if self.session is None:
            self.session = ClientSession()
            self._close_session = True
        return await send(
            self.session,
            method,
            f"{self._url(service)}{path}",
            service=service,
            what=f"{method} {path}",
            headers=headers,
            params=options.get("params"),
            limit=MAX_ANSWER_BYTES,
            timeout=self.request_timeout,
            token=self.token,
            not_modified_ok=if_none_match is not None,
            json_loads=self.json_loads,
        )
