"""Builders shared by the tests: identities, signed-in tokens and config entries.

Every test that needs a Plex identity or an entry of a simulator account builds it here, so
that two entries for two accounts differ only in what the test says.
"""

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.config_flow import PlexAccountConfigFlow
from custom_components.plex_account.const import (
    CLIENT_PLATFORM,
    CONF_CLIENT_IDENTIFIER,
    CONF_CLIENT_NAME,
    CONF_DEVICE_NAME,
    DEFAULT_CLIENT_NAME,
    DOMAIN,
    VERSION,
)
from custom_components.plex_account.aioplexaccount import PlexIdentity, PlexTVClient

from library.simulators.plextv import PlexTVSimulator
from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID

CLIENT_IDENTIFIER = "0b0e7bd2-3c55-4ad8-a4d1-8f6c2d3e7a10"
DEVICE_NAME = "Home"


def build_identity(
    client_identifier: str = CLIENT_IDENTIFIER,
    *,
    client_name: str = DEFAULT_CLIENT_NAME,
    device_name: str = DEVICE_NAME,
    client_version: str = VERSION,
    client_platform: str = CLIENT_PLATFORM,
) -> PlexIdentity:
    """Return the identity a Home Assistant install sends, with the given changes."""
    return PlexIdentity(
        client_identifier=client_identifier,
        client_name=client_name,
        device_name=device_name,
        client_version=client_version,
        client_platform=client_platform,
    )


def build_entry(  # noqa: PLR0913
    account: Mapping[str, Any],
    *,
    token: str = "old-token",  # noqa: S107 - a made-up token
    client_identifier: str = CLIENT_IDENTIFIER,
    client_name: str = DEFAULT_CLIENT_NAME,
    device_name: str = DEVICE_NAME,
    title: str | None = None,
) -> MockConfigEntry:
    """Return an entry of a simulator account, as the config flow makes it (not yet added).

    The title is the account's username and the unique id its uuid, as the flow sets them.
    """
    return MockConfigEntry(
        domain=DOMAIN,
        version=PlexAccountConfigFlow.VERSION,
        minor_version=PlexAccountConfigFlow.MINOR_VERSION,
        title=title or account.get("username") or account["uuid"],
        unique_id=account["uuid"],
        data={
            CONF_TOKEN: token,
            CONF_CLIENT_IDENTIFIER: client_identifier,
            CONF_CLIENT_NAME: client_name,
            CONF_DEVICE_NAME: device_name,
        },
    )


async def sign_in(
    plextv: PlexTVSimulator,
    client_identifier: str = CLIENT_IDENTIFIER,
    account: Mapping[str, Any] | str | None = None,
) -> str:
    """Return a token issued the way plex.tv issues one: a pin, approved for the account.

    `account` is None for the simulator's current account, or a uuid or username (the
    household's second account: second_account()["uuid"]).
    """
    identity = build_identity(client_identifier)
    async with PlexTVClient(identity=identity, base_url=plextv.url) as client:
        pin = await client.create_pin()
    if isinstance(account, Mapping):
        account = str(account["uuid"])
    token = plextv.approve(pin.code, account)
    plextv.requests.clear()
    return token


async def signed_in_entry(
    plextv: PlexTVSimulator,
    account: Mapping[str, Any] | None = None,
    *,
    client_identifier: str = CLIENT_IDENTIFIER,
    device_name: str = DEVICE_NAME,
) -> MockConfigEntry:
    """Return an entry of a simulator account (default: the current one) with a live token."""
    known = plextv.find_account(None if account is None else str(account["uuid"]))
    token = await sign_in(plextv, client_identifier, str(known["uuid"]))
    return build_entry(
        known, token=token, client_identifier=client_identifier, device_name=device_name
    )


def link_code(result: ConfigFlowResult) -> str:
    """Return the code a progress step of the flow shows."""
    placeholders = result.get("description_placeholders")
    assert placeholders is not None
    code = placeholders["code"]
    assert isinstance(code, str)
    return code


async def until(
    coordinator: DataUpdateCoordinator[Any],
    condition: Callable[[], bool],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - a bound on a wait for real I/O, not a pause
) -> None:
    """Wait until condition() holds, checking it after each update of the coordinator.

    A server's answer arrives over real loopback I/O: nothing else to wait on. Raises
    TimeoutError if it does not hold within `timeout` seconds.
    """
    updated = asyncio.Event()
    remove = coordinator.async_add_listener(updated.set)
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await updated.wait()
                updated.clear()
    finally:
        remove()


async def block_till_refreshed(hass: HomeAssistant) -> None:
    """Wait for the entries' work in the background, but for their servers' followers.

    A follower runs for as long as its entry is loaded: waiting for every background task
    (wait_background_tasks=True) would never end.
    """
    await hass.async_block_till_done()
    for entry in hass.config_entries.async_entries(DOMAIN):
        refreshes = [
            task
            for task in entry._background_tasks
            if not task.get_name().startswith(f"{DOMAIN} follow")
        ]
        if refreshes:
            await asyncio.wait(refreshes)
    await hass.async_block_till_done()


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up and wait until the Living Room Server has been read."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sessions = entry.runtime_data.sessions
    await until(sessions, lambda: sessions.data[LIVING_ROOM_SERVER_ID].available)
