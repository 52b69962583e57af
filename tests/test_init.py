"""Loading, setting up, unloading, removing and migrating the integration; its entities."""

import asyncio
import logging
from unittest.mock import PropertyMock, patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_TOKEN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.plex_account.const import DOMAIN
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, PlexTVSimulator, second_account

from .common import signed_in_entry, state

LIVING_ROOM = LIVING_ROOM_SERVER_ID


def entities_of(entity_registry: er.EntityRegistry, entry: MockConfigEntry) -> set[str]:
    """Return the unique ids of an entry's entities."""
    return {e.unique_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)}


@pytest.mark.parametrize("platform", [Platform.BINARY_SENSOR, Platform.SENSOR, Platform.TODO])
@pytest.mark.usefixtures("plextv_url", "no_token_in_logs")
async def test_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """States and registry entries of every entity of a platform, for the sample account.

    The entities disabled by default are enabled, so that their states show too.
    """
    enabled = PropertyMock(return_value=True)
    with (
        patch("custom_components.plex_account.PLATFORMS", [platform]),
        patch.object(Entity, "entity_registry_enabled_default", new_callable=lambda: enabled),
    ):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        ({"status": 503}, ConfigEntryState.SETUP_RETRY),
        ({"drop": True, "count": 2}, ConfigEntryState.SETUP_RETRY),
        ({"status": 429}, ConfigEntryState.SETUP_RETRY),
        ({"body": "<html>"}, ConfigEntryState.SETUP_RETRY),
        # A token plex.tv refuses: 401, or 422 after a password reset.
        ({"status": 401}, ConfigEntryState.SETUP_ERROR),
        ({"status": 422}, ConfigEntryState.SETUP_ERROR),
    ],
)
@pytest.mark.usefixtures("plextv_url")
async def test_setup_fails(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    mock_config_entry: MockConfigEntry,
    fault: dict[str, object],
    state: ConfigEntryState,
) -> None:
    """When plex.tv cannot be read the entry retries later; a dead token asks for a sign-in.

    The watchlist's read, which Plex holds, ends with it.
    """
    plextv.add_fault("/api/v2/resources", **fault)  # type: ignore[arg-type]
    plextv.add_fault("/library/sections/watchlist", host="discover", hold=asyncio.Event())
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is state
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    if state is ConfigEntryState.SETUP_RETRY:
        assert flows == []
    else:
        assert [(f["context"]["source"], f["step_id"]) for f in flows] == [
            (SOURCE_REAUTH, "reauth_confirm")
        ]


@pytest.mark.parametrize(
    ("plextv_says", "signed_out", "warned"),
    [("yes", True, False), ("down", False, True), ("revoked already", False, False)],
)
@pytest.mark.usefixtures("no_token_in_logs")
async def test_set_up_unload_remove(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    plextv_says: str,
    signed_out: bool,
    warned: bool,
) -> None:
    """The entry sets up with one read of the account, resources, devices and watchlist.

    It unloads too.

    Removing it signs its token out at plex.tv (unloading does not); a failure never blocks
    removal. A failed sign-out is logged; a token plex.tv revoked already needs no warning.
    """
    entry, token = init_integration, init_integration.data[CONF_TOKEN]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.account.data.account.uuid == plextv.account["uuid"]
    assert {(r.host, r.path) for r in plextv.requests} == {
        ("plex.tv", "/api/v2/user"),
        ("plex.tv", "/api/v2/resources"),
        ("plex.tv", "/api/v2/ping"),
        ("plex.tv", "/devices.xml"),
        ("discover", "/library/sections/watchlist/all"),
    }
    [resources] = plextv.requests_to("/api/v2/resources")
    assert resources.query == {"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"}
    assert resources.headers["X-Plex-Token"] == token
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not plextv.signed_out

    if plextv_says == "down":
        plextv.add_fault("/api/v2/users/signout", status=503)
    elif plextv_says == "revoked already":
        plextv.revoke(token)
    with caplog.at_level(logging.WARNING):
        await hass.config_entries.async_remove(init_integration.entry_id)
        await hass.async_block_till_done()
    assert not hass.config_entries.async_entries(DOMAIN)
    assert plextv.signed_out == ([token] if signed_out else [])
    [sign_out] = plextv.requests_to("/api/v2/users/signout", method="DELETE")
    assert sign_out.headers["X-Plex-Token"] == token
    assert ("Could not sign out of plex.tv" in caplog.text) is warned


@pytest.mark.usefixtures("plextv_url", "no_token_in_logs")
async def test_two_accounts_side_by_side(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two accounts that see one server each keep their own view of it, and their own list.

    Assist's "Plex watchlist" is the first account's. A server that leaves one account
    loses that account's device alone; removing one entry leaves the other's devices,
    entities and states untouched.
    """
    device_registry, entity_registry = dr.async_get(hass), er.async_get(hass)
    owner_uuid, friend = plextv.account["uuid"], second_account()
    # The first account shares its Living Room Server with this one: both see one server.
    first = mock_config_entry
    second = await signed_in_entry(plextv, friend, client_identifier="another-device")
    second.add_to_hass(hass)
    friend_uuid = friend["uuid"]
    # Setting up one entry of the domain sets up every entry of it.
    assert await hass.config_entries.async_setup(first.entry_id)
    await hass.async_block_till_done()

    assert first.state is second.state is ConfigEntryState.LOADED
    assert "does not generate unique IDs" not in caplog.text
    owner_view = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{owner_uuid}_{LIVING_ROOM}"), first.entry_id
    )
    friend_view = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{friend_uuid}_{LIVING_ROOM}"), second.entry_id
    )
    assert owner_view is not None
    assert friend_view is not None
    assert owner_view.id != friend_view.id
    # The owner sees its server; the friend sees it shared, with its owner's name.
    assert f"{owner_uuid}_{LIVING_ROOM}_online" in entities_of(entity_registry, first)
    assert f"{owner_uuid}_{LIVING_ROOM}_owner" not in entities_of(entity_registry, first)
    assert {f"{friend_uuid}_{LIVING_ROOM}_online", f"{friend_uuid}_{LIVING_ROOM}_owner"} <= (
        entities_of(entity_registry, second)
    )
    for entity in er.async_entries_for_config_entry(entity_registry, second.entry_id):
        if not entity.disabled_by:
            assert state(hass, entity.entity_id) != "unavailable"

    lists = {
        e.unique_id: e.entity_id for e in entity_registry.entities.values() if e.domain == "todo"
    }
    assert lists.keys() == {f"{owner_uuid}_watchlist", f"{friend_uuid}_watchlist"}
    owner_list, friend_list = (
        hass.states.get(lists[f"{owner_uuid}_watchlist"]),
        hass.states.get(lists[f"{friend_uuid}_watchlist"]),
    )
    assert owner_list is not None
    assert friend_list is not None
    assert (owner_list.name, owner_list.state) == ("Plex watchlist", "3")
    assert (friend_list.name, friend_list.state) == (f"Plex watchlist of {friend['title']}", "1")
    await hass.services.async_call(
        "todo",
        "add_item",
        {ATTR_ENTITY_ID: friend_list.entity_id, "item": "Arrival"},
        blocking=True,
    )
    assert (len(plextv.watchlist_of(friend_uuid)), len(plextv.watchlist_of())) == (2, 3)

    def first_view() -> tuple[object, ...]:
        entities = er.async_entries_for_config_entry(entity_registry, first.entry_id)
        return (
            dr.async_entries_for_config_entry(device_registry, first.entry_id),
            {e.unique_id for e in entities},
            {e.entity_id: hass.states.get(e.entity_id) for e in entities if not e.disabled_by},
        )

    kept = first_view()
    # The owner stops sharing: the friend's plex.tv no longer lists the server.
    friends_resources = plextv.resources_of(friend_uuid)
    plextv.set_resources(
        [r for r in friends_resources if r["clientIdentifier"] != LIVING_ROOM], friend_uuid
    )
    await second.runtime_data.account.async_refresh()
    assert device_registry.async_get(friend_view.id) is None
    assert first_view() == kept
    await hass.config_entries.async_remove(second.entry_id)
    await hass.async_block_till_done()
    assert first_view() == kept
    assert not dr.async_entries_for_config_entry(device_registry, second.entry_id)


@pytest.mark.usefixtures("plextv_url", "no_token_in_logs")
async def test_migrate_from_1_1(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A 1.1 entry's server ids gain the account; entity ids, names and devices stay."""
    entry = mock_config_entry
    hass.config_entries.async_update_entry(entry, version=1, minor_version=1)
    uuid = plextv.account["uuid"]
    account_device = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, uuid)}, name="Plex Fan"
    )
    server_device = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, LIVING_ROOM)}, name="Living Room"
    )
    device_registry.async_update_device(server_device.id, name_by_user="Den", area_id="den")
    pass_entity = entity_registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{uuid}_plex_pass",
        config_entry=entry,
        device_id=account_device.id,
        suggested_object_id="plex_fan_plex_pass",
    )
    online = entity_registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{LIVING_ROOM}_online",
        config_entry=entry,
        device_id=server_device.id,
        suggested_object_id="den_server_online",
    )
    entity_registry.async_update_entity(online.entity_id, name="Den Plex")

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 2)
    migrated = entity_registry.async_get(online.entity_id)
    assert migrated is not None
    assert migrated.unique_id == f"{uuid}_{LIVING_ROOM}_online"
    assert migrated.name == "Den Plex"
    assert migrated.device_id == server_device.id
    unchanged = entity_registry.async_get(pass_entity.entity_id)
    assert unchanged is not None
    assert unchanged.unique_id == f"{uuid}_plex_pass"
    # The running entities took over the migrated registry entries instead of new ones.
    assert (state := hass.states.get(online.entity_id))
    assert state.state == "on"
    assert not hass.states.get("binary_sensor.living_room_server_online")
    device = device_registry.async_get(server_device.id)
    assert device is not None
    assert device.identifiers == {(DOMAIN, f"{uuid}_{LIVING_ROOM}")}
    assert (device.name_by_user, device.area_id) == ("Den", "den")
    assert device_registry.async_get(account_device.id) is not None


async def test_migrate_refuses_a_newer_version(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """An entry written by a newer major version is left alone, not misread."""
    hass.config_entries.async_update_entry(mock_config_entry, version=2, minor_version=1)
    assert not await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.MIGRATION_ERROR
    assert mock_config_entry.minor_version == 1
