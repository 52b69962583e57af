"""Following the owned servers: in the background, through outages, token refusals and change."""

import asyncio

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.plex_account.aioplexaccount import FollowState
from custom_components.plex_account.const import DOMAIN
from custom_components.plex_account.coordinator import FOLLOW_SETTINGS, token_refused_issue_id
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, SAMPLE_ACCOUNT_UUID, PlexTVSimulator
from library.simulators.pms import PMSFactory, PMSSimulator, blackhole, living_room_tv, sample_film

from .common import (
    block_till_refreshed,
    living_room_resource,
    log_lines,
    pass_time,
    set_up,
    soon,
    state,
    until,
)

STREAMS = "sensor.living_room_server_active_streams"
PLAYBACK = "event.living_room_server_playback"
TV = "media_player.living_room_tv"
ISSUE = token_refused_issue_id(SAMPLE_ACCOUNT_UUID, LIVING_ROOM_SERVER_ID)
NEW_TOKEN = "Vq3Rt8Wz1Kp6Ns4Lx9Dm"  # noqa: S105 - made up
OTHER_TOKEN = "Zc5Xb8Nm2Lk7Jh4Gf1Ds"  # noqa: S105 - made up
UNAVAILABLE = "Plex server Living Room Server is unavailable: "
AVAILABLE = "Plex server Living Room Server is available again"


def available(entry: MockConfigEntry) -> bool:
    """Return whether the Living Room Server answered its follower last."""
    return entry.runtime_data.sessions.data[LIVING_ROOM_SERVER_ID].available


def resources_reads(plextv: PlexTVSimulator) -> int:
    """Return how many times plex.tv's resources were read."""
    return len(plextv.requests_to("/api/v2/resources"))


@pytest.mark.usefixtures("plextv_url")
async def test_setup_never_waits_for_a_server(
    hass: HomeAssistant, plextv: PlexTVSimulator, mock_config_entry: MockConfigEntry
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
        sessions = mock_config_entry.runtime_data.sessions
        assert not sessions._tasks[LIVING_ROOM_SERVER_ID].done()
        assert sessions.followers[LIVING_ROOM_SERVER_ID].connection is None
        assert state(hass, STREAMS) == STATE_UNAVAILABLE
        assert state(hass, PLAYBACK) == STATE_UNAVAILABLE
        assert state(hass, TV) == "idle"
        assert await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.mark.usefixtures("no_token_in_logs", "plextv_url")
async def test_asleep_for_hours_two_log_lines(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server asleep for three hours: unavailable, one line as it goes, one as it is back.

    The offline Attic NAS, tried as long, is said unavailable once, at the start.
    """
    await set_up(hass, mock_config_entry)
    assert state(hass, STREAMS) == "0"
    await living_room.sleep()
    await until(hass, lambda: not available(mock_config_entry))
    assert state(hass, STREAMS) == STATE_UNAVAILABLE
    assert state(hass, PLAYBACK) == STATE_UNAVAILABLE
    await pass_time(hass, freezer, 3 * 3600, steps=180)
    assert state(hass, STREAMS) == STATE_UNAVAILABLE

    living_room.start_session(player=living_room_tv(), media=sample_film())
    await living_room.wake()
    # A follower tries again within the longest back-off.
    await pass_time(hass, freezer, FOLLOW_SETTINGS.max_backoff)
    await until(hass, lambda: state(hass, STREAMS) == "1")
    assert state(hass, TV) == "playing"
    assert state(hass, "sensor.attic_nas_active_streams") == STATE_UNAVAILABLE

    lines = log_lines(caplog)
    assert len(lines) == 3, lines
    assert lines[0] == (
        "Plex server Attic NAS is unavailable: None of the server's 1 connections "
        "reached it: 1 refused, 0 timed out, 0 another server, 0 answered something else"
    )
    assert lines[1].startswith(UNAVAILABLE)
    assert lines[2] == AVAILABLE


async def test_polled_while_the_websocket_is_refused(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """A server that refuses its websocket but answers is read now and then: available."""
    follower = playing_room.runtime_data.sessions.followers[LIVING_ROOM_SERVER_ID]
    living_room.refuse_websockets()
    living_room.drop_websockets()
    await until(hass, lambda: follower.state is FollowState.POLLING)
    # Nothing tells of this stream: a read finds it.
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await pass_time(hass, freezer, 5 * FOLLOW_SETTINGS.max_backoff, steps=5)
    assert state(hass, STREAMS) == "1"
    assert state(hass, TV) == "playing"
    assert follower.state is FollowState.POLLING
    assert len(living_room.requests_to("/status/sessions")) > 5


@pytest.mark.parametrize(
    ("listed", "issue", "told"),
    [(None, True, 1), (NEW_TOKEN, False, 1), (OTHER_TOKEN, True, 2)],
    ids=["plex.tv keeps the token", "plex.tv lists the new one", "plex.tv lists another"],
)
@pytest.mark.usefixtures("no_token_in_logs")
async def test_token_refused_until_the_server_takes_it(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    listed: str | None,
    issue: bool,
    told: int,
) -> None:
    """One 401 makes the server unavailable; plex.tv's resources are read again at once.

    A token plex.tv lists anew is tried at once. The repair issue appears only when the
    server still refuses after that read, and goes as soon as the server answers: by itself,
    on the next try, with no reload and no reauth.
    """
    reads = resources_reads(plextv)
    accepted = living_room.token
    caplog.clear()
    living_room.token = NEW_TOKEN
    if listed is not None:
        living_room_resource(plextv)["accessToken"] = listed
    living_room.start_session(player=living_room_tv(), media=sample_film())
    if issue:
        await until(hass, lambda: issue_registry.async_get_issue(DOMAIN, ISSUE) is not None)
        assert state(hass, STREAMS) == STATE_UNAVAILABLE
        found = issue_registry.async_get_issue(DOMAIN, ISSUE)
        assert found is not None
        assert found.translation_key == "server_token_refused"
        assert found.translation_placeholders == {
            "server": "Living Room Server",
            "server_markdown": "Living Room Server",
        }
        assert not found.is_fixable
        assert resources_reads(plextv) == reads + 1
        # The server takes the token plex.tv lists again: its follower's next try reads it.
        living_room.token = listed or accepted
        await pass_time(hass, freezer, FOLLOW_SETTINGS.min_backoff)
    await until(hass, lambda: state(hass, STREAMS) == "1")
    assert not issue_registry.issues
    assert resources_reads(plextv) == reads + 1
    assert playing_room.state is ConfigEntryState.LOADED
    assert not hass.config_entries.flow.async_progress()
    # Each refused token is told once (a new one plex.tv lists is a new try), the end once.
    lines = log_lines(caplog)
    assert [line.startswith(UNAVAILABLE) for line in lines[:-1]] == [True] * told, lines
    assert lines[-1] == AVAILABLE


async def test_token_refused_shorter_than_the_resources_read(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """A server that takes its token again before plex.tv's fresh read ends raises no issue."""
    release = asyncio.Event()
    plextv.add_fault("/api/v2/resources", hold=release)
    accepted, living_room.token = living_room.token, NEW_TOKEN
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(hass, lambda: not available(playing_room))
    # The server takes the token again; its follower tries again while plex.tv still reads.
    living_room.token = accepted
    freezer.tick(FOLLOW_SETTINGS.min_backoff)
    async_fire_time_changed(hass, dt_util.utcnow())
    await until(hass, lambda: available(playing_room))
    release.set()
    await block_till_refreshed(hass)
    assert not ir.async_get(hass).issues


async def test_back_from_sleep_refusing_the_token(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A server that comes back refusing its token stays unavailable, with the repair issue.

    The issue goes with the entry; another issue of the domain stays.
    """
    await living_room.sleep()
    await until(hass, lambda: not available(playing_room))
    living_room.token = NEW_TOKEN
    await living_room.wake()
    await pass_time(hass, freezer, FOLLOW_SETTINGS.max_backoff)
    # The refusal sends plex.tv's resources to be read again: the issue follows that read.
    await block_till_refreshed(hass)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is not None
    assert state(hass, STREAMS) == STATE_UNAVAILABLE
    ir.async_create_issue(
        hass,
        DOMAIN,
        "another_issue",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="another_issue",
    )
    assert await hass.config_entries.async_remove(playing_room.entry_id)
    await hass.async_block_till_done()
    assert list(issue_registry.issues) == [(DOMAIN, "another_issue")]


async def test_servers_follow_the_resources(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    pms_factory: PMSFactory,
    playing_room: MockConfigEntry,
) -> None:
    """New connections are chosen again; a server that goes is no longer followed."""
    sessions = playing_room.runtime_data.sessions
    account = playing_room.runtime_data.account
    assert living_room.open_websockets == 1

    # The server moved: plex.tv lists it at another address, where a new one answers.
    moved = await pms_factory(host="127.0.0.9")
    moved.start_session(player=living_room_tv(), media=sample_film())
    connection = living_room_resource(plextv)["connections"][0]
    connection.update(address=moved.host, port=moved.port, uri=moved.url)
    await account.async_refresh()
    await until(hass, lambda: state(hass, STREAMS) == "1")
    follower = sessions.followers[LIVING_ROOM_SERVER_ID]
    assert follower.connection is not None
    assert follower.connection.base_url == moved.url
    await soon(lambda: living_room.open_websockets == 0)

    # An unchanged list changes nothing.
    await account.async_refresh()
    assert sessions.followers[LIVING_ROOM_SERVER_ID] is follower

    # The server leaves the account: no longer followed, its entities gone.
    plextv.set_resources(
        [r for r in plextv.resources_of() if r["clientIdentifier"] != LIVING_ROOM_SERVER_ID]
    )
    await account.async_refresh()
    await hass.async_block_till_done()
    assert LIVING_ROOM_SERVER_ID not in sessions.data
    assert LIVING_ROOM_SERVER_ID not in sessions.followers
    assert hass.states.get(STREAMS) is None
    await soon(lambda: moved.open_websockets == 0)


async def test_update_entity_then_unload(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """Asking for an update reads nothing more: what the servers pushed stays.

    Unloading closes the websockets and ends every task of the entry.
    """
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(hass, lambda: state(hass, STREAMS) == "1")
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": [STREAMS, TV]}, blocking=True
    )
    await hass.async_block_till_done()
    assert state(hass, STREAMS) == "1"
    assert state(hass, TV) == "playing"
    sessions = playing_room.runtime_data.sessions
    assert await sessions.async_artwork("no-such-server", "/library/metadata/1/thumb") is None
    assert await hass.config_entries.async_unload(playing_room.entry_id)
    await hass.async_block_till_done()
    assert not playing_room._background_tasks
    await soon(lambda: living_room.open_websockets == 0)
