"""Builders and waits shared by the tests: identities, tokens, entries, the servers' time.

Every test that needs a Plex identity or an entry of a simulator account builds it here, so
that two entries for two accounts differ only in what the test says.
"""

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.plex_account.aioplexaccount import PlexIdentity, PlexTVClient
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
from custom_components.plex_account.coordinator import FOLLOW_SETTINGS, PlexSessionsCoordinator
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, PlexTVSimulator

CLIENT_IDENTIFIER = "0b0e7bd2-3c55-4ad8-a4d1-8f6c2d3e7a10"
DEVICE_NAME = "Home"
# What a follower runs while it waits on one of Home Assistant's timers.
_FOLLOWER_SLEEP = PlexSessionsCoordinator._async_sleep.__code__


def build_identity(
    client_identifier: str = CLIENT_IDENTIFIER,
    *,
    client_name: str = DEFAULT_CLIENT_NAME,
    device_name: str = DEVICE_NAME,
) -> PlexIdentity:
    """Return the identity a Home Assistant install sends, with the given changes."""
    return PlexIdentity(
        client_identifier=client_identifier,
        client_name=client_name,
        device_name=device_name,
        client_version=VERSION,
        client_platform=CLIENT_PLATFORM,
    )


def build_entry(
    account: Mapping[str, Any],
    *,
    token: str = "old-token",  # noqa: S107 - a made-up token
    client_identifier: str = CLIENT_IDENTIFIER,
) -> MockConfigEntry:
    """Return an entry of a simulator account, as the config flow makes it (not yet added).

    The title is the account's username and the unique id its uuid, as the flow sets them.
    """
    return MockConfigEntry(
        domain=DOMAIN,
        version=PlexAccountConfigFlow.VERSION,
        minor_version=PlexAccountConfigFlow.MINOR_VERSION,
        title=account.get("username") or account["uuid"],
        unique_id=account["uuid"],
        data={
            CONF_TOKEN: token,
            CONF_CLIENT_IDENTIFIER: client_identifier,
            CONF_CLIENT_NAME: DEFAULT_CLIENT_NAME,
            CONF_DEVICE_NAME: DEVICE_NAME,
        },
    )


async def signed_in_entry(
    plextv: PlexTVSimulator,
    account: Mapping[str, Any] | None = None,
    *,
    client_identifier: str = CLIENT_IDENTIFIER,
) -> MockConfigEntry:
    """Return an entry of a simulator account (default: the current one) with a live token.

    The token is issued the way plex.tv issues one: a pin, approved for the account.
    """
    known = plextv.find_account(None if account is None else str(account["uuid"]))
    identity = build_identity(client_identifier)
    async with PlexTVClient(identity=identity, base_url=plextv.url) as client:
        pin = await client.create_pin()
    token = plextv.approve(pin.code, str(known["uuid"]))
    plextv.requests.clear()
    return build_entry(known, token=token, client_identifier=client_identifier)


def link_code(result: ConfigFlowResult) -> str:
    """Return the code a progress step of the flow shows."""
    code = (result.get("description_placeholders") or {})["code"]
    assert isinstance(code, str)
    return code


def log_lines(caplog: Any, level: int = logging.INFO) -> list[str]:  # noqa: ANN401 - pytest's
    """Return the integration's log lines at `level` and above."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.plex_account") and record.levelno >= level
    ]


async def until(
    hass: HomeAssistant,
    condition: Callable[[], bool],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - a bound on a wait for real I/O, not a pause
) -> None:
    """Wait until condition() holds, checking it after each update of an entry's coordinators.

    A server's answer arrives over real loopback I/O: nothing else to wait on. A follower
    reads a burst's last notifications once its cooldown is over: its timer is fired at
    once, as the clock may be frozen. Raises TimeoutError if the condition does not hold
    within `timeout` seconds of the event loop's time.
    """
    updated = asyncio.Event()
    removes = [
        coordinator.async_add_listener(updated.set)
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        for coordinator in (entry.runtime_data.account, entry.runtime_data.sessions)
    ]
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                async_fire_time_changed(
                    hass, dt_util.utcnow() + timedelta(seconds=FOLLOW_SETTINGS.cooldown)
                )
                await updated.wait()
                updated.clear()
    finally:
        for remove in removes:
            remove()


def _waiting(task: asyncio.Task[Any]) -> bool:
    """Return whether a task waits on a follower's timer that has not fired yet."""
    for entry in asyncio.capture_call_graph(task).call_stack:
        if entry.frame.f_code is _FOLLOWER_SLEEP:
            timer = entry.frame.f_locals.get("done")
            return timer is not None and not timer.done()
    return False


async def soon(condition: Callable[[], bool], what: str = "the condition") -> None:
    """Wait a few turns of the event loop, and no time, until condition() holds.

    For what travels over loopback and needs no timer: it is there within a few turns.
    """
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    msg = f"{what} did not hold"
    raise AssertionError(msg)


async def followers_waiting(hass: HomeAssistant) -> None:
    """Wait until every follower of the loaded entries waits on one of Home Assistant's timers.

    A follower that was woken reaches its servers over loopback, where a sleeping server
    refuses at once: it is waiting again after a few turns of the event loop.
    """
    followers = sum(
        len(entry.runtime_data.sessions.followers)
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
    )
    await soon(
        lambda: sum(_waiting(task) for task in asyncio.all_tasks()) >= followers,
        "every follower waiting on a timer",
    )


async def pass_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let `seconds` pass on Home Assistant's clock, one longest back-off at a time.

    After each step the refreshes it started are over, and every follower has tried again
    and waits for its next try.
    """
    left = seconds
    while left > 0:
        step = min(left, FOLLOW_SETTINGS.max_backoff)
        left -= step
        freezer.tick(step)
        async_fire_time_changed(hass, dt_util.utcnow())
        await block_till_refreshed(hass)
        await followers_waiting(hass)


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
    await until(hass, lambda: sessions.data[LIVING_ROOM_SERVER_ID].available)


def living_room_resource(plextv: PlexTVSimulator) -> dict[str, Any]:
    """Return the Living Room Server's entry of plex.tv's resources, to change in place."""
    return next(r for r in plextv.resources_of() if r["clientIdentifier"] == LIVING_ROOM_SERVER_ID)
