"""The Playback event entity of each owned server, and the Active streams sensor beside it."""

from typing import Any

import pytest
from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.aioplexaccount import Player, Session
from custom_components.plex_account.const import DOMAIN
from custom_components.plex_account.sensor import stream_title
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, SAMPLE_ACCOUNT_UUID
from library.simulators.pms import (
    PMSSimulator,
    friend_phone,
    living_room_tv,
    sample_episode,
    sample_film,
)

from .common import set_up, until

PLAYBACK = "event.living_room_server_playback"
STREAMS = "sensor.living_room_server_active_streams"


@pytest.fixture
def events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the Playback events as they happen: each state written, with its attributes."""
    seen: list[dict[str, Any]] = []

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.attributes.get(ATTR_EVENT_TYPE) is not None:
            seen.append(dict(new.attributes))

    async_track_state_change_event(hass, PLAYBACK, _record)
    return seen


def kinds(events: list[dict[str, Any]]) -> list[str]:
    """Return what each event says happened."""
    return [event[ATTR_EVENT_TYPE] for event in events]


async def read(hass: HomeAssistant, living_room: PMSSimulator) -> None:
    """Wait until Home Assistant read the server's sessions as they are now."""
    sessions = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.sessions
    await until(
        hass,
        lambda: (
            [s.state for s in sessions.data[LIVING_ROOM_SERVER_ID].sessions]
            == [s.state for s in living_room.sessions.values()]
        ),
    )


async def test_one_event_per_change(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """Start, progress, pause, buffer, resume and stop: four events, each once.

    The Active streams sensor follows the same stream through it.
    """
    state = hass.states.get(PLAYBACK)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    assert state.attributes[ATTR_EVENT_TYPES] == ["started", "paused", "resumed", "stopped"]

    key = living_room.start_session(player=living_room_tv(), media=sample_film())
    await read(hass, living_room)
    living_room.send_progress()
    assert hass.states.get(STREAMS).state == "1"
    living_room.pause(key)
    await read(hass, living_room)
    assert hass.states.get(STREAMS).attributes["streams"][0]["state"] == "paused"
    # Buffering after a pause is still paused; playing again is the resume.
    for change in (living_room.buffer, living_room.resume, living_room.buffer, living_room.resume):
        change(key)
        await read(hass, living_room)
    assert hass.states.get(STREAMS).attributes["streams"][0]["state"] == "playing"
    living_room.stop(key)
    await until(hass, lambda: hass.states.get(STREAMS).state == "0")
    assert hass.states.get(STREAMS).attributes["streams"] == []

    assert kinds(events) == ["started", "paused", "resumed", "stopped"]
    for event in events:
        assert event["player"] == "Living Room TV"
        assert event["user"] == "plexfan"
        assert event["title"] == "The Long Voyage"
        assert event["media_type"] == "movie"


async def test_pause_and_resume_between_two_reads(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """A pause and a resume within one cooldown of the follower: both told, in order.

    They come from the server's notifications, each its own state: the one read that
    follows them shows the stream playing, as if nothing happened.
    """
    key = living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(hass, lambda: kinds(events) == ["started"])
    reads = len(living_room.requests_to("/status/sessions"))
    living_room.pause(key)
    living_room.resume(key)
    await until(hass, lambda: len(living_room.requests_to("/status/sessions")) > reads)
    await hass.async_block_till_done()
    assert kinds(events) == ["started", "paused", "resumed"]
    assert len(living_room.requests_to("/status/sessions")) == reads + 1


async def test_someone_elses_stream_shows_on_the_server(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """A friend's phone on the server: in the streams and the events, as their player."""
    living_room.start_session(player=living_room_tv(), media=sample_episode())
    phone = living_room.start_session(player=friend_phone(), media=sample_film())
    await read(hass, living_room)
    living_room.pause(phone)
    await until(hass, lambda: len(events) == 3)

    streams = hass.states.get(STREAMS)
    assert streams is not None
    assert streams.state == "2"
    assert streams.attributes["streams"] == [
        {
            "user": "plexfan",
            "title": "Northern Lines - S02E05 - The Lighthouse",
            "player": "Living Room TV",
            "state": "playing",
        },
        {
            "user": "jamiewatches",
            "title": "The Long Voyage (2014)",
            "player": "Jamie's Phone",
            "state": "paused",
        },
    ]
    # Each stream's own changes, as its own player and user.
    assert [(e[ATTR_EVENT_TYPE], e["player"], e["user"]) for e in events] == [
        ("started", "Living Room TV", "plexfan"),
        ("started", "Jamie's Phone", "jamiewatches"),
        ("paused", "Jamie's Phone", "jamiewatches"),
    ]


@pytest.mark.usefixtures("plextv_url")
async def test_what_played_before_is_no_event(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    events: list[dict[str, Any]],
) -> None:
    """A stream already playing when Home Assistant starts is counted, not announced.

    Only owned servers have the events and streams: a shared one tells its guests nothing.
    """
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await set_up(hass, mock_config_entry)
    await until(hass, lambda: hass.states.get(STREAMS).state == "1")
    assert events == []
    ids = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
        if entry.domain == "event" or entry.unique_id.endswith("_active_streams")
    }
    assert ids == {
        f"{SAMPLE_ACCOUNT_UUID}_{server}_{key}"
        for server in (LIVING_ROOM_SERVER_ID, "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678")
        for key in ("playback", "active_streams")
    }


@pytest.mark.parametrize(
    ("kind", "title", "show", "expected"),
    [
        ("episode", "Pilot", "Northern Lines", "Northern Lines - Pilot"),
        ("track", "Paper Boats", "The Quiet Tides", "The Quiet Tides - Paper Boats"),
        ("clip", "Trailer", None, "Trailer"),
    ],
)
def test_stream_titles(kind: str, title: str, show: str | None, expected: str) -> None:
    """A stream's title: an episode without numbers, a track, something without a year."""
    session = Session(
        session_key="1",
        type=kind,
        title=title,
        grandparent_title=show,
        player=Player(machine_identifier="tv", state="playing"),
    )
    assert stream_title(session) == expected
