"""The Media panel: each account's servers, their libraries, and what plays from them.

Identifiers are paths: `<entry>` (an account), `<entry>/<server>` (a server: recently added,
continue watching and its libraries), `<entry>/<server>/section/<key>`, a letter group
`<entry>/<server>/letter/<key>/<character>`, an item `<entry>/<server>/item/<rating key>`,
`<entry>/<server>/recent` and `<entry>/<server>/ondeck`.

A level is read a page at a time; a library of more than a few hundred items is grouped by
first letter, as Plex's own apps do, so that no level holds a whole large library. Posters
come through Home Assistant on signed, expiring paths; a resolved item's URL carries a
transient token that the server issues for it, never the server's or the account's token.
"""

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any, Final, override
from urllib.parse import quote, unquote, urlencode
from uuid import uuid4

from aiohttp import web
from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.media_player import (
    BrowseError,
    BrowseMedia,
    MediaClass,
    MediaType,
    SearchMedia,
    SearchMediaQuery,
)
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from .aioplexaccount import LibraryItem, Page, PlexError, PMSClient, Resource
from .const import DOMAIN, LOGGER
from .coordinator import PlexAccountConfigEntry

# More children than this in one level are grouped by first letter, as Plex's apps do.
GROUP_ABOVE: Final = 300
# A level shows at most this many children; it says how many it leaves out.
MAX_CHILDREN: Final = 1000
# Recently added and continue watching: as many as a screen shows.
SHORTLIST: Final = 50
SEARCH_LIMIT: Final = 20
# A poster's signed path works this long: the panel asks for it again when it reloads.
IMAGE_EXPIRY: Final = timedelta(hours=1)
IMAGE_URL: Final = "/api/plex_account/image/{entry_id}/{server_id}"

RECENT: Final = "recent"
ON_DECK: Final = "ondeck"
SECTION: Final = "section"
LETTER: Final = "letter"
ITEM: Final = "item"
PLAYLISTS: Final = "playlists"
PLAYLIST: Final = "playlist"

# Files a browser (and most players that take a URL) play as they are.
DIRECT_PLAY: Final = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "wav": "audio/wav",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
HLS: Final = "application/vnd.apple.mpegurl"

_CLASSES: Final = {
    "movie": (MediaClass.MOVIE, MediaType.MOVIE),
    "show": (MediaClass.TV_SHOW, MediaType.TVSHOW),
    "season": (MediaClass.SEASON, MediaType.SEASON),
    "episode": (MediaClass.EPISODE, MediaType.EPISODE),
    "artist": (MediaClass.ARTIST, MediaType.ARTIST),
    "album": (MediaClass.ALBUM, MediaType.ALBUM),
    "track": (MediaClass.TRACK, MediaType.TRACK),
    "photo": (MediaClass.IMAGE, MediaType.IMAGE),
    "photoalbum": (MediaClass.ALBUM, MediaType.ALBUM),
    "clip": (MediaClass.VIDEO, MediaType.VIDEO),
    "playlist": (MediaClass.PLAYLIST, MediaType.PLAYLIST),
}
_SECTION_CLASSES: Final = {
    "movie": MediaClass.MOVIE,
    "show": MediaClass.TV_SHOW,
    "artist": MediaClass.ARTIST,
    "photo": MediaClass.IMAGE,
}
_VIDEO: Final = frozenset({"movie", "episode", "clip"})
# Whether the running Home Assistant offers search in media sources.
_CAN_SEARCH: Final = "can_search" in inspect.signature(BrowseMedia.__init__).parameters


async def async_get_media_source(hass: HomeAssistant) -> PlexAccountMediaSource:
    """Return the media source of the integration, and serve its posters."""
    hass.http.register_view(PlexImageView())
    return PlexAccountMediaSource(hass)


@dataclass(frozen=True, kw_only=True)
class Location:
    """Where an identifier points: an entry, a server in it, and a level of the server."""

    entry_id: str
    server_id: str | None = None
    kind: str | None = None
    args: tuple[str, ...] = ()

    @classmethod
    def parse(cls, identifier: str) -> Location:
        """Read an identifier; raise ValueError for one that is no location."""
        parts = identifier.split("/")
        if not all(parts) or len(parts) > 5:
            msg = "not an identifier of the integration"
            raise ValueError(msg)
        return cls(
            entry_id=parts[0],
            server_id=parts[1] if len(parts) > 1 else None,
            kind=parts[2] if len(parts) > 2 else None,
            args=tuple(parts[3:]),
        )

    def child(self, *parts: str) -> str:
        """Return the identifier of a level below this server."""
        return "/".join((self.entry_id, self.server_id or "", *parts))


def _translated(error: type[HomeAssistantError], key: str, **placeholders: str) -> Exception:
    return error(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


class PlexAccountMediaSource(MediaSource):
    """Browse and play the libraries of every server of every account set up."""

    name = "Plex"

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the integration's media source."""
        super().__init__(DOMAIN)
        self.hass = hass

    @override
    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Return one level: the accounts, an account's servers, or a level of a server."""
        if not item.identifier:
            return self._root()
        location = self._location(item.identifier, BrowseError)
        entry = self._entry(location.entry_id, BrowseError)
        if location.server_id is None:
            return self._account(entry)
        resource = self._server(entry, location.server_id, BrowseError)
        try:
            client = await entry.runtime_data.sessions.async_client(location.server_id)
            return await self._browse_server(entry, resource, client, location)
        except PlexError as err:
            entry.runtime_data.sessions.async_forget_connection(location.server_id)
            raise _translated(BrowseError, "server_unreachable", server=resource.name) from err
        except ValueError as err:
            raise _translated(BrowseError, "unknown_media", identifier=item.identifier) from err

    @override
    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Return a URL the player fetches from the server itself, with a transient token."""
        location = self._location(item.identifier, Unresolvable)
        if location.kind == PLAYLIST:
            raise _translated(Unresolvable, "playlist_on_plex_player")
        if location.kind != ITEM or len(location.args) != 1 or location.server_id is None:
            raise _translated(Unresolvable, "unknown_media", identifier=item.identifier)
        entry = self._entry(location.entry_id, Unresolvable)
        resource = self._server(entry, location.server_id, Unresolvable)
        try:
            client = await entry.runtime_data.sessions.async_client(location.server_id)
            found = await client.items(location.args)
            if not found or not found[0].is_leaf:
                raise _translated(Unresolvable, "unknown_media", identifier=item.identifier)
            token = await client.transient_token()
        except PlexError as err:
            entry.runtime_data.sessions.async_forget_connection(location.server_id)
            raise _translated(Unresolvable, "server_unreachable", server=resource.name) from err
        except ValueError as err:
            raise _translated(Unresolvable, "unknown_media", identifier=item.identifier) from err
        return playable(
            client, found[0], token, entry.runtime_data.account.client.identity.client_identifier
        )

    @override
    async def async_search_media(
        self, item: MediaSourceItem, query: SearchMediaQuery
    ) -> SearchMedia:
        """Search the servers of an account (or one server) for titles, all at once."""
        where = self._location(item.identifier, BrowseError) if item.identifier else None
        entries = self._loaded() if where is None else [self._entry(where.entry_id, BrowseError)]
        searches = [
            self._search(entry, server_id, query)
            for entry in entries
            for server_id in entry.runtime_data.account.data.servers
            if where is None or where.server_id in {None, server_id}
        ]
        found = await asyncio.gather(*searches)
        return SearchMedia(result=[each for results in found for each in results])

    async def _search(
        self, entry: PlexAccountConfigEntry, server_id: str, query: SearchMediaQuery
    ) -> list[BrowseMedia]:
        """Search one server; one that does not answer finds nothing."""
        location = Location(entry_id=entry.entry_id, server_id=server_id)
        try:
            client = await entry.runtime_data.sessions.async_client(server_id)
            hubs = await client.search(query.search_query, limit=SEARCH_LIMIT)
        except PlexError as err:
            LOGGER.debug("Could not search server %s: %s", server_id, err)
            entry.runtime_data.sessions.async_forget_connection(server_id)
            return []
        return [
            self._item(location, found)
            for hub in hubs
            for found in hub.items
            if query.media_filter_classes is None
            or _CLASSES.get(found.type, (None,))[0] in query.media_filter_classes
        ]

    # Levels

    def _root(self) -> BrowseMediaSource:
        entries = self.hass.config_entries.async_loaded_entries(DOMAIN)
        children = [self._account(entry, with_children=False) for entry in entries]
        return _directory(None, "Plex", children, search=bool(children))

    def _account(
        self, entry: PlexAccountConfigEntry, *, with_children: bool = True
    ) -> BrowseMediaSource:
        account = entry.runtime_data.account.data.account
        title = account.title or account.username or entry.title
        children: list[BrowseMedia] | None = None
        if with_children:
            children = [
                _directory(
                    f"{entry.entry_id}/{resource.client_identifier}",
                    resource.name,
                    None,
                    search=True,
                    media_class=MediaClass.DIRECTORY,
                )
                for resource in sorted(
                    entry.runtime_data.account.data.servers.values(),
                    key=lambda server: (not server.owned, server.name.casefold()),
                )
            ]
        return _directory(entry.entry_id, title, children, search=True)

    async def _browse_server(
        self,
        entry: PlexAccountConfigEntry,
        resource: Resource,
        client: PMSClient,
        location: Location,
    ) -> BrowseMediaSource:
        identifier = location.child(*filter(None, (location.kind, *location.args)))
        if location.kind is None:
            sections = await client.sections()
            children: list[BrowseMedia] = [
                _directory(location.child(RECENT), "Recently added", None),
                _directory(location.child(ON_DECK), "Continue watching", None),
                _directory(location.child(PLAYLISTS), "Playlists", None),
            ]
            children.extend(
                _directory(
                    location.child(SECTION, section.key),
                    section.title,
                    None,
                    media_class=_SECTION_CLASSES.get(section.type, MediaClass.DIRECTORY),
                )
                for section in sections
            )
            return _directory(identifier, resource.name, children, search=True)
        # Each kind of level, by its name and how many parts follow the name.
        levels: dict[tuple[str, int], Callable[..., Awaitable[BrowseMediaSource]]] = {
            (RECENT, 0): self._recent,
            (ON_DECK, 0): self._on_deck,
            (PLAYLISTS, 0): self._playlists,
            (SECTION, 1): self._section,
            (LETTER, 2): self._letter,
            (PLAYLIST, 1): self._playlist,
            (ITEM, 1): self._item_level,
        }
        if (level := levels.get((location.kind, len(location.args)))) is None:
            raise ValueError(identifier)
        return await level(location, identifier, client, *location.args)

    async def _recent(
        self, location: Location, identifier: str, client: PMSClient
    ) -> BrowseMediaSource:
        page = await client.recently_added(size=SHORTLIST)
        return self._page(location, identifier, "Recently added", page)

    async def _on_deck(
        self, location: Location, identifier: str, client: PMSClient
    ) -> BrowseMediaSource:
        page = await client.on_deck(size=SHORTLIST)
        return self._page(location, identifier, "Continue watching", page)

    async def _playlists(
        self, location: Location, identifier: str, client: PMSClient
    ) -> BrowseMediaSource:
        page = await client.playlists(size=MAX_CHILDREN)
        return self._page(location, identifier, "Playlists", page)

    async def _letter(
        self, location: Location, identifier: str, client: PMSClient, key: str, character: str
    ) -> BrowseMediaSource:
        character = unquote(character)
        page = await client.letter_items(key, character, size=MAX_CHILDREN)
        return self._page(location, identifier, character, page)

    async def _playlist(
        self, location: Location, identifier: str, client: PMSClient, key: str
    ) -> BrowseMediaSource:
        playlists = (await client.playlists(size=MAX_CHILDREN)).items
        if (found := next((each for each in playlists if each.rating_key == key), None)) is None:
            raise ValueError(key)
        return self._with_children(
            location, found, await client.playlist_items(key, size=MAX_CHILDREN)
        )

    async def _item_level(
        self, location: Location, identifier: str, client: PMSClient, key: str
    ) -> BrowseMediaSource:
        found = await client.items([key])
        if not found:
            raise ValueError(key)
        if found[0].is_leaf:
            return self._item(location, found[0])
        return self._with_children(
            location, found[0], await client.children(key, size=MAX_CHILDREN)
        )

    def _with_children(
        self, location: Location, item: LibraryItem, page: Page
    ) -> BrowseMediaSource:
        parent = self._item(location, item)
        parent.children = [self._item(location, child) for child in page.items]
        parent.not_shown = max(page.total - page.offset - len(page.items), 0)
        return parent

    async def _section(
        self, location: Location, identifier: str, client: PMSClient, key: str
    ) -> BrowseMediaSource:
        """Return a section's items, or their letter groups when there are many."""
        sections = {section.key: section for section in await client.sections()}
        if (section := sections.get(key)) is None:
            raise ValueError(key)
        page = await client.section_items(key, size=GROUP_ABOVE)
        if page.total <= len(page.items):
            return self._page(location, identifier, section.title, page)
        groups = await client.first_characters(key)
        children: list[BrowseMedia] = [
            _directory(
                location.child(LETTER, key, quote(group.key, safe="")),
                group.title,
                None,
                media_class=MediaClass.DIRECTORY,
            )
            for group in groups
        ]
        return _directory(identifier, section.title, children)

    def _page(
        self, location: Location, identifier: str, title: str, page: Page
    ) -> BrowseMediaSource:
        directory = _directory(
            identifier, title, [self._item(location, item) for item in page.items]
        )
        directory.not_shown = max(page.total - page.offset - len(page.items), 0)
        return directory

    def _item(self, location: Location, item: LibraryItem) -> BrowseMediaSource:
        media_class, content_type = _CLASSES.get(item.type, (MediaClass.VIDEO, MediaType.VIDEO))
        playlist = item.type == PLAYLIST
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=location.child(PLAYLIST if playlist else ITEM, item.rating_key),
            media_class=media_class,
            media_content_type=content_type,
            # Plex's own title: the year and number are in Plex's apps' subtitles, not titles.
            title=item.title,
            # A playlist plays whole on a Plex player (play_media); its items play anywhere.
            can_play=item.is_leaf or playlist,
            can_expand=not item.is_leaf,
            thumbnail=self._thumbnail(location, item.artwork),
        )

    def _thumbnail(self, location: Location, path: str | None) -> str | None:
        """Return a signed, expiring path of Home Assistant's own for a poster."""
        if path is None:
            return None
        url = IMAGE_URL.format(entry_id=location.entry_id, server_id=location.server_id)
        return async_sign_path(
            self.hass, f"{url}?{urlencode({'path': path})}", IMAGE_EXPIRY, use_content_user=True
        )

    # Lookups

    @staticmethod
    def _location(identifier: str, error: type[HomeAssistantError]) -> Location:
        try:
            return Location.parse(identifier)
        except ValueError as err:
            raise _translated(error, "unknown_media", identifier=identifier) from err

    def _entry(self, entry_id: str, error: type[HomeAssistantError]) -> PlexAccountConfigEntry:
        entry: PlexAccountConfigEntry | None = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN or entry not in self._loaded():
            raise _translated(error, "account_not_loaded")
        return entry

    @callback
    def _loaded(self) -> list[PlexAccountConfigEntry]:
        return self.hass.config_entries.async_loaded_entries(DOMAIN)

    @staticmethod
    def _server(
        entry: PlexAccountConfigEntry, server_id: str, error: type[HomeAssistantError]
    ) -> Resource:
        if (resource := entry.runtime_data.account.data.servers.get(server_id)) is None:
            raise _translated(error, "server_not_found")
        return resource


def _directory(
    identifier: str | None,
    title: str,
    children: Sequence[BrowseMedia] | None,
    *,
    search: bool = False,
    media_class: MediaClass = MediaClass.DIRECTORY,
) -> BrowseMediaSource:
    extra: dict[str, Any] = {"can_search": search} if _CAN_SEARCH else {}
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=identifier,
        media_class=MediaClass.DIRECTORY,
        media_content_type="",
        title=title,
        can_play=False,
        can_expand=True,
        children=None if children is None else list(children),
        children_media_class=media_class,
        **extra,
    )


def playable(client: PMSClient, item: LibraryItem, token: str, client_id: str) -> PlayMedia:
    """Return how a player plays an item: its file where it can, else the transcoder's.

    Either URL points at the connection in use and carries the transient token.
    """
    part = item.parts[0] if item.parts else None
    if part is not None and (mime := DIRECT_PLAY.get(part.container or "")) is not None:
        return PlayMedia(client.media_url(part.key, token), mime)
    path = f"/library/metadata/{item.rating_key}"
    identity = {"X-Plex-Client-Identifier": client_id, "session": uuid4().hex}
    if item.type == "photo":
        url = part.key if part is not None else path
        params = {"url": url, "width": "1920", "height": "1080", "minSize": "1"}
        return PlayMedia(client.media_url("/photo/:/transcode", token, params), "image/jpeg")
    if item.type in _VIDEO:
        params = {"path": path, "protocol": "hls", "directPlay": "0", "directStream": "1"}
        url = client.media_url("/video/:/transcode/universal/start.m3u8", token, params | identity)
        return PlayMedia(url, HLS)
    params = {"path": path, "protocol": "http"}
    url = client.media_url("/music/:/transcode/universal/start.mp3", token, params | identity)
    return PlayMedia(url, "audio/mpeg")


class PlexImageView(HomeAssistantView):
    """Serve a poster of a server through Home Assistant, on a signed path only."""

    url = IMAGE_URL
    name = "api:plex_account:image"
    requires_auth = True

    async def get(self, request: web.Request, entry_id: str, server_id: str) -> web.Response:
        """Fetch the picture from the server over the connection in use."""
        hass = request.app[KEY_HASS]
        entry: PlexAccountConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
        path = request.query.get("path", "")
        if (
            entry is None
            or entry.domain != DOMAIN
            or entry not in hass.config_entries.async_loaded_entries(DOMAIN)
        ):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        artwork = await entry.runtime_data.sessions.async_artwork(server_id, path)
        if artwork is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=artwork.data,
            content_type=artwork.content_type,
            headers={"Cache-Control": "private, max-age=3600"},
        )
