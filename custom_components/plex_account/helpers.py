"""Build plex.tv clients the way Home Assistant should: shared session, the entry's identity."""

import os

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.json import json_loads

from .aioplexaccount import (
    DEFAULT_BASE_URL,
    DEFAULT_DISCOVER_URL,
    DEFAULT_METADATA_URL,
    PlexAuthenticationError,
    PlexError,
    PlexIdentity,
    PlexTVClient,
)
from .const import (
    CLIENT_PLATFORM,
    CONF_CLIENT_IDENTIFIER,
    CONF_CLIENT_NAME,
    CONF_DEVICE_NAME,
    DISCOVER_URL_ENV,
    LOGGER,
    METADATA_URL_ENV,
    PLEXTV_URL_ENV,
    VERSION,
)


def _url(variable: str, default: str) -> str:
    """Return a plex.tv host's base URL, or that of the service its variable names."""
    return (os.environ.get(variable) or default).rstrip("/")


def plextv_url() -> str:
    """Return the base URL of plex.tv, or of the service that stands in for it."""
    return _url(PLEXTV_URL_ENV, DEFAULT_BASE_URL)


def link_url() -> str:
    """Return the page where the user types the code."""
    return f"{plextv_url()}/link"


def create_client(
    hass: HomeAssistant,
    *,
    client_identifier: str,
    client_name: str,
    device_name: str,
    token: str | None = None,
) -> PlexTVClient:
    """Return a client on Home Assistant's shared web session.

    Raises ValueError when a name cannot be sent to plex.tv.
    """
    identity = PlexIdentity(
        client_identifier=client_identifier,
        client_name=client_name,
        device_name=device_name,
        client_version=VERSION,
        client_platform=CLIENT_PLATFORM,
    )
    return PlexTVClient(
        identity=identity,
        session=async_get_clientsession(hass),
        token=token,
        base_url=plextv_url(),
        discover_url=_url(DISCOVER_URL_ENV, DEFAULT_DISCOVER_URL),
        metadata_url=_url(METADATA_URL_ENV, DEFAULT_METADATA_URL),
        json_loads=json_loads,
    )


def create_entry_client(hass: HomeAssistant, entry: ConfigEntry) -> PlexTVClient:
    """Return the signed-in client of a config entry."""
    return create_client(
        hass,
        client_identifier=entry.data[CONF_CLIENT_IDENTIFIER],
        client_name=entry.data[CONF_CLIENT_NAME],
        device_name=entry.data[CONF_DEVICE_NAME],
        token=entry.data[CONF_TOKEN],
    )


async def async_sign_out(client: PlexTVClient) -> None:
    """Sign the client's token out at plex.tv, so no unused device stays on the account.

    Best effort: a failure is logged (without the token) and the caller goes on.
    """
    try:
        await client.sign_out()
    except PlexAuthenticationError:
        LOGGER.debug("plex.tv had already signed the token out")
    except PlexError as err:
        LOGGER.warning("Could not sign out of plex.tv; revoke the device there: %s", err)


# Characters that Markdown reads as syntax: plain text escapes them.
_MARKDOWN_SYNTAX = frozenset("\\`*_{}[]()<>#+-.!|~")


def markdown_text(text: str) -> str:
    """Return text from plex.tv or a server ready for a Markdown description: only text."""
    return "".join(f"\\{c}" if c in _MARKDOWN_SYNTAX else c for c in text)
