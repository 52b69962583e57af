"""The moments inside playback: the Playback event of an owned server tells them as they come.

The Living Room Server's streams move on Home Assistant's clock here, which stands still
until the test moves it, a second at a time: each moment comes at most a second late.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.aioplexaccount import Marker, PMSClient, ServerFollower
from custom_components.plex_account.const import DOMAIN
from custom_components.plex_account.coordinator import PlexSessionsCoordinator
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, PlexTVSimulator
from library.simulators.pms import (
    PMSFactory,
    PMSSimulator,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
)

from .common import living_room_resource, pass_time, soon, until

PLAYBACK = "event.living_room_server_playback"
EPISODE = sample_episode()
MAX_LATENESS = 1.0
LATENESS: list[float] = []
"""How late each moment measured came (seconds), over the tests of the module."""
# What a scheduler, or a follower, runs while it waits on one of Home Assistant's timers.
_SLEEP = PlexSessionsCoordinator._async_sleep.__code__
# An event's time is its state, which Home Assistant writes to the millisecond.
STATE_RESOLUTION = 0.001


@pytest.fixture
async def living_room(
    plextv: PlexTVSimulator, pms_factory: PMSFactory, freezer: FrozenDateTimeFactory
) -> PMSSimulator:
    """Serve the Living Room Server where plex.tv says, its streams on Home Assistant's clock."""
    server = await pms_factory(host="127.0.0.2", clock=lambda: dt_util.utcnow().timestamp())
    living_room_resource(plextv)["connections"][0].update(
        address=server.host, port=server.port, uri=server.url
    )
    return server


@pytest.fixture
def events(hass: HomeAssistant) -> list[tuple[datetime, dict[str, Any]]]:
    """Return the Playback events as they happen: when, and their attributes."""
    seen: list[tuple[datetime, dict[str, Any]]] = []

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.attributes.get(ATTR_EVENT_TYPE) is not None:
            when = dt_util.parse_datetime(new.state)
            assert when is not None
            seen.append((when, dict(new.attributes)))

    async_track_state_change_event(hass, PLAYBACK, _record)
    return seen


def kinds(events: list[tuple[datetime, dict[str, Any]]]) -> list[str]:
    """Return what each event says happened."""
    return [attributes[ATTR_EVENT_TYPE] for _, attributes in events]


async def markers_of(hass: HomeAssistant, server: PMSSimulator, rating_key: str) -> list[Marker]:
    """Read an item's markers from the server, as the integration does."""
    client = PMSClient(
        session=async_get_clientsession(hass), base_url=server.url, token=server.token
    )
    return await client.markers(rating_key)


def timers() -> int:
    """Return how many tasks wait on a timer of Home Assistant's, through the integration."""
    count = 0
    for task in asyncio.all_tasks():
        for entry in asyncio.capture_call_graph(task).call_stack:
            if entry.frame.f_code is _SLEEP:
                timer = entry.frame.f_locals.get("done")
                count += timer is not None and not timer.done()
                break
    return count


def living_room_follower(hass: HomeAssistant) -> ServerFollower:
    """Return the follower of the Living Room Server."""
    [entry] = hass.config_entries.async_loaded_entries(DOMAIN)
    return entry.runtime_data.sessions.followers[LIVING_ROOM_SERVER_ID]


async def act(hass: HomeAssistant, action: Callable[[], object]) -> None:
    """Do something on the server; return once its follower heard of it, on the same time."""
    follower = living_room_follower(hass)
    heard = follower.notifications
    action()
    await until(hass, lambda: follower.notifications > heard)


async def play(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: int) -> None:
    """Let `seconds` pass on Home Assistant's clock, a second at a time.

    After each, the Living Room Server's moments due are told, and its scheduler waits on
    its next timer (the other owned server is out of reach: its scheduler does not run).
    """
    [entry] = hass.config_entries.async_loaded_entries(DOMAIN)
    followers = entry.runtime_data.sessions.followers
    scheduler = living_room_follower(hass).moments
    assert scheduler is not None
    for _ in range(seconds):
        due = scheduler.due
        await pass_time(hass, freezer, 1)
        if due is not None and due <= dt_util.utcnow().timestamp():
            await soon(lambda due=due: scheduler.due != due)
        await soon(
            lambda: scheduler.idle and timers() >= len(followers) + (scheduler.due is not None)
        )


def on_time(when: datetime, due: float) -> bool:
    """Keep how late a moment came; return whether it came at most a second late."""
    LATENESS.append(lateness := when.timestamp() - due)
    return -STATE_RESOLUTION <= lateness <= MAX_LATENESS


def reached(server: PMSSimulator, key: str, position_ms: int) -> float:
    """Return when a stream playing on from its last change reaches a position (epoch s)."""
    stream = server.session(key)
    return stream.anchor + (position_ms - stream.offset_ms) / 1000


async def test_moments_of_an_episode(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[tuple[datetime, dict[str, Any]]],
) -> None:
    """An episode's intro starts and ends, it is watched, its credits start: each when reached.

    Each says who plays what, where; each comes at most a second after its time (the
    clock's step).
    """
    markers = await markers_of(hass, living_room, EPISODE.rating_key)
    intro = next(marker for marker in markers if marker.type == "intro")
    ending = next(marker for marker in markers if marker.type == "credits")
    watched = int(EPISODE.duration * 0.9)
    key = living_room.start_session(player=living_room_tv(), media=EPISODE)
    await until(hass, lambda: kinds(events) == ["started"])
    due = {"intro_started": reached(living_room, key, intro.start_ms)}
    due["intro_ended"] = reached(living_room, key, intro.end_ms)
    await play(hass, freezer, intro.start_ms // 1000 - 2)
    assert kinds(events) == ["started"]
    await play(hass, freezer, (intro.end_ms - intro.start_ms) // 1000 + 4)
    await until(hass, lambda: kinds(events) == ["started", "intro_started", "intro_ended"])
    # Skipped to shortly before 90 %, then before the credits: between two of the clock's
    # seconds, each comes at the next.
    await act(hass, lambda: living_room.seek(key, watched - 2500))
    due["watched"] = reached(living_room, key, watched)
    await play(hass, freezer, 5)
    await act(hass, lambda: living_room.seek(key, ending.start_ms - 3300))
    due["credits_started"] = reached(living_room, key, ending.start_ms)
    await play(hass, freezer, 5)
    await until(hass, lambda: len(events) == 5)
    assert kinds(events) == [
        "started",
        "intro_started",
        "intro_ended",
        "watched",
        "credits_started",
    ]
    for when, attributes in events[1:]:
        assert on_time(when, due[attributes[ATTR_EVENT_TYPE]]), attributes[ATTR_EVENT_TYPE]
        assert attributes["player"] == "Living Room TV"
        assert attributes["user"] == "plexfan"
        assert attributes["title"] == EPISODE.title
        assert attributes["media_type"] == "episode"


async def test_paused_and_stopped(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[tuple[datetime, dict[str, Any]]],
) -> None:
    """A stream paused before its intro tells it once resumed and reached; one stopped, never."""
    intro = next(
        marker
        for marker in await markers_of(hass, living_room, EPISODE.rating_key)
        if marker.type == "intro"
    )
    key = living_room.start_session(player=living_room_tv(), media=EPISODE)
    film = living_room.start_session(player=kitchen_speaker(), media=sample_film())
    await until(hass, lambda: kinds(events) == ["started", "started"])
    await play(hass, freezer, intro.start_ms // 1000 - 5)
    living_room.pause(key)
    living_room.seek(film, int(sample_film().duration * 0.9) - 2000)
    living_room.stop(film)
    await until(hass, lambda: kinds(events) == ["started", "started", "paused", "stopped"])
    await play(hass, freezer, 60)
    living_room.resume(key)
    await until(hass, lambda: len(events) == 5)
    due = reached(living_room, key, intro.start_ms)
    await play(hass, freezer, 6)
    await until(hass, lambda: kinds(events)[4:] == ["resumed", "intro_started"])
    assert on_time(events[-1][0], due)
