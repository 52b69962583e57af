"""The account at work: refreshes, outages, dead tokens, servers coming and going."""

import asyncio
import logging
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_TOKEN, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.plex_account.const import DOMAIN
from custom_components.plex_account.coordinator import PING_INTERVAL, UPDATE_INTERVAL

from .common import block_till_refreshed
from library.simulators.plextv import PlexTVSimulator, second_account
from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID

pytestmark = pytest.mark.usefixtures("no_token_in_logs")

PLEX_PASS = "binary_sensor.plex_fan_plex_pass"  # noqa: S105 - an entity id
SERVERS_ONLINE = "sensor.plex_fan_servers_online"
DEVICES_ONLINE = "sensor.plex_fan_devices_online"


async def refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one update interval pass."""
    freezer.tick(UPDATE_INTERVAL)
    async_fire_time_changed(hass)
    # Refreshes run as background tasks of the entry.
    await block_till_refreshed(hass)


def server_device(plextv: PlexTVSimulator, server_id: str) -> tuple[str, str]:
    """Return the identifier of a server's device for the simulator's account."""
    return (DOMAIN, f"{plextv.account['uuid']}_{server_id}")


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state; the entity must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def server(plextv: PlexTVSimulator, name: str) -> dict[str, object]:
    """Return the simulator's resource of that name."""
    return next(r for r in plextv.resources if r["name"] == name)


async def test_refresh_interval(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """The account is read once a minute, not more."""
    assert timedelta(seconds=60) <= UPDATE_INTERVAL
    plextv.requests.clear()
    # Home Assistant rounds the schedule down to a whole second, and fires up to 0.5 s early.
    freezer.tick(UPDATE_INTERVAL - timedelta(seconds=2))
    async_fire_time_changed(hass)
    await block_till_refreshed(hass)
    assert plextv.requests == []
    await refresh(hass, freezer)
    assert sorted(r.path for r in plextv.requests) == ["/api/v2/resources", "/api/v2/user"]


async def test_fetches_concurrently(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """The account and the resources are read at the same time, not one after the other.

    Both answers are held back: the refresh can only get both requests to plex.tv if it
    sends the second before the first is answered.
    """
    coordinator = init_integration.runtime_data.account
    release = asyncio.Event()
    plextv.add_fault("/api/v2/user", hold=release)
    plextv.add_fault("/api/v2/resources", hold=release)
    plextv.requests.clear()
    refresh = hass.async_create_task(coordinator.async_refresh())
    async with asyncio.timeout(5):
        while len(plextv.requests) < 2:  # noqa: ASYNC110 - polls the simulator's log
            await asyncio.sleep(0.01)
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
    assert state_of(hass, PLEX_PASS) == STATE_ON
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="custom_components.plex_account"):
        plextv.add_fault("/api/v2/resources", status=503, count=3)
        for _ in range(3):
            await refresh(hass, freezer)
            assert state_of(hass, PLEX_PASS) == STATE_UNAVAILABLE
        await refresh(hass, freezer)
        assert state_of(hass, PLEX_PASS) == STATE_ON

    lines = [r for r in caplog.records if r.name == "custom_components.plex_account"]
    assert len(lines) == 2
    assert lines[0].levelno == logging.ERROR
    assert "plex.tv cannot be reached" in lines[0].getMessage()
    assert lines[1].getMessage() == "Fetching plex_account data recovered"


async def test_rate_limited_waits(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A 429 during a refresh waits for its Retry-After before the next one."""
    plextv.add_fault("/api/v2/user", status=429, headers={"Retry-After": "300"})
    await refresh(hass, freezer)
    assert state_of(hass, PLEX_PASS) == STATE_UNAVAILABLE
    plextv.requests.clear()
    for _ in range(4):  # four minutes: still waiting
        await refresh(hass, freezer)
    assert plextv.requests_to("/", host="plex.tv") == []
    await refresh(hass, freezer)
    assert state_of(hass, PLEX_PASS) == STATE_ON


@pytest.mark.parametrize("status", [401, 422])
async def test_dead_token_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    status: int,
) -> None:
    """A token that dies while running asks for a new sign-in; a hiccup does not."""
    plextv.add_fault("/api/v2/user", status=500)
    await refresh(hass, freezer)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)

    plextv.revoke(init_integration.data[CONF_TOKEN], status=status)
    await refresh(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id


async def test_new_server_added(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A server that appears later gets its device and entities without a reload."""
    before = len(dr.async_entries_for_config_entry(device_registry, init_integration.entry_id))
    new = dict(server(plextv, "Attic NAS"))
    new.update(name="Garage", clientIdentifier="garage-server-id", presence=True)
    plextv.set_resources([*plextv.resources, new])
    await refresh(hass, freezer)

    device = device_registry.async_get_device_by_identifier(
        server_device(plextv, "garage-server-id"), init_integration.entry_id
    )
    assert device is not None
    assert device.name == "Garage"
    devices = dr.async_entries_for_config_entry(device_registry, init_integration.entry_id)
    assert len(devices) == before + 1
    assert state_of(hass, "binary_sensor.garage_online") == STATE_ON
    assert state_of(hass, SERVERS_ONLINE) == "3"


async def test_stale_server_removed(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A server plex.tv no longer lists loses its device and entities; it can come back."""
    shared = server(plextv, "Alex's Plex")
    shared_id = str(shared["clientIdentifier"])
    assert device_registry.async_get_device_by_identifier(
        server_device(plextv, shared_id), init_integration.entry_id
    )
    everything = plextv.resources
    plextv.set_resources([r for r in everything if r is not shared])
    await refresh(hass, freezer)

    assert (
        device_registry.async_get_device_by_identifier(
            server_device(plextv, shared_id), init_integration.entry_id
        )
        is None
    )
    assert not [e for e in entity_registry.entities.values() if shared_id in e.unique_id]
    assert hass.states.get("binary_sensor.alex_s_plex_online") is None

    plextv.set_resources(everything)
    await refresh(hass, freezer)
    assert device_registry.async_get_device_by_identifier(
        server_device(plextv, shared_id), init_integration.entry_id
    )
    assert hass.states.get("binary_sensor.alex_s_plex_online") is not None


async def test_server_changes_followed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A server going offline and updating shows in its entity and its device."""
    resources = plextv.resources
    living_room = next(r for r in resources if r["name"] == "Living Room Server")
    living_room.update(presence=False, productVersion="1.99.0.1-abc")
    plextv.set_resources(resources)
    await refresh(hass, freezer)

    state = hass.states.get("binary_sensor.living_room_server_online")
    assert state is not None
    assert state.state == STATE_OFF
    device = device_registry.async_get_device_by_identifier(
        server_device(plextv, str(living_room["clientIdentifier"])), init_integration.entry_id
    )
    assert device is not None
    assert device.sw_version == "1.99.0.1-abc"


async def test_controllers_not_counted(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Only players and clients count as devices online; a remote control does not."""
    before = state_of(hass, DEVICES_ONLINE)
    remote = dict(server(plextv, "Living Room TV"))
    remote.update(name="Remote", clientIdentifier="remote-id", provides="controller")
    plextv.set_resources([*plextv.resources, remote])
    await refresh(hass, freezer)
    assert state_of(hass, DEVICES_ONLINE) == before
    assert "remote-id" not in init_integration.runtime_data.account.data.players


async def test_token_pinged_daily(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """The token is pinged at setup, then once a day, beside the refresh that is due."""
    assert len(plextv.requests_to("/api/v2/ping")) == 1
    plextv.requests.clear()
    await refresh(hass, freezer)
    # A minute before the day is over: refreshed, not pinged.
    freezer.tick(PING_INTERVAL - 3 * UPDATE_INTERVAL)
    await refresh(hass, freezer)
    assert len(plextv.requests_to("/api/v2/user")) == 2
    assert not plextv.requests_to("/api/v2/ping")
    await refresh(hass, freezer)
    assert len(plextv.requests_to("/api/v2/user")) == 3
    [ping] = plextv.requests_to("/api/v2/ping")
    assert ping.headers["X-Plex-Token"] == init_integration.data[CONF_TOKEN]


async def test_ping_failure_retried(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A ping plex.tv fails to answer costs nothing but a new ping at the next refresh."""
    freezer.tick(PING_INTERVAL)
    plextv.add_fault("/api/v2/ping", status=503)
    plextv.requests.clear()
    await refresh(hass, freezer)
    assert (state := hass.states.get(PLEX_PASS))
    assert state.state == STATE_ON
    await refresh(hass, freezer)
    await refresh(hass, freezer)
    assert len(plextv.requests_to("/api/v2/ping")) == 2


async def test_ping_refused_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A ping refused like any other call (401) asks for a new sign-in."""
    freezer.tick(PING_INTERVAL)
    plextv.add_fault("/api/v2/ping", status=401)
    await refresh(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.usefixtures("plextv_url")
async def test_stale_servers_of_one_account_only(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    mock_config_entry: MockConfigEntry,
    second_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A server that leaves one account loses that account's device, never the other's."""
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    owner_devices = dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
    friend = second_account()
    shared_id = LIVING_ROOM_SERVER_ID
    friend_key = (DOMAIN, f"{friend['uuid']}_{shared_id}")
    assert device_registry.async_get_device_by_identifier(friend_key, second_config_entry.entry_id)

    # The owner stops sharing: the friend's plex.tv no longer lists the server.
    plextv.set_resources(
        [r for r in plextv.resources_of(friend) if r["clientIdentifier"] != shared_id], friend
    )
    await refresh(hass, freezer)

    assert not device_registry.async_get_device_by_identifier(
        friend_key, second_config_entry.entry_id
    )
    assert (
        dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
        == owner_devices
    )
    assert (state := hass.states.get("binary_sensor.living_room_server_online"))
    assert state.state == STATE_ON
