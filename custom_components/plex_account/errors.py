"""Map the library's errors to Home Assistant's, with the words the user reads."""

from collections.abc import Iterator
from contextlib import contextmanager

from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed

from .aioplexaccount import (
    PlexAuthenticationError,
    PlexError,
    PlexRateLimitError,
    PlexResponseTooLargeError,
)
from .const import DOMAIN


def translation(err: PlexError, failed_key: str) -> tuple[str, dict[str, str]]:
    """Return the translation key of an error and its placeholders.

    `failed_key` says what failed when the error is none of the known kinds.
    """
    if isinstance(err, PlexAuthenticationError):
        return "invalid_token", {}
    if isinstance(err, PlexRateLimitError):
        return "rate_limited", {}
    if isinstance(err, PlexResponseTooLargeError):
        return "answer_too_large", {}
    return failed_key, {"error": str(err)}


@contextmanager
def update_errors() -> Iterator[None]:
    """Raise what a coordinator raises for a failed refresh: reauth only for a dead token."""
    try:
        yield
    except PlexAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_token"
        ) from err
    except PlexError as err:
        key, placeholders = translation(err, "cannot_connect")
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
            retry_after=err.retry_after if isinstance(err, PlexRateLimitError) else None,
        ) from err


@contextmanager
def action_errors(failed_key: str) -> Iterator[None]:
    """Raise what an action raises when Plex fails it, saying what did not happen."""
    try:
        yield
    except PlexError as err:
        key, placeholders = translation(err, failed_key)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        ) from err


def server_unreachable(server: str) -> HomeAssistantError:
    """Return the error of an action on a server that does not answer now."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="server_unreachable",
        translation_placeholders={"server": server},
    )
