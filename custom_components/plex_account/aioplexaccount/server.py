"""Asynchronous client for one Plex Media Server at one address."""

import json
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from aiohttp import ClientSession

from .exceptions import PlexIdentityError, PlexResponseError
from .identity import PlexIdentity
from .request import JSONLoads, check_token, decode, send
from .sessions import ServerIdentity, Session

SERVER: Final = "the server"
# Artwork is a poster or a cover; a bigger answer is not a picture worth proxying.
MAX_ARTWORK_BYTES: Final = 10 * 1024 * 1024
# Only pictures a browser shows as pictures: an SVG can carry script, which Home Assistant
# would serve from its own origin.
ARTWORK_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
# A busy server's sessions are a few hundred kilobytes; anything past this is not an answer.
MAX_BODY_BYTES: Final = 16 * 1024 * 1024


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

    async def _json(self, path: str, *, authenticated: bool) -> object:
        what = f"GET {path}"
        answer = await send(
            self.session,
            "GET",
            self.url(path),
            service=SERVER,
            what=what,
            headers=self.headers(authenticated=authenticated),
            limit=MAX_BODY_BYTES,
            timeout=self.request_timeout,
            token=self.token,
            json_loads=self.json_loads,
        )
        return decode(SERVER, what, answer.body, self.json_loads)
