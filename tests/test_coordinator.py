"""The account at work: refreshes, outages, dead tokens, servers coming, going and garbled."""

import asyncio
import copy
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.todo import ATTR_ITEM, TodoServices
from homeassistant.const import ATTR_ENTITY_ID, CONF_TOKEN, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.const import DOMAIN
from custom_components.plex_account.coordinator import (
    PING_INTERVAL,
    UPDATE_INTERVAL,
    WATCHLIST_UPDATE_INTERVAL,
)
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, PlexTVSimulator
from library.simulators.pms import PMSSimulator, living_room_tv, sample_film

from .common import log_lines, pass_time, reauth_flows, soon, state, until

pytestmark = pytest.mark.usefixtures("no_token_in_logs")

PLEX_PASS = "binary_sensor.plex_fan_plex_pass"  # noqa: S105 - an entity id
SERVERS_ONLINE = "sensor.plex_fan_servers_online"
DEVICES_ONLINE = "sensor.plex_fan_devices_online"
WATCHLIST = "todo.plex_watchlist"
WATCHLIST_PATH = "/library/sections/watchlist"
ALEX_ONLINE = "binary_sensor.alex_s_plex_online"
TV = "media_player.living_room_tv"
STREAMS = "sensor.living_room_server_active_streams"


def server_device(plextv: PlexTVSimulator, server_id: str) -> tuple[str, str]:
    """Return the identifier of a server's device for the simulator's account."""
    return (DOMAIN, f"{plextv.account['uuid']}_{server_id}")


def named(resources: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Return the resource of that name."""
    return next(r for r in resources if r["name"] == name)


async def test_refresh_interval(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """The account and its resources are read once a minute, not more, at the same time.

    The token is pinged at setup, then once a day, beside the refresh that is due.
    """
    assert timedelta(seconds=60) <= UPDATE_INTERVAL
    assert len(plextv.requests_to("/api/v2/ping")) == 1
    plextv.requests.clear()
    # Home Assistant rounds the schedule down to a whole second, and fires up to 0.5 s early.
    await pass_time(hass, freezer, UPDATE_INTERVAL - timedelta(seconds=2))
    assert plextv.requests == []
    await pass_time(hass, freezer, timedelta(seconds=2))
    assert sorted(r.path for r in plextv.requests) == ["/api/v2/resources", "/api/v2/user"]
    # A minute before the day is over: refreshed, not pinged.
    await pass_time(hass, freezer, PING_INTERVAL - 2 * UPDATE_INTERVAL)
    assert len(plextv.requests_to("/api/v2/user")) == 2
    assert not plextv.requests_to("/api/v2/ping")
    await pass_time(hass, freezer, UPDATE_INTERVAL)
    assert len(plextv.requests_to("/api/v2/user")) == 3
    [ping] = plextv.requests_to("/api/v2/ping")
    assert ping.headers["X-Plex-Token"] == init_integration.data[CONF_TOKEN]

    # Both answers held back: the refresh gets both requests to plex.tv only if it sends
    # the second before the first is answered.
    coordinator = init_integration.runtime_data.account
    release = asyncio.Event()
    plextv.add_fault("/api/v2/user", hold=release)
    plextv.add_fault("/api/v2/resources", hold=release)
    plextv.requests.clear()
    refresh = hass.async_create_task(coordinator.async_refresh())
    await soon(lambda: len(plextv.requests) == 2)
    assert not refresh.done()
    assert sorted(r.path for r in plextv.requests) == ["/api/v2/resources", "/api/v2/user"]
    release.set()
    await refresh
    assert coordinator.last_update_success


async def test_unavailable_and_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outage makes the entities unavailable with one log line, and one when it ends."""
    assert state(hass, PLEX_PASS) == STATE_ON
    caplog.clear()
    plextv.add_fault("/api/v2/resources", status=503, count=3)
    for _ in range(3):
        await pass_time(hass, freezer, UPDATE_INTERVAL)
        assert state(hass, PLEX_PASS) == STATE_UNAVAILABLE
    await pass_time(hass, freezer, UPDATE_INTERVAL)
    assert state(hass, PLEX_PASS) == STATE_ON
    # The servers' followers say their own, about the servers: tests/test_sessions.py.
    lines = [line for line in log_lines(caplog) if not line.startswith("Plex server ")]
    assert len(lines) == 2, lines
    assert lines[0].startswith("Error fetching plex_account data: plex.tv cannot be reached")
    assert lines[1] == "Fetching plex_account data recovered"


@pytest.mark.parametrize(
    ("path", "host", "entity_id", "interval", "retry_after"),
    [
        ("/api/v2/user", "plex.tv", PLEX_PASS, UPDATE_INTERVAL, 300),
        (WATCHLIST_PATH, "discover", WATCHLIST, WATCHLIST_UPDATE_INTERVAL, 600),
    ],
    ids=["account", "watchlist"],
)
async def test_rate_limited_waits(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    path: str,
    host: str,
    entity_id: str,
    interval: timedelta,
    retry_after: int,
) -> None:
    """A 429 makes the entities unavailable; the next read waits as long as Plex asks."""
    plextv.add_fault(path, host=host, status=429, headers={"Retry-After": str(retry_after)})
    await pass_time(hass, freezer, interval)
    assert state(hass, entity_id) == STATE_UNAVAILABLE
    plextv.requests.clear()
    for _ in range(retry_after // int(interval.total_seconds()) - 1):
        await pass_time(hass, freezer, interval)
    assert plextv.requests_to(path, host=host) == []
    await pass_time(hass, freezer, interval)
    assert state(hass, entity_id) not in {STATE_UNAVAILABLE, "unknown"}


@pytest.mark.parametrize(
    ("path", "host", "status", "interval"),
    [
        ("/api/v2/user", "plex.tv", 401, UPDATE_INTERVAL),
        ("/api/v2/resources", "plex.tv", 422, UPDATE_INTERVAL),
        ("/api/v2/ping", "plex.tv", 401, PING_INTERVAL),
        (WATCHLIST_PATH, "discover", 401, WATCHLIST_UPDATE_INTERVAL),
    ],
    ids=["account", "password reset", "ping", "watchlist"],
)
async def test_dead_token_starts_reauth(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    path: str,
    host: str,
    status: int,
    interval: timedelta,
) -> None:
    """A token that dies while running asks for a new sign-in; a hiccup does not.

    plex.tv refuses a dead token with 401, or 422 after a password reset. A ping plex.tv
    fails to answer costs nothing but a new ping at the next refresh.
    """
    plextv.add_fault(path, host=host, status=500)
    plextv.add_fault(path, host=host, status=status)
    await pass_time(hass, freezer, interval)
    assert reauth_flows(hass) == []
    if path == "/api/v2/ping":
        assert state(hass, PLEX_PASS) == STATE_ON
    await pass_time(hass, freezer, interval)
    assert reauth_flows(hass) == [init_integration.entry_id]


async def test_resources_that_change(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """What plex.tv lists anew shows at the next refresh, without a reload.

    A new server gets its device and entities; a server that goes offline and is updated
    shows it in its entity and device; a remote control is no device online. A server or
    player plex.tv no longer lists loses its device and entities; either can come back.
    """
    everything = copy.deepcopy(plextv.resources)
    gone = {
        named(everything, name)["clientIdentifier"] for name in ("Alex's Plex", "Living Room TV")
    }
    gone_devices = {server_device(plextv, resource_id) for resource_id in gone}

    def devices() -> set[tuple[str, str]]:
        found = dr.async_entries_for_config_entry(device_registry, init_integration.entry_id)
        return {key for device in found for key in device.identifiers}

    before = devices()
    assert gone_devices <= before
    players_online = int(state(hass, DEVICES_ONLINE))
    resources = [r for r in copy.deepcopy(everything) if r["clientIdentifier"] not in gone]
    garage = copy.deepcopy(named(resources, "Attic NAS"))
    garage.update(name="Garage", clientIdentifier="garage-server-id", presence=True)
    remote = copy.deepcopy(named(everything, "Living Room TV"))
    remote.update(name="Remote", clientIdentifier="remote-id", provides="controller")
    named(resources, "Living Room Server").update(presence=False, productVersion="1.99.0.1-abc")
    plextv.set_resources([*resources, garage, remote])
    await pass_time(hass, freezer, UPDATE_INTERVAL)

    garage_id = server_device(plextv, "garage-server-id")
    assert devices() == (before - gone_devices) | {garage_id}
    garage_device = device_registry.async_get_device_by_identifier(
        garage_id, init_integration.entry_id
    )
    assert garage_device is not None
    assert garage_device.name == "Garage"
    assert state(hass, "binary_sensor.garage_online") == STATE_ON
    # The TV went; the remote control that came is no device online.
    assert int(state(hass, DEVICES_ONLINE)) == players_online - 1
    assert "remote-id" not in init_integration.runtime_data.account.data.players
    assert state(hass, "binary_sensor.living_room_server_online") == STATE_OFF
    assert state(hass, SERVERS_ONLINE) == "1"
    device = device_registry.async_get_device_by_identifier(
        server_device(plextv, LIVING_ROOM_SERVER_ID), init_integration.entry_id
    )
    assert device is not None
    assert device.sw_version == "1.99.0.1-abc"
    assert not [
        e for e in er.async_get(hass).entities.values() if e.unique_id.split("_")[1] in gone
    ]
    assert hass.states.get(ALEX_ONLINE) is None
    assert hass.states.get(TV) is None

    plextv.set_resources(everything)
    await pass_time(hass, freezer, UPDATE_INTERVAL)
    assert devices() >= gone_devices
    assert (state(hass, ALEX_ONLINE), state(hass, TV)) == (STATE_ON, "idle")


async def test_garbled_resource_kept_unavailable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """A resource plex.tv lists but garbles keeps its device and entities, unavailable.

    They come back when plex.tv lists it readably again. A server with one garbled
    connection loses nothing: it is still followed where it was.
    """
    everything = copy.deepcopy(plextv.resources)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), playing_room.entry_id)
    follower = playing_room.runtime_data.sessions.followers[LIVING_ROOM_SERVER_ID]
    resources = plextv.resources
    named(resources, "Alex's Plex")["name"] = 42
    named(resources, "Living Room TV")["name"] = ["Living Room TV"]
    named(resources, "Living Room Server")["connections"][1]["port"] = "x"
    await pass_time(hass, freezer, UPDATE_INTERVAL)

    assert dr.async_entries_for_config_entry(dr.async_get(hass), playing_room.entry_id) == devices
    assert state(hass, ALEX_ONLINE) == STATE_UNAVAILABLE
    assert state(hass, "sensor.alex_s_plex_owner") == STATE_UNAVAILABLE
    assert state(hass, TV) == STATE_UNAVAILABLE
    assert state(hass, "binary_sensor.living_room_server_online") == STATE_ON
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(hass, lambda: state(hass, STREAMS) == "1")
    assert playing_room.runtime_data.sessions.followers[LIVING_ROOM_SERVER_ID] is follower

    plextv.set_resources(everything)
    await pass_time(hass, freezer, UPDATE_INTERVAL)
    assert state(hass, ALEX_ONLINE) == STATE_ON
    assert state(hass, TV) == "playing"


@pytest.mark.parametrize(
    ("fault", "key", "action_key"),
    [
        ({"status": 429, "headers": {"Retry-After": "30"}}, "rate_limited", "rate_limited"),
        ({"status": 401}, "invalid_token", "invalid_token"),
        ({"body": "[" + " " * (4 * 1024 * 1024) + "]"}, "answer_too_large", "answer_too_large"),
        ({"status": 503}, "cannot_connect", "watchlist_failed"),
    ],
    ids=["rate limit", "dead token", "too large", "other"],
)
@pytest.mark.usefixtures("init_integration")
async def test_one_error_mapping(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    fault: dict[str, Any],
    key: str,
    action_key: str,
) -> None:
    """The account's refresh and a watchlist action say the same of the same failure.

    Only what failed differs, when the failure is none of the kinds with words of their own.
    """
    account = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.account
    plextv.add_fault("/api/v2/user", **fault)
    await account.async_refresh()
    refreshed = account.last_exception
    assert isinstance(refreshed, HomeAssistantError)
    plextv.add_fault("/library/search", host="discover", **fault)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "todo",
            TodoServices.ADD_ITEM,
            {ATTR_ENTITY_ID: WATCHLIST, ATTR_ITEM: "Arrival"},
            blocking=True,
        )
    acted = raised.value
    assert (refreshed.translation_key, acted.translation_key) == (key, action_key)
    assert str(acted) != action_key
    if key == action_key:
        assert str(refreshed) == str(acted)
    else:
        assert "503" in str(refreshed)
        assert "503" in str(acted)
