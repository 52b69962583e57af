"""Following the owned servers: in the background, through outages, token refusals and change."""

import asyncio
import logging

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.plex_account.const import DOMAIN
from custom_components.plex_account.aioplexaccount import FollowState
from custom_components.plex_account.sessions import token_refused_issue_id

from .common import set_up, until
from library.simulators.plextv import PlexTVSimulator
from library.simulators.plextv.clock import FakeClock
from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID, SAMPLE_ACCOUNT_UUID
from library.simulators.pms import PMSSimulator, blackhole
from library.simulators.pms.fixtures import PMSFactory
from library.simulators.pms.sample import living_room_tv, sample_film

STREAMS = "sensor.living_room_server_active_streams"
PLAYBACK = "event.living_room_server_playback"
TV = "media_player.living_room_tv"
NEW_TOKEN = "Vq3Rt8Wz1Kp6Ns4Lx9Dm"  # noqa: S105 - made up


def living_room_resource(plextv: PlexTVSimulator) -> dict:
    """Return the Living Room Server's entry of plex.tv's resources, to change in place."""
    return next(r for r in plextv.resources_of() if r["clientIdentifier"] == LIVING_ROOM_SERVER_ID)


def resources_reads(plextv: PlexTVSimulator) -> int:
    """Return how many times plex.tv's resources were read."""
    return len([r for r in plextv.requests if r.path == "/api/v2/resources"])


async def token_issue(entry: MockConfigEntry, issue_registry: ir.IssueRegistry) -> ir.IssueEntry:
    """Wait for the repair issue of the Living Room Server's refused token; return it."""
    issue_id = token_refused_issue_id(SAMPLE_ACCOUNT_UUID, LIVING_ROOM_SERVER_ID)
    await until(
        entry.runtime_data.sessions,
        lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None,
    )
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    return issue


async def websockets_closed(server: PMSSimulator) -> None:
    """Let the server see its websockets close (the close travels over loopback)."""
    for _ in range(50):
        if server.open_websockets == 0:
            return
        await asyncio.sleep(0)
    assert server.open_websockets == 0


def records(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the integration's log lines at INFO and above."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.plex_account")
        and record.levelno >= logging.INFO
    ]


async def test_setup_never_waits_for_a_server(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    plextv_url: str,
    mock_config_entry: MockConfigEntry,
    socket_enabled: None,
) -> None:
    """A server whose every connection is silent: setup is done at once, its entities wait."""
    async with blackhole("127.0.0.2") as url:
        host, port = url.removeprefix("http://").split(":")
        living_room_resource(plextv)["connections"] = [
            {"protocol": "http", "address": host, "port": int(port), "uri": url, "local": True}
        ]
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        assert mock_config_entry.state is ConfigEntryState.LOADED
        # Loaded while the server's only connection still has not answered.
        follower = mock_config_entry.runtime_data.sessions._servers[LIVING_ROOM_SERVER_ID]
        assert not follower.task.done()
        assert follower.follower.connection is None
        assert hass.states.get(STREAMS).state == STATE_UNAVAILABLE
        assert hass.states.get(PLAYBACK).state == STATE_UNAVAILABLE
        assert hass.states.get(TV) is not None
        assert await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.mark.usefixtures("no_token_in_logs", "plextv_url")
async def test_asleep_for_hours_two_log_lines(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    server_clock: FakeClock,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server asleep for three hours: unavailable, one line as it goes, one as it is back."""
    # The server alone, at its one connection: three hours of tries stay quick to run.
    room = living_room_resource(plextv)
    room["connections"] = room["connections"][:1]
    plextv.set_resources([room, *(r for r in plextv.resources_of() if r["provides"] != "server")])
    await set_up(hass, mock_config_entry)
    sessions = mock_config_entry.runtime_data.sessions
    follower_task = sessions._servers[LIVING_ROOM_SERVER_ID].task
    assert follower_task is not None
    assert hass.states.get(STREAMS).state == "0"
    caplog.clear()

    await living_room.sleep()
    await until(sessions, lambda: not sessions.data[LIVING_ROOM_SERVER_ID].available)
    assert hass.states.get(STREAMS).state == STATE_UNAVAILABLE
    assert hass.states.get(PLAYBACK).state == STATE_UNAVAILABLE
    await server_clock.run_until(follower_task, seconds=3 * 3600, limit=60)
    assert hass.states.get(STREAMS).state == STATE_UNAVAILABLE

    living_room.start_session(player=living_room_tv(), media=sample_film())
    await living_room.wake()
    # The follower sleeps between tries, at most a minute (less its jitter).
    server_clock.advance(60)
    await until(sessions, lambda: sessions.data[LIVING_ROOM_SERVER_ID].available)
    await until(sessions, lambda: hass.states.get(STREAMS).state == "1")
    assert hass.states.get(TV).state == "playing"

    lines = records(caplog)
    assert len(lines) == 2, lines
    assert lines[0].startswith("Plex server Living Room Server is unavailable: ")
    assert lines[1] == "Plex server Living Room Server is available again"


@pytest.mark.usefixtures("plextv_url")
async def test_never_reachable_one_line(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    server_clock: FakeClock,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The offline Attic NAS is tried for hours and said unavailable once."""
    plextv.set_resources([r for r in plextv.resources_of() if r["name"] == "Attic NAS"])
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    sessions = mock_config_entry.runtime_data.sessions
    attic = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
    task = sessions._servers[attic].task
    assert task is not None
    await server_clock.run_until(task, seconds=2 * 3600, limit=60)
    assert hass.states.get("sensor.attic_nas_active_streams").state == STATE_UNAVAILABLE
    assert [line for line in records(caplog) if "Attic NAS" in line] == [
        (
            "Plex server Attic NAS is unavailable: None of the server's 1 connections "
            "reached it: 1 refused, 0 timed out, 0 another server, 0 answered something else"
        )
    ]


@pytest.mark.usefixtures("no_token_in_logs", "plextv_url")
async def test_token_refused_then_repair_issue(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The server refuses its token: resources read again once, then a repair issue; no reauth."""
    await set_up(hass, mock_config_entry)
    sessions = mock_config_entry.runtime_data.sessions
    reads = resources_reads(plextv)

    living_room.token = NEW_TOKEN
    living_room.start_session(player=living_room_tv(), media=sample_film())
    issue = await token_issue(mock_config_entry, issue_registry)
    assert issue.translation_key == "server_token_refused"
    assert issue.translation_placeholders == {"server": "Living Room Server"}
    assert not issue.is_fixable
    assert resources_reads(plextv) == reads + 1
    assert hass.states.get(STREAMS).state == STATE_UNAVAILABLE
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert not hass.config_entries.flow.async_progress()

    # plex.tv lists the server's new token: followed again, the issue goes.
    living_room_resource(plextv)["accessToken"] = NEW_TOKEN
    await mock_config_entry.runtime_data.account.async_refresh()
    await until(sessions, lambda: sessions.data[LIVING_ROOM_SERVER_ID].available)
    await hass.async_block_till_done()
    assert not issue_registry.issues
    assert hass.states.get(STREAMS).state == "1"


@pytest.mark.usefixtures("plextv_url")
async def test_token_renewed_at_plex_tv(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The server refuses its token and plex.tv already lists a new one: no issue at all."""
    await set_up(hass, mock_config_entry)
    sessions = mock_config_entry.runtime_data.sessions
    living_room.token = NEW_TOKEN
    living_room_resource(plextv)["accessToken"] = NEW_TOKEN
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(sessions, lambda: len(sessions.data[LIVING_ROOM_SERVER_ID].sessions) == 1)
    assert not issue_registry.issues
    assert sessions._servers[LIVING_ROOM_SERVER_ID].resource.access_token == NEW_TOKEN


async def test_removing_the_entry_removes_its_issues(
    hass: HomeAssistant,
    plextv_url: str,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A repair issue of a server goes with the entry."""
    await set_up(hass, mock_config_entry)
    sessions = mock_config_entry.runtime_data.sessions
    living_room.token = NEW_TOKEN
    living_room.send_progress()
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(sessions, lambda: bool(issue_registry.issues))
    ir.async_create_issue(
        hass,
        DOMAIN,
        "another_issue",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="another_issue",
    )
    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert list(issue_registry.issues) == [(DOMAIN, "another_issue")]


@pytest.mark.usefixtures("plextv_url")
async def test_servers_follow_the_resources(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    pms_factory: PMSFactory,
    mock_config_entry: MockConfigEntry,
) -> None:
    """New connections are chosen again; a server that goes is no longer followed."""
    await set_up(hass, mock_config_entry)
    sessions = mock_config_entry.runtime_data.sessions
    account = mock_config_entry.runtime_data.account
    assert living_room.open_websockets == 1

    # The server moved: plex.tv lists it at another address, where a new one answers.
    moved = await pms_factory(host="127.0.0.9")
    moved.start_session(player=living_room_tv(), media=sample_film())
    living_room_resource(plextv)["connections"] = [
        {"protocol": "http", "address": moved.host, "port": moved.port, "uri": moved.url}
    ]
    await account.async_refresh()
    await until(sessions, lambda: len(sessions.data[LIVING_ROOM_SERVER_ID].sessions) == 1)
    assert sessions.follower(LIVING_ROOM_SERVER_ID).connection.kind == "remote"
    await until(sessions, lambda: living_room.open_websockets == 0, timeout=5)

    # An unchanged list changes nothing.
    follower = sessions.follower(LIVING_ROOM_SERVER_ID)
    await account.async_refresh()
    assert sessions.follower(LIVING_ROOM_SERVER_ID) is follower

    # The server leaves the account: no longer followed, its entities gone.
    plextv.set_resources(
        [r for r in plextv.resources_of() if r["clientIdentifier"] != LIVING_ROOM_SERVER_ID]
    )
    await account.async_refresh()
    await hass.async_block_till_done()
    assert LIVING_ROOM_SERVER_ID not in sessions.data
    assert sessions.follower(LIVING_ROOM_SERVER_ID) is None
    assert hass.states.get(STREAMS) is None or hass.states.get(STREAMS).state == STATE_UNAVAILABLE
    await websockets_closed(moved)


async def test_unload_stops_following(
    hass: HomeAssistant,
    plextv_url: str,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Unloading closes the websockets and ends every task of the entry."""
    await set_up(hass, mock_config_entry)
    assert living_room.open_websockets == 1
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert not mock_config_entry._background_tasks
    await websockets_closed(living_room)


async def test_no_secret_in_states(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    plextv_url: str,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """No token and no server address reaches a state or an attribute."""
    await set_up(hass, mock_config_entry)
    living_room.start_session(player=living_room_tv(), media=sample_film())
    sessions = mock_config_entry.runtime_data.sessions
    await until(sessions, lambda: hass.states.get(TV).state == "playing")
    text = " ".join(str(state.as_dict()) for state in hass.states.async_all())
    for secret in [
        living_room.token,
        living_room.url,
        *plextv.tokens,
        plextv.account["email"],
        *(r["accessToken"] for r in plextv.resources_of()),
    ]:
        assert secret not in text


@pytest.mark.usefixtures("plextv_url")
async def test_diagnostics_per_server(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """How each server is followed: kind of connection, websocket, last notification's age."""
    await set_up(hass, mock_config_entry)
    living_room.start_session(player=living_room_tv(), media=sample_film())
    sessions = mock_config_entry.runtime_data.sessions
    await until(sessions, lambda: len(sessions.data[LIVING_ROOM_SERVER_ID].sessions) == 1)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    followed = {server["name"]: server for server in diagnostics["followed_servers"]}
    room = followed["Living Room Server"]
    assert room["available"] is True
    assert room["connection"] == "local"
    assert room["websocket"] == FollowState.CONNECTED
    assert room["last_notification_age_s"] >= 0
    assert room["streams"] == 1
    assert followed["Attic NAS"]["available"] is False
    assert followed["Attic NAS"]["connection"] is None
    text = str(diagnostics)
    for secret in [living_room.token, living_room.url, living_room.host]:
        assert secret not in text


@pytest.mark.usefixtures("plextv_url")
async def test_token_refused_again_after_renewal(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """plex.tv lists a new token that the server refuses too: the issue, with no more reads."""
    await set_up(hass, mock_config_entry)
    sessions = mock_config_entry.runtime_data.sessions
    resources_reads = len([r for r in plextv.requests if r.path == "/api/v2/resources"])
    living_room.token = NEW_TOKEN
    living_room_resource(plextv)["accessToken"] = "Zc5Xb8Nm2Lk7Jh4Gf1Ds"
    living_room.start_session(player=living_room_tv(), media=sample_film())
    issue_id = token_refused_issue_id(SAMPLE_ACCOUNT_UUID, LIVING_ROOM_SERVER_ID)
    await until(sessions, lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None)
    assert len([r for r in plextv.requests if r.path == "/api/v2/resources"]) == resources_reads + 1
    assert hass.states.get(STREAMS).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("plextv_url")
async def test_back_from_sleep_refusing_the_token(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    server_clock: FakeClock,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that comes back refusing its token stays unavailable, said once, with the issue."""
    room = living_room_resource(plextv)
    room["connections"] = room["connections"][:1]
    plextv.set_resources([room])
    await set_up(hass, mock_config_entry)
    sessions = mock_config_entry.runtime_data.sessions
    caplog.clear()
    await living_room.sleep()
    await until(sessions, lambda: not sessions.data[LIVING_ROOM_SERVER_ID].available)
    living_room.token = NEW_TOKEN
    await living_room.wake()
    server_clock.advance(60)
    await token_issue(mock_config_entry, issue_registry)
    assert hass.states.get(STREAMS).state == STATE_UNAVAILABLE
    lines = records(caplog)
    assert len(lines) == 1, lines
    assert lines[0].startswith("Plex server Living Room Server is unavailable: ")


@pytest.mark.usefixtures("plextv_url")
async def test_update_entity_loses_nothing(
    hass: HomeAssistant, living_room: PMSSimulator, mock_config_entry: MockConfigEntry
) -> None:
    """Asking for an update reads nothing more: what the servers pushed stays."""
    await set_up(hass, mock_config_entry)
    living_room.start_session(player=living_room_tv(), media=sample_film())
    sessions = mock_config_entry.runtime_data.sessions
    await until(sessions, lambda: hass.states.get(STREAMS).state == "1")
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": [STREAMS, TV]}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get(STREAMS).state == "1"
    assert hass.states.get(TV).state == "playing"
    assert await sessions.async_artwork("no-such-server", "/library/metadata/1/thumb") is None
