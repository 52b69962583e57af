"""Actions: sign a device out of the account that lists it; stop a stream on a server."""

import asyncio
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv

if TYPE_CHECKING:
    # Home Assistant 2026.10 and newer run `voluptuous` as its alias of probatio, whose types
    # its signatures name; older releases have no probatio, so the code imports voluptuous.
    import probatio as vol
else:
    import voluptuous as vol

from .aioplexaccount import Device, PlexAuthenticationError, PlexNotFoundError
from .const import CONF_CLIENT_IDENTIFIER, DOMAIN
from .coordinator import PlexAccountConfigEntry
from .errors import action_errors

SERVICE_REVOKE_DEVICE: Final = "revoke_device"
REVOKE_DEVICE_SCHEMA = vol.Schema({vol.Required(CONF_CLIENT_IDENTIFIER): cv.string})
SERVICE_STOP_STREAM: Final = "stop_stream"
ATTR_SESSION_ID: Final = "session_id"
ATTR_REASON: Final = "reason"
STOP_STREAM_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_SESSION_ID): cv.string,
        vol.Optional(ATTR_REASON, default=""): vol.All(cv.string, vol.Length(max=255)),
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions, once for all its entries."""
    hass.services.async_register(
        DOMAIN, SERVICE_REVOKE_DEVICE, _async_revoke_device, schema=REVOKE_DEVICE_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_STOP_STREAM, _async_stop_stream, schema=STOP_STREAM_SCHEMA
    )


def _loaded(hass: HomeAssistant) -> list[PlexAccountConfigEntry]:
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


async def _async_stop_stream(call: ServiceCall) -> None:
    """Stop the stream with this Session.id on the owned server that plays it."""
    session_id: str = call.data[ATTR_SESSION_ID]
    for entry in _loaded(call.hass):
        sessions = entry.runtime_data.sessions
        for server_id, server in sessions.data.items():
            if any(session.session_id == session_id for session in server.sessions):
                client = sessions.async_owned_client(server_id)
                with action_errors("stop_stream_failed"):
                    try:
                        await client.terminate_session(session_id, call.data[ATTR_REASON])
                    except PlexAuthenticationError as err:
                        # Not the account's sign-in: the server's owner lacks Plex Pass.
                        raise HomeAssistantError(
                            translation_domain=DOMAIN,
                            translation_key="stop_stream_refused",
                            translation_placeholders={"server": sessions.followers[server_id].name},
                        ) from err
                return
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="stream_not_found",
        translation_placeholders={"session_id": session_id},
    )


async def _async_revoke_device(call: ServiceCall) -> None:
    """Sign the device with the client identifier out of the account that lists it."""
    client_identifier: str = call.data[CONF_CLIENT_IDENTIFIER]
    entries = _loaded(call.hass)
    if any(entry.data[CONF_CLIENT_IDENTIFIER] == client_identifier for entry in entries):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="cannot_revoke_this_device"
        )
    found = _find(entries, client_identifier)
    if found is None:
        # The lists may be ten minutes old: a device that signed in since is in a new read.
        await asyncio.gather(*(entry.runtime_data.devices.async_refresh() for entry in entries))
        found = _find(entries, client_identifier)
    if found is None:
        raise _not_found(client_identifier)
    entry, device = found
    coordinator = entry.runtime_data.devices
    try:
        with action_errors("revoke_failed"):
            try:
                await coordinator.client.revoke_device(device.id)
            except PlexNotFoundError as err:
                raise _not_found(client_identifier) from err
    finally:
        # The list shows the truth at once, whatever plex.tv answered.
        await coordinator.async_refresh()


def _find(
    entries: list[PlexAccountConfigEntry], client_identifier: str
) -> tuple[PlexAccountConfigEntry, Device] | None:
    """Return the entry whose account lists the device, and the device, as last read."""
    for entry in entries:
        data = entry.runtime_data.devices.data
        for device in () if data is None else data.devices:
            if device.client_identifier == client_identifier:
                return entry, device
    return None


def _not_found(client_identifier: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="device_not_found",
        translation_placeholders={"client_identifier": client_identifier},
    )
