"""Asynchronous client for one Plex Media Server."""

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Final, NamedTuple

from aiohttp import ClientError, ClientSession

from ..plextv import PlexIdentity  # noqa: TID252 (a sibling package of the integration)
from .exceptions import (
    PMSAuthenticationError,
    PMSConnectionError,
    PMSError,
    PMSIdentityError,
    PMSResponseError,
)
from .models import ServerIdentity, Session

_LOGGER = logging.getLogger(__name__)

# Artwork is a poster or a cover; a bigger answer is not a picture worth proxying.
MAX_ARTWORK_BYTES: Final = 10 * 1024 * 1024
# A busy server's sessions are a few hundred kilobytes; anything past this is not an answer.
MAX_BODY_BYTES: Final = 16 * 1024 * 1024
_MAX_ERROR_TEXT: Final = 200
_REDACTED: Final = "**REDACTED**"
_CHUNK: Final = 64 * 1024


class Artwork(NamedTuple):
    """A picture fetched from the server: its bytes and their content type."""

    data: bytes
    content_type: str


def clean_text(text: str, token: str | None) -> str:
    """Make text safe to put in an exception or a log line: short, printable, no token."""
    if token:
        text = text.replace(token, _REDACTED)
    text = "".join(character if character.isprintable() else " " for character in text)
    return text[:_MAX_ERROR_TEXT].strip()


def check_token(token: str) -> str:
    """Return the token if it can be sent; raise PMSAuthenticationError (without it) if not."""
    # aiohttp would refuse such a header with the value in its message; fail first.
    if not token or not token.isprintable() or token != token.strip():
        msg = "The server's token is missing or not valid"
        raise PMSAuthenticationError(msg)
    return token


def transport_error(what: str, err: BaseException, token: str | None) -> PMSConnectionError:
    """Return the connection error for a request that failed on the way, without the token."""
    reason = clean_text(str(err), token) or type(err).__name__
    return PMSConnectionError(f"Could not reach the server for {what}: {reason}")


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
    json_loads: Callable[[bytes], object] = field(default=json.loads, repr=False)

    async def server_identity(self) -> ServerIdentity:
        """Fetch GET /identity: which machine answers at the base URL. Sends no token."""
        data = await self._get_json("/identity", authenticated=False)
        return ServerIdentity.from_dict(data)

    async def verify_identity(self, machine_identifier: str) -> ServerIdentity:
        """Fetch the identity, raising PMSIdentityError if another server answers."""
        identity = await self.server_identity()
        if identity.machine_identifier != machine_identifier:
            msg = "Another server answers at this address: its machineIdentifier differs"
            raise PMSIdentityError(msg)
        return identity

    async def sessions(self) -> list[Session]:
        """Fetch what plays on the server now (the owner's or an admin's token is needed)."""
        data = await self._get_json("/status/sessions", authenticated=True)
        return Session.list_from_dict(data)

    async def artwork(self, path: str) -> Artwork:
        """Fetch a picture by its path on the server (a session's artwork), with the token.

        Only a path on this server is accepted; the answer must be an image of at most
        MAX_ARTWORK_BYTES.
        """
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
            msg = "path must be a path on the server, starting with a single /"
            raise ValueError(msg)
        answer = await self._get(
            path, "GET artwork", authenticated=True, accept="image/*", limit=MAX_ARTWORK_BYTES
        )
        if not answer.content_type.startswith("image/"):
            msg = "The server answered GET artwork with something else than an image"
            raise PMSResponseError(msg)
        return answer

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

    async def _get_json(self, path: str, *, authenticated: bool) -> object:
        what = f"GET {path}"
        answer = await self._get(path, what, authenticated=authenticated, limit=MAX_BODY_BYTES)
        try:
            return self.json_loads(answer.data)
        except (ValueError, RecursionError) as err:
            msg = f"The server answered {what} with a body that is not JSON"
            raise PMSResponseError(msg) from err

    async def _get(
        self,
        path: str,
        what: str,
        *,
        authenticated: bool,
        accept: str = "application/json",
        limit: int,
    ) -> Artwork:
        """GET a path; return a 2xx answer's body (at most `limit` bytes) and content type."""
        headers = self.headers(authenticated=authenticated, accept=accept)
        _LOGGER.debug("Requesting %s from %s", what, self.base_url)
        try:
            async with (
                asyncio.timeout(self.request_timeout),
                # A redirect would carry X-Plex-Token to wherever it points.
                self.session.get(
                    self.url(path), headers=headers, allow_redirects=False
                ) as response,
            ):
                if not HTTPStatus.OK <= response.status < HTTPStatus.MULTIPLE_CHOICES:
                    raise self.status_error(what, response.status)
                data = bytearray()
                async for chunk in response.content.iter_chunked(_CHUNK):
                    data += chunk
                    if len(data) > limit:
                        msg = f"The server answered {what} with more than {limit} bytes"
                        raise PMSResponseError(msg)
                content_type = response.content_type
        except TimeoutError as err:
            msg = f"Timed out after {self.request_timeout} s on {what}"
            raise PMSConnectionError(msg) from err
        except (ClientError, OSError) as err:
            raise transport_error(what, err, self.token) from err
        return Artwork(bytes(data), content_type)

    def status_error(self, what: str, status: int) -> PMSError:
        """Map a non-2xx answer to the exception that says what the caller can do."""
        detail = f"The server answered {status} to {what}"
        if status == HTTPStatus.UNAUTHORIZED:
            return PMSAuthenticationError(detail)
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            return PMSConnectionError(detail)
        return PMSResponseError(detail)
