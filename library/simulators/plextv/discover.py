"""The routes of Plex's discover host (watchlist, search) and metadata host (user state)."""

from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from library.simulators.common import now_utc
from library.simulators.render import answer

from .library import SEARCH_TYPES, WATCHLIST_TYPES, etag_matches, etag_of
from .render import error, to_xml
from .state import SimToken

if TYPE_CHECKING:
    from .app import PlexTVSimulator

WATCHLIST_FILTERS = frozenset({"all", "available", "released"})
DEFAULT_SEARCH_LIMIT = 30
CONTAINER_START = "X-Plex-Container-Start"
CONTAINER_SIZE = "X-Plex-Container-Size"


def container(
    request: web.Request, inner: dict[str, Any], *, headers: dict[str, str] | None = None
) -> web.Response:
    """Answer with a MediaContainer, as JSON ({"MediaContainer": ...}) or XML."""
    xml = partial(to_xml, "MediaContainer", inner)
    return answer(request, {"MediaContainer": inner}, xml, headers=headers)


def _bad_request(request: web.Request, message: str) -> web.Response:
    return error(request, 400, code=400, message=message)


def _not_found(request: web.Request) -> web.Response:
    # Not plex.tv's pin code (1020): the client must not take it for an expired pin.
    return error(request, 404, code=404, message="No item has this ratingKey")


def _count(request: web.Request, name: str) -> int | None:
    """Read a paging value from the query or, as python-plexapi sends it, the headers.

    Raises:
        ValueError: the value is not a whole number of zero or more.
    """
    raw = request.query.get(name) or request.headers.get(name)
    if raw is None:
        return None
    value = int(raw)
    if value < 0:
        msg = f"{name} must not be negative"
        raise ValueError(msg)
    return value


def add_discover_routes(sim: PlexTVSimulator, app: web.Application) -> None:  # noqa: C901
    """Serve the discover host's watchlist and search routes from sim's state."""

    async def watchlist(request: web.Request, record: SimToken) -> web.Response:
        if request.match_info["filter"] not in WATCHLIST_FILTERS:
            return error(request, 404, code=404, message="Unknown watchlist filter")
        kind = request.query.get("type")
        if kind is not None and kind not in WATCHLIST_TYPES:
            return _bad_request(request, "type must be 1 (movies) or 2 (shows)")
        try:
            start = _count(request, CONTAINER_START) or 0
            size = _count(request, CONTAINER_SIZE)
            inner = sim.library.page(
                record.account_uuid,
                start=start,
                size=size,
                sort=request.query.get("sort", "watchlistedAt:desc"),
                kind=None if kind is None else WATCHLIST_TYPES[kind],
            )
        except ValueError as err:
            return _bad_request(request, str(err))
        etag = etag_of(inner)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return web.Response(status=304, headers={"ETag": etag})
        return container(request, inner, headers={"ETag": etag})

    async def change_watchlist(request: web.Request, record: SimToken) -> web.Response:
        rating_key = request.query.get("ratingKey")
        if not rating_key:
            return _bad_request(request, "ratingKey is missing")
        try:
            if request.match_info["action"] == "addToWatchlist":
                sim.library.add(record.account_uuid, rating_key, now_utc())
            else:
                sim.library.remove(record.account_uuid, rating_key)
        except KeyError:
            return _not_found(request)
        return web.Response(status=200)

    async def search(request: web.Request, record: SimToken) -> web.Response:
        wanted = request.query.get("searchTypes", "movies,tv")
        kinds = {SEARCH_TYPES.get(part.strip(), "") for part in wanted.split(",")} - {""}
        try:
            limit = int(request.query.get("limit", DEFAULT_SEARCH_LIMIT))
        except ValueError:
            return _bad_request(request, "limit must be a number")
        hits = sim.library.search(request.query.get("query", ""), kinds=kinds, limit=limit)
        results = [{"score": score, "Metadata": item} for score, item in hits]
        return container(
            request,
            {
                "size": len(results),
                "identifier": "tv.plex.provider.discover",
                "SearchResults": [
                    # Plex's own libraries come first; the client wants the "external" entry.
                    {"id": "plex", "title": "Plex", "size": 0, "SearchResult": []},
                    {
                        "id": "external",
                        "title": "More Ways To Watch",
                        "size": len(results),
                        "SearchResult": results,
                    },
                ],
            },
        )

    app.router.add_get("/library/sections/watchlist/{filter}", sim.signed_in(watchlist))
    app.router.add_put(
        "/actions/{action:addToWatchlist|removeFromWatchlist}", sim.signed_in(change_watchlist)
    )
    app.router.add_get("/library/search", sim.signed_in(search))


def add_metadata_routes(sim: PlexTVSimulator, app: web.Application) -> None:
    """Serve the metadata host's user state and scrobble routes from sim's state."""

    async def user_state(request: web.Request, record: SimToken) -> web.Response:
        try:
            state = sim.library.user_state(record.account_uuid, request.match_info["rating_key"])
        except KeyError:
            return _not_found(request)
        return container(
            request,
            {"size": 1, "identifier": "com.plexapp.plugins.library", "UserState": state},
        )

    async def scrobble(request: web.Request, record: SimToken) -> web.Response:
        rating_key = request.query.get("key")
        if not rating_key:
            return _bad_request(request, "key is missing")
        if request.query.get("identifier") != "com.plexapp.plugins.library":
            return _bad_request(request, "identifier must be com.plexapp.plugins.library")
        try:
            sim.library.scrobble(record.account_uuid, rating_key, now_utc())
        except KeyError:
            return _not_found(request)
        return web.Response(status=200)

    app.router.add_get("/library/metadata/{rating_key}/userState", sim.signed_in(user_state))
    app.router.add_get("/actions/scrobble", sim.signed_in(scrobble))
