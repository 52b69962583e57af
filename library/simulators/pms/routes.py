"""The server's library, media, transcoder, token, scan and updater routes.

GET /library/metadata/{rk}?includeMarkers=1 adds each film's and episode's Marker list
(Item.markers(): intro and credits, in ms).

Lists are paged by X-Plex-Container-Start and X-Plex-Container-Size (query or header): the
answer has size, totalSize and offset, and the header X-Plex-Container-Total-Size; size 0
answers the count alone, with no Metadata.
"""

import secrets
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from .artwork import artwork
from .library import TYPE_NAMES, Item, Section
from .media import content_type, part_bytes, pitch, ranged, tone
from .render import TOKEN, error_page, media_container
from .updater import CANNOT_INSTALL
from .video import HEIGHT, SECONDS, WIDTH, ts_segment

if TYPE_CHECKING:
    from .app import PMSSimulator

START = "X-Plex-Container-Start"
SIZE = "X-Plex-Container-Size"
TOTAL = "X-Plex-Container-Total-Size"
HUBS = [
    ("movie", "Movies"),
    ("show", "Shows"),
    ("season", "Seasons"),
    ("episode", "Episodes"),
    ("artist", "Artists"),
    ("album", "Albums"),
    ("track", "Tracks"),
    ("photoalbum", "Photo Albums"),
    ("photo", "Photos"),
]
"""The hubs of /hubs/search, in the order a server lists them."""
HLS = "application/vnd.apple.mpegurl"
MAX_IMAGE = 2000
"""The largest side /photo/:/transcode draws."""


def _number(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name, request.headers.get(name))
    try:
        return None if raw is None else max(0, int(raw))
    except ValueError:
        return None


def paged(
    request: web.Request,
    items: Sequence[Item],
    extra: dict[str, Any] | None = None,
    *,
    markers: bool = False,
) -> web.Response:
    """Answer a page of items as MediaContainer.Metadata, with the paging attributes.

    With `markers`, films and episodes carry their Marker elements.
    """
    start = _number(request, START) or 0
    size = _number(request, SIZE)
    total = len(items)
    chosen = items[start:] if size is None else items[start : start + size]
    container: dict[str, Any] = {"size": len(chosen), "totalSize": total, "offset": start}
    container |= {"allowSync": True, "identifier": "com.plexapp.plugins.library"}
    container |= extra or {}
    if chosen:
        container["Metadata"] = [
            item.as_json() | ({"Marker": found} if markers and (found := item.markers()) else {})
            for item in chosen
        ]
    headers = {START: str(start), TOTAL: str(total)}
    return media_container(request, container, headers=headers)


def _section_attributes(section: Section) -> dict[str, Any]:
    return {
        "librarySectionID": int(section.key),
        "librarySectionTitle": section.title,
        "librarySectionUUID": section.uuid,
        "title1": section.title,
    }


def add_library_routes(sim: PMSSimulator, app: web.Application) -> None:  # noqa: C901, PLR0915
    """Serve the library, media, transcoder, token, scan and updater routes of sim."""
    library = sim.library

    def section_of(request: web.Request) -> Section:
        section = library.sections.get(request.match_info["section"])
        if section is None:
            raise web.HTTPNotFound
        return section

    async def sections(request: web.Request) -> web.Response:
        directories = [section.as_json() for section in library.sections.values()]
        container = {
            "size": len(directories),
            "allowSync": False,
            "title1": "Plex Library",
            "Directory": directories,
        }
        return media_container(request, container)

    async def section_all(request: web.Request) -> web.Response:
        section = section_of(request)
        kind: str | None = None
        if "type" in request.query:
            try:
                kind = TYPE_NAMES.get(int(request.query["type"]), "unknown")
            except ValueError:
                return error_page(400)
        elif section.type == "photo" and request.query.get("clusterZoomLevel") == "1":
            kind = "photo"  # a photo section's photos, as Home Assistant counts them
        sort = request.query.get("sort", "titleSort")
        return paged(request, section.listing(kind, sort), _section_attributes(section))

    async def first_characters(request: web.Request) -> web.Response:
        section = section_of(request)
        groups = [
            {"size": size, "key": group, "title": group}
            for group, size in section.first_characters()
        ]
        container = {"size": len(groups), **_section_attributes(section), "Directory": groups}
        return media_container(request, container)

    async def first_character(request: web.Request) -> web.Response:
        section = section_of(request)
        items = section.with_first_character(request.match_info["char"])
        return paged(request, items, _section_attributes(section))

    async def metadata(request: web.Request) -> web.Response:
        keys = request.match_info["keys"].split(",")
        items = [library.items[key] for key in keys if key in library.items]
        if not items:
            return error_page(404)
        return paged(request, items, markers=request.query.get("includeMarkers") == "1")

    async def children(request: web.Request) -> web.Response:
        item = library.items.get(request.match_info["key"])
        if item is None:
            return error_page(404)
        extra = {
            "key": item.rating_key,
            "parentTitle": item.title,
            "parentRatingKey": item.rating_key,
            "title1": item.section.title,
            "title2": item.title,
        }
        return paged(request, item.children, extra | _section_attributes(item.section))

    async def recently_added(request: web.Request) -> web.Response:
        items = filtered(request, library.recently_added())
        return paged(request, items, {"mixedParents": True, "title1": "Recently Added"})

    async def on_deck(request: web.Request) -> web.Response:
        items = filtered(request, library.on_deck())
        return paged(request, items, {"mixedParents": True, "title1": "On Deck"})

    def filtered(request: web.Request, items: list[Item]) -> Sequence[Item]:
        section = request.query.get("sectionID")
        kind = request.query.get("type")
        if section is None and kind is None:
            return items
        name = TYPE_NAMES.get(int(kind), "unknown") if kind and kind.isdigit() else None
        return [
            item
            for item in items
            if section in {None, item.section.key} and (kind is None or item.type == name)
        ]

    async def search(request: web.Request) -> web.Response:
        query = request.query.get("query", "")
        try:
            limit = int(request.query.get("limit", "3"))
        except ValueError:
            return error_page(400)
        found = library.search(query, request.query.get("sectionId")) if query else {}
        hubs = []
        for kind, title in HUBS:
            if items := found.get(kind):
                shown = items[:limit]
                hubs.append(
                    {
                        "hubIdentifier": kind,
                        "type": kind,
                        "title": title,
                        "size": len(shown),
                        "more": len(items) > len(shown),
                        "Metadata": [item.as_json() for item in shown],
                    }
                )
        return media_container(request, {"size": len(hubs)} | ({"Hub": hubs} if hubs else {}))

    async def photo_transcode(request: web.Request) -> web.Response:
        path = urlsplit(request.query.get("url", "")).path
        if not path.startswith("/"):
            return error_page(400)
        try:
            width = min(MAX_IMAGE, max(1, int(request.query.get("width", "100"))))
            height = min(MAX_IMAGE, max(1, int(request.query.get("height", "150"))))
        except ValueError:
            return error_page(400)
        return web.Response(body=artwork(path, width, height), content_type="image/png")

    async def picture(request: web.Request) -> web.Response:
        return web.Response(body=artwork(request.path), content_type="image/png")

    async def part(request: web.Request) -> web.Response:
        item = library.by_part(int(request.match_info["part"]))
        if item is None:
            return error_page(404)
        headers = {}
        if request.query.get("download") == "1":
            name = item.file.rsplit("/", 1)[-1] if item.file else f"file.{item.container}"
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return ranged(request, part_bytes(item), content_type(item.container), headers)

    def transcoded(request: web.Request, kinds: set[str]) -> Item | None:
        path = request.query.get("path", "")
        key = path.removeprefix("/library/metadata/")
        item = library.items.get(key) if path.startswith("/library/metadata/") else None
        query = {name: value for name, value in request.query.items() if name != TOKEN}
        sim.transcodes.append({"path": request.path, "query": query})
        return item if item is not None and item.type in kinds else None

    async def music_transcode(request: web.Request) -> web.Response:
        item = transcoded(request, {"track"})
        if item is None:
            return error_page(404)
        return ranged(request, tone(pitch(item.rating_key)), content_type("wav"))

    async def video_transcode(request: web.Request) -> web.Response:
        item = transcoded(request, {"movie", "episode"})
        if item is None:
            return error_page(404)
        session = request.query.get("session") or request.query.get("transcodeSessionId")
        session = session or str(uuid.uuid4())
        sim.transcode_sessions[session] = item.rating_key
        playlist = (
            "#EXTM3U\n"
            "#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=400000,"
            f'RESOLUTION={WIDTH}x{HEIGHT},CODECS="avc1.42c01e"\n'
            f"session/{session}/base/index.m3u8\n"
        )
        return web.Response(body=playlist.encode(), content_type=HLS)

    def session_item(request: web.Request) -> Item:
        key = sim.transcode_sessions.get(request.match_info["session"])
        if key is None or key not in library.items:
            raise web.HTTPNotFound
        return library.items[key]

    async def video_index(request: web.Request) -> web.Response:
        item = session_item(request)
        segments = max(1, -(-(item.duration or 0) // (SECONDS * 1000)))
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{SECONDS}",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD",
        ]
        for number in range(segments):
            lines += [f"#EXTINF:{SECONDS:.1f},", f"{number:05}.ts"]
        lines.append("#EXT-X-ENDLIST")
        return web.Response(body="\n".join([*lines, ""]).encode(), content_type=HLS)

    async def video_segment(request: web.Request) -> web.Response:
        session_item(request)
        return ranged(request, ts_segment(int(request.match_info["segment"])), content_type("ts"))

    async def transient_token(request: web.Request) -> web.Response:
        token = f"transient-{secrets.token_hex(16)}"
        sim.transient_tokens.add(token)
        return media_container(request, {"size": 0, "token": token})

    async def refresh(request: web.Request) -> web.Response:
        sim.scan(section_of(request).key)
        return web.Response(status=200)

    async def updater_status(request: web.Request) -> web.Response:
        return media_container(request, sim.updater.status(sim.token))

    async def updater_check(request: web.Request) -> web.Response:
        sim.updater.checks.append(request.query.get("download") == "1")
        sim.updater.checked_at = sim.epoch()
        return web.Response(status=200)

    async def updater_apply(request: web.Request) -> web.Response:
        if not sim.updater.can_install or sim.updater.release is None:
            return web.Response(status=400, text=CANNOT_INSTALL)
        sim.apply_update()
        return web.Response(status=200)

    router = app.router
    router.add_get("/library/sections", sections)
    router.add_get("/library/sections/{section}/all", section_all)
    router.add_get("/library/sections/{section}/firstCharacter", first_characters)
    router.add_get("/library/sections/{section}/firstCharacter/{char}", first_character)
    for method in ("GET", "POST"):
        router.add_route(method, "/library/sections/{section}/refresh", refresh)
        router.add_route(method, "/security/token", transient_token)
    router.add_get("/library/metadata/{keys}", metadata)
    router.add_get("/library/metadata/{key}/children", children)
    router.add_get("/library/recentlyAdded", recently_added)
    router.add_get("/library/onDeck", on_deck)
    router.add_get("/hubs/search", search)
    router.add_get("/photo/:/transcode", photo_transcode)
    router.add_get("/:/resources/{name}.png", picture)
    router.add_get("/library/sections/{section}/composite/{stamp}", picture)
    router.add_get(r"/library/parts/{part:\d+}/{stamp}/{name}", part)
    router.add_get("/music/:/transcode/universal/start.mp3", music_transcode)
    router.add_get("/video/:/transcode/universal/start.m3u8", video_transcode)
    base = "/video/:/transcode/universal/session/{session}/base"
    router.add_get(f"{base}/index.m3u8", video_index)
    router.add_get(f"{base}/{{segment:\\d+}}.ts", video_segment)
    router.add_get("/updater/status", updater_status)
    router.add_put("/updater/check", updater_check)
    router.add_put("/updater/apply", updater_apply)
