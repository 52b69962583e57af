"""Builders and waits shared by the tests: entries of the simulator's accounts, and time."""

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
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
# What a follower runs while it waits on one of Home Assistant's timers.
_FOLLOWER_SLEEP = PlexSessionsCoordinator._async_sleep.__code__


async def signed_in_entry(
    plextv: PlexTVSimulator,
    account: Mapping[str, Any] | None = None,
    *,
    client_identifier: str = CLIENT_IDENTIFIER,
) -> MockConfigEntry:
    """Return an entry of a simulator account (default: the current one), as the flow makes it.

    Its token is issued the way plex.tv issues one: a pin, approved for the account.
    """
    known = plextv.find_account(None if account is None else str(account["uuid"]))
    identity = PlexIdentity(
        client_identifier=client_identifier,
        client_name=DEFAULT_CLIENT_NAME,
        device_name="Home",
        client_version=VERSION,
        client_platform=CLIENT_PLATFORM,
    )
    async with PlexTVClient(identity=identity, base_url=plextv.url) as client:
        pin = await client.create_pin()
    token = plextv.approve(pin.code, str(known["uuid"]))
    plextv.requests.clear()
    return MockConfigEntry(
        domain=DOMAIN,
        version=PlexAccountConfigFlow.VERSION,
        minor_version=PlexAccountConfigFlow.MINOR_VERSION,
        title=known["username"],
        unique_id=known["uuid"],
        data={
            CONF_TOKEN: token,
            CONF_CLIENT_IDENTIFIER: client_identifier,
            CONF_CLIENT_NAME: identity.client_name,
            CONF_DEVICE_NAME: identity.device_name,
        },
    )


def living_room_resource(plextv: PlexTVSimulator) -> dict[str, Any]:
    """Return the Living Room Server's entry of plex.tv's resources, to change in place."""
    return next(r for r in plextv.resources_of() if r["clientIdentifier"] == LIVING_ROOM_SERVER_ID)


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state; the entity must exist."""
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def reauth_flows(hass: HomeAssistant) -> list[str]:
    """Return the entries for which Home Assistant asks to sign in again."""
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    return [flow["context"]["entry_id"] for flow in flows if flow["context"]["source"] == "reauth"]


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


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up and wait until the Living Room Server has been read."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sessions = entry.runtime_data.sessions
    await until(hass, lambda: sessions.data[LIVING_ROOM_SERVER_ID].available)


async def until(
    hass: HomeAssistant,
    condition: Callable[[], bool],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - a bound on a wait for real I/O, not a pause
) -> None:
    """Wait until condition() holds, checked after each coordinator update and state written.

    A server's answer arrives over real loopback I/O: nothing else to wait on. A follower
    reads a burst's last notifications once its cooldown is over: that timer is fired at
    once, as the clock may be frozen. Raises TimeoutError after `timeout` seconds of the
    event loop's time.
    """
    updated = asyncio.Event()
    removes = [
        coordinator.async_add_listener(updated.set)
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        for coordinator in (entry.runtime_data.account, entry.runtime_data.sessions)
    ]
    # An event entity's state is written without its coordinator's update.
    removes.append(hass.bus.async_listen("state_changed", callback(lambda _: updated.set())))
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                cooldown = timedelta(seconds=FOLLOW_SETTINGS.cooldown)
                async_fire_time_changed(hass, dt_util.utcnow() + cooldown)
                await updated.wait()
                updated.clear()
    finally:
        for remove in removes:
            remove()


async def soon(condition: Callable[[], bool]) -> None:
    """Wait a few turns of the event loop, and no time, until condition() holds.

    For what travels over loopback and needs no timer: it is there within a few turns.
    """
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(condition)


def _waiting(task: asyncio.Task[Any]) -> bool:
    """Return whether a task waits on a follower's timer that has not fired yet."""
    for entry in asyncio.capture_call_graph(task).call_stack:
        if entry.frame.f_code is _FOLLOWER_SLEEP:
            timer = entry.frame.f_locals.get("done")
            return timer is not None and not timer.done()
    return False


async def pass_time(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    duration: timedelta | float,
    *,
    steps: int = 1,
) -> None:
    """Let `duration` pass on Home Assistant's clock, in `steps` equal steps.

    After each step the refreshes it started are over, and every server's follower has
    tried again (a sleeping server refuses at once) and waits on its next timer.
    """
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
    for _ in range(steps):
        freezer.tick(seconds / steps)
        async_fire_time_changed(hass, dt_util.utcnow())
        await block_till_refreshed(hass)
        followers = sum(
            len(entry.runtime_data.sessions.followers)
            for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        )
        await soon(lambda n=followers: sum(_waiting(task) for task in asyncio.all_tasks()) >= n)


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
