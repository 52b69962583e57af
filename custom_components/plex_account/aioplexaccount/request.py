"""The one way the library sends a request, to plex.tv and to a server alike.

Every request carries the identity and, when asked, the token in a header; none follows a
redirect (the token would go wherever it points); every answer is read up to a limit; every
failure is one of the library's exceptions, with the token scrubbed from its text.
"""

import asyncio
import json
import logging
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Final, NamedTuple

from aiohttp import ClientError, ClientSession

from .exceptions import (
    PlexAuthenticationError,
    PlexConnectionError,
    PlexError,
    PlexNotFoundError,
    PlexPinExpiredError,
    PlexRateLimitError,
    PlexResponseError,
    PlexResponseTooLargeError,
)

_LOGGER = logging.getLogger(__name__)

# A decoder of JSON that reads text and bytes alike, as json.loads and orjson.loads do.
type JSONLoads = Callable[[str | bytes], object]

PIN_EXPIRED_CODE: Final = 1020
# A Retry-After longer than this is a mistake (or worse): ask again after this long instead.
MAX_RETRY_AFTER: Final = 600.0
_MAX_ERROR_TEXT: Final = 200
_REDACTED: Final = "**REDACTED**"
_CHUNK: Final = 64 * 1024


class Answer(NamedTuple):
    """A 2xx answer (or a 304 to If-None-Match): status, ETag, body and content type."""

    status: int
    etag: str | None
    body: bytes
    content_type: str


def clean_text(text: str, token: str | None) -> str:
    """Make text safe to put in an exception or a log line: short, printable, no token."""
    if token:
        text = text.replace(token, _REDACTED)
    text = "".join(character if character.isprintable() else " " for character in text)
    return text[:_MAX_ERROR_TEXT].strip()


def check_token(token: str | None) -> str:
    """Return the token if it can be sent; raise PlexAuthenticationError (without it) if not."""
    # aiohttp would refuse such a header with the value in its message; fail first.
    if not token or not token.isprintable() or token != token.strip():
        msg = "The token is missing or not valid"
        raise PlexAuthenticationError(msg)
    return token


def transport_error(service: str, what: str, err: BaseException, token: str | None) -> PlexError:
    """Return the connection error of a request that failed on the way, without the token."""
    reason = clean_text(str(err), token) or type(err).__name__
    return PlexConnectionError(f"Could not reach {service} for {what}: {reason}")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the seconds a Retry-After header asks to wait, or None if absent or invalid.

    The header holds either delay-seconds or an HTTP date; a date in the past means 0, and
    anything longer than MAX_RETRY_AFTER means that.
    """
    if value is None or not (value := value.strip()):
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except TypeError, ValueError, IndexError, OverflowError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
        return min(max(seconds, 0.0), MAX_RETRY_AFTER)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def _error_body(body: bytes, token: str | None, json_loads: JSONLoads) -> tuple[int | None, str]:
    """Return the code and message of the first error in a plex.tv error body, if any."""
    try:
        data = json_loads(body)
    except ValueError, RecursionError:
        return None, ""
    errors = data.get("errors") if isinstance(data, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    if not isinstance(first, dict):
        return None, ""
    code = first.get("code")
    message = first.get("message")
    return (
        code if type(code) is int else None,
        clean_text(message, token) if isinstance(message, str) else "",
    )


def status_error(  # noqa: PLR0913
    service: str,
    what: str,
    status: int,
    *,
    body: bytes = b"",
    retry_after: str | None = None,
    token: str | None = None,
    json_loads: JSONLoads = json.loads,
) -> PlexError:
    """Map a non-2xx answer to the exception that says what the caller can do."""
    code, text = _error_body(body, token, json_loads)
    detail = f"{service} answered {status} to {what}"
    reason = ": ".join(part for part in ("" if code is None else f"code {code}", text) if part)
    if reason:
        detail += f" ({reason})"
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return PlexRateLimitError(detail, retry_after=parse_retry_after(retry_after))
    if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.UNPROCESSABLE_ENTITY}:
        return PlexAuthenticationError(detail)
    if status == HTTPStatus.NOT_FOUND:
        if code == PIN_EXPIRED_CODE:
            return PlexPinExpiredError(detail)
        return PlexNotFoundError(detail)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return PlexConnectionError(detail)
    return PlexResponseError(detail)


def decode(service: str, what: str, body: bytes, json_loads: JSONLoads) -> object:
    """Decode a JSON body, raising PlexResponseError if it is not JSON."""
    try:
        return json_loads(body)
    except (ValueError, RecursionError) as err:
        msg = f"{service} answered {what} with a body that is not JSON"
        raise PlexResponseError(msg) from err


async def send(  # noqa: PLR0913
    session: ClientSession,
    method: str,
    url: str,
    *,
    service: str,
    what: str,
    headers: Mapping[str, str],
    limit: int,
    timeout: float,  # noqa: ASYNC109 (the request's, as every client of this library has)
    token: str | None = None,
    params: Mapping[str, str] | None = None,
    not_modified_ok: bool = False,
    json_loads: JSONLoads = json.loads,
) -> Answer:
    """Send one request; return a 2xx answer (a 304 too with `not_modified_ok`).

    The body is read up to `limit` bytes: a larger one raises PlexResponseTooLargeError.
    `token` is only used to scrub it from error messages.
    """
    _LOGGER.debug("Requesting %s from %s", what, service)
    try:
        async with (
            asyncio.timeout(timeout),
            session.request(
                method, url, params=params, headers=headers, allow_redirects=False
            ) as response,
        ):
            status = response.status
            if not_modified_ok and status == HTTPStatus.NOT_MODIFIED:
                return Answer(status, response.headers.get("ETag"), b"", "")
            body = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                body += chunk
                if len(body) > limit:
                    msg = f"{service} answered {what} with more than {limit // 1024} KiB"
                    raise PlexResponseTooLargeError(msg)
            if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
                raise status_error(
                    service,
                    what,
                    status,
                    body=bytes(body),
                    retry_after=response.headers.get("Retry-After"),
                    token=token,
                    json_loads=json_loads,
                )
            etag = response.headers.get("ETag")
            answer = Answer(status, etag, bytes(body), response.content_type)
    except TimeoutError as err:
        msg = f"Timed out after {timeout} s on {what}"
        raise PlexConnectionError(msg) from err
    except (ClientError, OSError) as err:
        raise transport_error(service, what, err, token) from err
    _LOGGER.debug("%s answered %s to %s", service, status, what)
    return answer
