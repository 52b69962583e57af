"""The Playback event entity of each owned server, and the Active streams sensor beside it."""

from typing import Any

import pytest
from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.event import transitions
from custom_components.plex_account.aioplexaccount import Player, Session
from custom_components.plex_account.sensor import stream_title

from .common import until
from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID, SAMPLE_ACCOUNT_UUID
from library.simulators.pms import PMSSimulator
from library.simulators.pms.sample import friend_phone, living_room_tv, sample_episode, sample_film

PLAYBACK = "event.living_room_server_playback"
STREAMS = "sensor.living_room_server_active_streams"


@pytest.fixture
def events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the Playback events as they happen: each state change's attributes."""
    seen: list[dict[str, Any]] = []

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.attributes.get(ATTR_EVENT_TYPE) is not None:
            seen.append(dict(new.attributes))

    async_track_state_change_event(hass, PLAYBACK, _record)
    return seen


async def read(entry: MockConfigEntry, living_room: PMSSimulator, count: int) -> None:
    """Wait until the server's sessions have been read with `count` streams."""
    sessions = entry.runtime_data.sessions
    await until(
        sessions,
        lambda: (
            [s.state for s in sessions.data[LIVING_ROOM_SERVER_ID].sessions]
            == [s.state for s in living_room.sessions.values()]
            and len(sessions.data[LIVING_ROOM_SERVER_ID].sessions) == count
        ),
    )


async def test_one_event_per_transition(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """Start, pause, buffer, resume, progress and stop: four events, each once.

    The Active streams sensor follows the same stream through it.
    """
    state = hass.states.get(PLAYBACK)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    assert state.attributes[ATTR_EVENT_TYPES] == ["started", "paused", "resumed", "stopped"]

    key = living_room.start_session(player=living_room_tv(), media=sample_film())
    await read(playing_room, living_room, 1)
    living_room.send_progress()
    living_room.send_progress()
    assert hass.states.get(STREAMS).state == "1"
    living_room.pause(key)
    await read(playing_room, living_room, 1)
    assert hass.states.get(STREAMS).attributes["streams"][0]["state"] == "paused"
    # Buffering after a pause is still paused; playing again is the resume.
    living_room.buffer(key)
    await read(playing_room, living_room, 1)
    living_room.resume(key)
    await read(playing_room, living_room, 1)
    living_room.buffer(key)
    await read(playing_room, living_room, 1)
    living_room.resume(key)
    await read(playing_room, living_room, 1)
    assert hass.states.get(STREAMS).attributes["streams"][0]["state"] == "playing"
    living_room.stop(key)
    await read(playing_room, living_room, 0)
    await hass.async_block_till_done()
    assert hass.states.get(STREAMS).state == "0"
    assert hass.states.get(STREAMS).attributes["streams"] == []

    assert [event[ATTR_EVENT_TYPE] for event in events] == [
        "started",
        "paused",
        "resumed",
        "stopped",
    ]
    for event in events:
        assert event["player"] == "Living Room TV"
        assert event["user"] == "plexfan"
        assert event["title"] == "The Long Voyage"
        assert event["media_type"] == "movie"


async def test_someone_elses_stream_shows_on_the_server(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """A friend's phone on the server: in the streams and the events, as their player."""
    living_room.start_session(player=living_room_tv(), media=sample_episode())
    living_room.start_session(player=friend_phone(), media=sample_film())
    await read(playing_room, living_room, 2)
    await hass.async_block_till_done()

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
            "state": "playing",
        },
    ]
    assert {(event["player"], event["user"]) for event in events} == {
        ("Living Room TV", "plexfan"),
        ("Jamie's Phone", "jamiewatches"),
    }


async def test_what_played_before_is_no_event(
    hass: HomeAssistant,
    plextv_url: str,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """A stream already playing when Home Assistant starts is counted, not announced."""
    living_room.start_session(player=living_room_tv(), media=sample_film())
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await read(mock_config_entry, living_room, 1)
    await hass.async_block_till_done()
    assert hass.states.get(STREAMS).state == "1"
    assert events == []


async def test_only_owned_servers_have_them(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, playing_room: MockConfigEntry
) -> None:
    """A shared server gives its guests no sessions: no streams sensor, no events for it."""
    ids = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(entity_registry, playing_room.entry_id)
        if entry.domain == "event" or entry.unique_id.endswith("_active_streams")
    }
    assert ids == {
        f"{SAMPLE_ACCOUNT_UUID}_{LIVING_ROOM_SERVER_ID}_playback",
        f"{SAMPLE_ACCOUNT_UUID}_{LIVING_ROOM_SERVER_ID}_active_streams",
        f"{SAMPLE_ACCOUNT_UUID}_a1b2c3d4e5f60718293a4b5c6d7e8f9012345678_playback",
        f"{SAMPLE_ACCOUNT_UUID}_a1b2c3d4e5f60718293a4b5c6d7e8f9012345678_active_streams",
    }


def _session(key: str, state: str) -> Session:
    player = Player(machine_identifier="tv", title="TV", state=state)
    return Session(session_key=key, type="movie", title="Film", player=player)


def test_transitions() -> None:
    """The comparison that the events come from, case by case."""
    streams, happened = transitions({}, (_session("1", "paused"),))
    assert [kind for kind, _ in happened] == ["started"]
    streams, happened = transitions(streams, (_session("1", "buffering"),))
    assert happened == []
    streams, happened = transitions(streams, (_session("1", "playing"),))
    assert [kind for kind, _ in happened] == ["resumed"]
    streams, happened = transitions(streams, (_session("1", "buffering"),))
    assert happened == []
    streams, happened = transitions(streams, (_session("1", "playing"), _session("2", "playing")))
    assert [kind for kind, _ in happened] == ["started"]
    _, happened = transitions(streams, ())
    assert [kind for kind, _ in happened] == ["stopped", "stopped"]


@pytest.mark.parametrize(
    ("session", "title"),
    [
        (
            Session(
                session_key="1",
                type="episode",
                title="Pilot",
                grandparent_title="Northern Lines",
                player=Player(machine_identifier="tv", state="playing"),
            ),
            "Northern Lines - Pilot",
        ),
        (
            Session(
                session_key="2",
                type="track",
                title="Paper Boats",
                grandparent_title="The Quiet Tides",
                player=Player(machine_identifier="tv", state="playing"),
            ),
            "The Quiet Tides - Paper Boats",
        ),
        (
            Session(
                session_key="3",
                type="clip",
                title="Trailer",
                player=Player(machine_identifier="tv", state="playing"),
            ),
            "Trailer",
        ),
    ],
)
def test_stream_titles(session: Session, title: str) -> None:
    """A stream's title: an episode without numbers, a track, something without a year."""
    assert stream_title(session) == title
