"""Asynchronous client for one Plex Media Server at one address."""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, NamedTuple
from urllib.parse import quote, urlencode

from aiohttp import ClientSession

from .exceptions import PlexIdentityError, PlexNotFoundError, PlexResponseError
from .fields import container
from .identity import PlexIdentity
from .library import (
    SECTION_COUNTS,
    TYPE_NUMBERS,
    Hub,
    LetterGroup,
    LibraryItem,
    LibrarySection,
    Marker,
    Page,
    SectionCounts,
    UpdateStatus,
)
from .remote import COMMANDS, PlayQueue, RemotePlayer, playing_queue
from .request import Answer, JSONLoads, check_token, decode, send
from .sessions import ServerIdentity, Session

SERVER: Final = "the server"
# Artwork is a poster or a cover; a bigger answer is not a picture worth proxying.
MAX_ARTWORK_BYTES: Final = 10 * 1024 * 1024
# Only pictures a browser shows as pictures: an SVG can carry script, which Home Assistant
# would serve from its own origin.
ARTWORK_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
# A busy server's sessions are a few hundred kilobytes; anything past this is not an answer.
MAX_BODY_BYTES: Final = 16 * 1024 * 1024
# A page of a library: enough for a screen of posters, small enough to answer at once.
DEFAULT_PAGE_SIZE: Final = 100
# At most this many items are asked for by their keys in one request.
MAX_KEYS_PER_REQUEST: Final = 100
_PAGE_START: Final = "X-Plex-Container-Start"
_PAGE_SIZE: Final = "X-Plex-Container-Size"
# Rating keys and section keys are numbers; anything else must not reach a path.
_KEY: Final = re.compile(r"[0-9A-Za-z_-]{1,64}")


class Artwork(NamedTuple):
    """A picture fetched from the server: its bytes and their content type."""

    data: bytes
    content_type: str


@dataclass(kw_only=True)
class PMSClient:
    """Talk to one Plex Media Server at one base URL with the server's own token.

    The session is the caller's and is never closed here. Redirects are refused: the token
    must reach no other host than the one the caller chose (and checked, see
    choose_connection()).
    """

    session: ClientSession
    base_url: str
    token: str = field(repr=False)
    identity: PlexIdentity | None = None
    request_timeout: float = 10.0
    json_loads: JSONLoads = field(default=json.loads, repr=False)

    async def server_identity(self) -> ServerIdentity:
        """Fetch GET /identity: which machine answers at the base URL. Sends no token."""
        return ServerIdentity.from_dict(await self._json("/identity", authenticated=False))

    async def verify_identity(self, machine_identifier: str) -> ServerIdentity:
        """Fetch the identity, raising PlexIdentityError if another server answers."""
        identity = await self.server_identity()
        if identity.machine_identifier != machine_identifier:
            msg = "Another server answers at this address: its machineIdentifier differs"
            raise PlexIdentityError(msg)
        return identity

    async def sessions(self) -> list[Session]:
        """Fetch what plays on the server now (the owner's or an admin's token is needed)."""
        return Session.list_from_dict(await self._json("/status/sessions", authenticated=True))

    # Players

    async def players(self) -> list[RemotePlayer]:
        """Fetch the players the server knows, with what each accepts."""
        return RemotePlayer.list_from_dict(await self._json("/clients"))

    async def player_command(
        self,
        player_id: str,
        command: str,
        params: Mapping[str, str] | None = None,
        *,
        command_id: int,
        media_type: str = "video",
    ) -> None:
        """Send a playback command to a player through the server.

        `command_id` must grow with each command to the same player; `media_type` is
        video, music or photo, as Plex names them.
        """
        if command not in COMMANDS:
            msg = f"{command!r} is not a playback command"
            raise ValueError(msg)
        query = {**(params or {}), "commandID": str(command_id), "type": media_type}
        await self._send("GET", f"/player/playback/{command}", query, headers=_target(player_id))

    async def playing_queue(self, player_id: str, *, command_id: int) -> str | None:
        """Ask a player, through the server, which play queue it plays now (if any)."""
        query = {"wait": "0", "commandID": str(command_id)}
        data = await self._json("/player/timeline/poll", params=query, headers=_target(player_id))
        return playing_queue(data)

    async def add_to_play_queue(
        self, queue_id: str, rating_key: str, *, machine_identifier: str, next_up: bool
    ) -> None:
        """Add an item to a play queue: to play next, or at the end."""
        params = {"uri": _item_uri(machine_identifier, rating_key), "next": "1" if next_up else "0"}
        await self._send("PUT", f"/playQueues/{_key(queue_id)}", params)

    async def create_play_queue(
        self,
        rating_key: str | None = None,
        *,
        media_type: str,
        machine_identifier: str,
        continuous: bool = False,
        playlist_id: str | None = None,
    ) -> PlayQueue:
        """Ask the server to build a play queue from an item, or from a playlist.

        A film; an episode, and those after it with `continuous`; an album's tracks...
        """
        params = {"type": media_type, "shuffle": "0", "repeat": "0"}
        if playlist_id is not None:
            params["playlistID"] = _key(playlist_id)
        elif rating_key is not None:
            params["uri"] = _item_uri(machine_identifier, rating_key)
            params["continuous"] = "1" if continuous else "0"
        else:
            msg = "a play queue needs an item or a playlist"
            raise ValueError(msg)
        return PlayQueue.from_dict(await self._json("/playQueues", method="POST", params=params))

    async def terminate_session(self, session_id: str, reason: str) -> None:
        """Stop a stream (by its Session.id), showing `reason` to the viewer (the owner's right).

        A server without Plex Pass answers 401: PlexAuthenticationError, as any refusal.
        """
        params = {"sessionId": _key(session_id), "reason": reason}
        await self._send("POST", "/status/sessions/terminate", params)

    async def artwork(self, path: str) -> Artwork:
        """Fetch a picture by its path on the server (a session's artwork), with the token.

        Only a path on this server is accepted; the answer must be a JPEG, PNG, WebP or GIF
        picture of at most MAX_ARTWORK_BYTES.
        """
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
            msg = "path must be a path on the server, starting with a single /"
            raise ValueError(msg)
        answer = await send(
            self.session,
            "GET",
            self.url(path),
            service=SERVER,
            what="GET artwork",
            headers=self.headers(authenticated=True, accept="image/*"),
            limit=MAX_ARTWORK_BYTES,
            timeout=self.request_timeout,
            token=self.token,
        )
        if answer.content_type not in ARTWORK_TYPES:
            msg = "The server answered GET artwork with something else than a picture"
            raise PlexResponseError(msg)
        return Artwork(answer.body, answer.content_type)

    # Libraries

    async def sections(self) -> list[LibrarySection]:
        """Fetch the server's library sections."""
        return LibrarySection.list_from_dict(await self._json("/library/sections"))

    async def count(self, section_key: str, kind: str) -> int:
        """Count the items of one kind (movie, episode, track...) in a section, reading none."""
        path = f"/library/sections/{_key(section_key)}/all"
        params = {"type": str(TYPE_NUMBERS[kind]), "includeCollections": "0"}
        page = Page.from_dict(await self._json(path, params=params | _paging(0, 0)))
        return page.total

    async def section_counts(self, section: LibrarySection) -> SectionCounts:
        """Count what a section holds: its items, and for shows and music what is inside."""
        counts = {
            kind: await self.count(section.key, kind)
            for kind in SECTION_COUNTS.get(section.type, ())
        }
        return SectionCounts(section=section, counts=counts)

    async def section_items(
        self,
        section_key: str,
        *,
        start: int = 0,
        size: int = DEFAULT_PAGE_SIZE,
        sort: str = "titleSort",
    ) -> Page:
        """Fetch a page of a section's own items (films, shows, artists, photo albums)."""
        path = f"/library/sections/{_key(section_key)}/all"
        return await self._page(path, start, size, {"sort": sort})

    async def first_characters(self, section_key: str) -> list[LetterGroup]:
        """Fetch how a section's items group by the first character of their titles."""
        path = f"/library/sections/{_key(section_key)}/firstCharacter"
        return LetterGroup.list_from_dict(await self._json(path))

    async def letter_items(
        self, section_key: str, character: str, *, start: int = 0, size: int = DEFAULT_PAGE_SIZE
    ) -> Page:
        """Fetch a page of a section's items whose titles start with `character`."""
        # "." and ".." would not stay in the path: the URL would drop or climb them.
        if (
            not character
            or len(character) > 8
            or not character.isprintable()
            or character in {".", ".."}
        ):
            msg = "character must be one group's key"
            raise ValueError(msg)
        path = f"/library/sections/{_key(section_key)}/firstCharacter/{quote(character, safe='')}"
        return await self._page(path, start, size)

    async def children(
        self, rating_key: str, *, start: int = 0, size: int = DEFAULT_PAGE_SIZE
    ) -> Page:
        """Fetch a page of an item's children: a show's seasons, an album's tracks..."""
        return await self._page(f"/library/metadata/{_key(rating_key)}/children", start, size)

    async def items(self, rating_keys: Iterable[str]) -> list[LibraryItem]:
        """Fetch items by their rating keys, with their files; the ones that exist, in order.

        Many keys are asked for in few requests, as many at once as a URL holds well.
        """
        keys = [_key(rating_key) for rating_key in rating_keys]
        found: list[LibraryItem] = []
        for first in range(0, len(keys), MAX_KEYS_PER_REQUEST):
            batch = ",".join(keys[first : first + MAX_KEYS_PER_REQUEST])
            try:
                data = await self._json(f"/library/metadata/{batch}")
            except PlexNotFoundError:
                continue  # none of them exists (any more)
            found.extend(Page.from_dict(data).items)
        return found

    async def markers(self, rating_key: str) -> list[Marker]:
        """Fetch the markers of an item: its intro, credits and adverts, by their start.

        An item the server found none in has none; one that is gone raises PlexNotFoundError.
        """
        path = f"/library/metadata/{_key(rating_key)}"
        return Marker.list_from_dict(await self._json(path, params={"includeMarkers": "1"}))

    async def recently_added(self, *, size: int = DEFAULT_PAGE_SIZE) -> Page:
        """Fetch what was added last, newest first."""
        return await self._page("/library/recentlyAdded", 0, size)

    async def on_deck(self, *, size: int = DEFAULT_PAGE_SIZE) -> Page:
        """Fetch what is in progress or next: Plex's "Continue watching"."""
        return await self._page("/library/onDeck", 0, size)

    async def playlists(self, *, size: int = DEFAULT_PAGE_SIZE) -> Page:
        """Fetch the server's playlists (items of type playlist, by the account's rights)."""
        return await self._page("/playlists", 0, size)

    async def playlist_items(
        self, playlist_id: str, *, start: int = 0, size: int = DEFAULT_PAGE_SIZE
    ) -> Page:
        """Fetch a page of a playlist's items, in its order."""
        return await self._page(f"/playlists/{_key(playlist_id)}/items", start, size)

    async def search(self, query: str, *, limit: int = 10) -> list[Hub]:
        """Search every library of the server; one hub of results per kind of item."""
        params = {"query": query, "limit": str(limit)}
        return Hub.list_from_dict(await self._json("/hubs/search", params=params))

    async def transient_token(self) -> str:
        """Ask the server for a transient token: what a player may put in a media URL.

        It carries the caller's rights for at most 48 hours (until the server restarts),
        and is not the server's access token.
        """
        params = {"type": "delegation", "scope": "all"}
        read = container(await self._json("/security/token", params=params), "transient token")
        return read.non_empty_str("token")

    async def scan(self, section_key: str) -> None:
        """Ask the server to scan a section's files for what is new (the owner's right)."""
        await self._send("POST", f"/library/sections/{_key(section_key)}/refresh")

    async def update_status(self) -> UpdateStatus:
        """Fetch what the server's updater says (the owner's right)."""
        return UpdateStatus.from_dict(await self._json("/updater/status"))

    async def check_for_update(self, *, download: bool = False) -> None:
        """Ask the server to look for a new version now (and fetch it, with `download`)."""
        await self._send("PUT", "/updater/check", {"download": "1" if download else "0"})

    async def install_update(self) -> None:
        """Ask the server to install the version it fetched; it restarts to do it.

        A server that cannot install (a NAS package, say) answers 400: PlexResponseError.
        """
        await self._send("PUT", "/updater/apply")

    def media_url(self, path: str, token: str, params: Mapping[str, str] | None = None) -> str:
        """Return the URL a player fetches a path with, carrying `token` (a transient one).

        Never hand it the server's own token: the URL goes to another device. Only a path
        on this server is accepted: the token must go to no other host.
        """
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
            msg = "path must be a path on the server, starting with a single /"
            raise ValueError(msg)
        if token == self.token:
            msg = "A media URL must carry a transient token, not the server's"
            raise ValueError(msg)
        query = urlencode({**(params or {}), "X-Plex-Token": check_token(token)})
        return f"{self.url(path)}?{query}"

    def url(self, path: str) -> str:
        """Return the URL of a path on the server (without the token)."""
        return f"{self.base_url.rstrip('/')}{path}"

    def headers(self, *, authenticated: bool, accept: str = "application/json") -> dict[str, str]:
        """Return the headers of a request: the identity, Accept, and the token if asked."""
        headers = {} if self.identity is None else self.identity.headers()
        headers["Accept"] = accept
        if authenticated:
            headers["X-Plex-Token"] = check_token(self.token)
        return headers

    async def _page(
        self, path: str, start: int, size: int, params: Mapping[str, str] | None = None
    ) -> Page:
        return Page.from_dict(
            await self._json(path, params={**(params or {}), **_paging(start, size)})
        )

    async def _json(
        self,
        path: str,
        *,
        method: str = "GET",
        authenticated: bool = True,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> object:
        answer = await self._send(
            method, path, params, authenticated=authenticated, headers=headers
        )
        return decode(SERVER, f"{method} {path}", answer.body, self.json_loads)

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        authenticated: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        return await send(
            self.session,
            method,
            self.url(path),
            service=SERVER,
            what=f"{method} {path}",
            headers=self.headers(authenticated=authenticated) | dict(headers or {}),
            params=params,
            limit=MAX_BODY_BYTES,
            timeout=self.request_timeout,
            token=self.token,
            json_loads=self.json_loads,
        )


def _target(player_id: str) -> dict[str, str]:
    """Return the header that has the server pass a request on to one of its players."""
    return {"X-Plex-Target-Client-Identifier": player_id}


def _key(key: str) -> str:
    """Return a rating or section key fit for a path, or raise ValueError."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        msg = "a key must be a Plex rating or section key"
        raise ValueError(msg)
    return key


def _item_uri(machine_identifier: str, rating_key: str) -> str:
    """Return how a play queue names a library item of a server."""
    library = "com.plexapp.plugins.library"
    return f"server://{_key(machine_identifier)}/{library}/library/metadata/{_key(rating_key)}"


def _paging(start: int, size: int) -> dict[str, str]:
    if start < 0 or size < 0:
        msg = "start and size must not be negative"
        raise ValueError(msg)
    return {_PAGE_START: str(start), _PAGE_SIZE: str(size)}
