"""Build plex.tv clients the way Home Assistant should: shared session, the entry's identity."""

from __future__ import annotations

import os

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.json import json_loads

from .const import CLIENT_PLATFORM, DEFAULT_PLEXTV_URL, PLEXTV_URL_ENV, VERSION
from .plextv import PlexIdentity, PlexTVClient


def plextv_url() -> str:
    """Return the base URL of plex.tv, or of the service that stands in for it."""
    return (os.environ.get(PLEXTV_URL_ENV) or DEFAULT_PLEXTV_URL).rstrip("/")


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
        json_loads=json_loads,
    )
