"""The routes of Plex's discover host (watchlist, search) and metadata host (user state)."""

from typing import TYPE_CHECKING, Any

from aiohttp import web

from library.simulators.common import now_utc
from library.simulators.render import answer

from .library import etag_of
from .render import error, to_xml
from .state import SimToken

if TYPE_CHECKING:
    from .app import PlexTVSimulator


def container(
    request: web.Request, inner: dict[str, Any], headers: dict[str, str] | None = None
) -> web.Response:
    """Answer with a MediaContainer, as JSON ({"MediaContainer": ...}) or XML."""
    xml = lambda: to_xml("MediaContainer", inner)  # noqa: E731
    return answer(request, {"MediaContainer": inner}, xml, headers=headers)


def _not_found(request: web.Request) -> web.Response:
    # Not plex.tv's pin code (1020): the client must not take it for an expired pin.
    return error(request, 404, code=404, message="No item has this ratingKey")


def add_discover_routes(sim: PlexTVSimulator, app: web.Application) -> None:
    """Serve the discover host's watchlist and search routes from sim's state.

    The watchlist is served newest first, in pages of X-Plex-Container-Size items from
    X-Plex-Container-Start (query values), with an ETag; an If-None-Match of it answers 304.
    """

    async def watchlist(request: web.Request, record: SimToken) -> web.Response:
        try:
            start = int(request.query.get("X-Plex-Container-Start", 0))
            size = request.query.get("X-Plex-Container-Size")
            inner = sim.library.page(
                record.account_uuid, start=start, size=None if size is None else int(size)
            )
        except ValueError:
            return error(request, 400, code=400, message="paging values must be numbers")
        etag = etag_of(inner)
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return container(request, inner, {"ETag": etag})

    async def change_watchlist(request: web.Request, record: SimToken) -> web.Response:
        rating_key = request.query.get("ratingKey", "")
        try:
            if request.match_info["action"] == "addToWatchlist":
                sim.library.add(record.account_uuid, rating_key, now_utc())
            else:
                sim.library.remove(record.account_uuid, rating_key)
        except KeyError:
            return _not_found(request)
        return web.Response(status=200)

    async def search(request: web.Request, record: SimToken) -> web.Response:
        try:
            limit = int(request.query.get("limit", 30))
        except ValueError:
            return error(request, 400, code=400, message="limit must be a number")
        hits = sim.library.search(request.query.get("query", ""), limit=limit)
        results = [{"score": score, "Metadata": item} for score, item in hits]
        # Plex's own libraries come first; the client wants the "external" entry.
        plex = {"id": "plex", "title": "Plex", "size": 0, "SearchResult": []}
        external = {"id": "external", "title": "More Ways To Watch", "size": len(results)}
        return container(
            request,
            {
                "size": len(results),
                "identifier": "tv.plex.provider.discover",
                "SearchResults": [plex, external | {"SearchResult": results}],
            },
        )

    app.router.add_get("/library/sections/watchlist/all", sim.signed_in(watchlist))
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
        inner = {"size": 1, "identifier": "com.plexapp.plugins.library", "UserState": state}
        return container(request, inner)

    async def scrobble(request: web.Request, record: SimToken) -> web.Response:
        try:
            sim.library.scrobble(record.account_uuid, request.query.get("key", ""), now_utc())
        except KeyError:
            return _not_found(request)
        return web.Response(status=200)

    app.router.add_get("/library/metadata/{rating_key}/userState", sim.signed_in(user_state))
    app.router.add_get("/actions/scrobble", sim.signed_in(scrobble))
