"""Diagnostics: the entry and the last refresh, with every secret and personal detail redacted."""

from dataclasses import fields, is_dataclass
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant

from .coordinator import PlexAccountConfigEntry, PlexSessionsCoordinator

TO_REDACT = {
    # secrets
    CONF_TOKEN,
    "auth_token",
    "access_token",
    # the person and where their servers are
    "email",
    "username",
    "title",
    "friendly_name",
    "thumb",
    "uuid",
    "unique_id",
    "id",
    "owner_id",
    "source_title",
    "public_address",
    "address",
    "uri",
}


def _plain(value: Any) -> Any:  # noqa: ANN401 - any model value
    """Turn the client's models into JSON-ready values, sets sorted for stable output."""
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _followed_servers(sessions: PlexSessionsCoordinator) -> list[dict[str, Any]]:
    """Say how each owned server is followed: how it is reached, not where; no token."""
    servers: list[dict[str, Any]] = []
    for server_id, follower in sessions.followers.items():
        connection = follower.connection
        age = follower.seconds_since_notification()
        server = sessions.data[server_id]
        servers.append(
            {
                "name": follower.name,
                "available": server.available,
                "connection": None if connection is None else connection.kind,
                "server_version": None if connection is None else connection.version,
                "websocket": follower.state,
                "last_notification_age_s": None if age is None else round(age, 1),
                "streams": len(server.sessions),
                "libraries": [
                    {"type": counts.section.type, "counts": counts.counts}
                    for counts in server.libraries or ()
                ],
                "items_added": None if follower.library is None else follower.library.added,
                "update_can_install": None if server.update is None else server.update.can_install,
            }
        )
    return servers


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PlexAccountConfigEntry
) -> dict[str, Any]:
    """Return the entry, the last refresh, the watchlist's state and how servers are followed."""
    coordinator = entry.runtime_data.account
    data = coordinator.data
    watchlist = entry.runtime_data.watchlist
    devices = entry.runtime_data.devices
    return async_redact_data(
        {
            "entry": entry.as_dict(),
            "last_update_success": coordinator.last_update_success,
            "account": _plain(data.account),
            "servers": _plain(list(data.servers.values())),
            "players": _plain(list(data.players.values())),
            # What the person wants to watch is theirs: only how much, and whether it is fresh.
            "watchlist": {
                "last_update_success": watchlist.last_update_success,
                "items": None if watchlist.data is None else len(watchlist.data),
            },
            # Who is signed in is the person's too: only how many.
            "authorized_devices": {
                "last_update_success": devices.last_update_success,
                "count": None if devices.data is None else len(devices.data.devices),
            },
            "followed_servers": _followed_servers(entry.runtime_data.sessions),
        },
        TO_REDACT,
    )
