"""The libraries of an owned server: counts, scans, items added, and the server's updates."""

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.update import UpdateEntityFeature
from homeassistant.const import ATTR_SUPPORTED_FEATURES, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from library.simulators.plextv import LIVING_ROOM_SERVER_ID, SAMPLE_ACCOUNT_UUID, PlexTVSimulator
from library.simulators.pms import PMSSimulator

from .common import pass_time, soon, state, until

FILMS = "sensor.living_room_server_films"
TV_SHOWS = "sensor.living_room_server_tv_shows"
MUSIC = "sensor.living_room_server_music"
PHOTOS = "sensor.living_room_server_photos"
SCAN_FILMS = "button.living_room_server_scan_library_files_films"
LIBRARY = "event.living_room_server_library"
UPDATE = "update.living_room_server_plex_media_server"
FILMS_UUID = "0b7e8a52-3f4d-4c1e-9a6b-2d5f8e1c7a01"
NEW_VERSION = "1.42.1.10060-4e8b05daf"

pytestmark = pytest.mark.usefixtures("no_token_in_logs")


def added_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect the attributes of each `added` event of the Library entity, as they come."""
    seen: list[dict[str, Any]] = []

    @callback
    def _changed(event: Event[Any]) -> None:
        new = event.data["new_state"]
        if (
            event.data["entity_id"] == LIBRARY
            and new is not None
            and new.attributes.get("event_type") == "added"
        ):
            seen.append(dict(new.attributes))

    hass.bus.async_listen("state_changed", _changed)
    return seen


def counted(hass: HomeAssistant, entity_id: str) -> int | None:
    """Return a library sensor's count, or None while it has none."""
    current = hass.states.get(entity_id)
    if current is None or current.state in {STATE_UNAVAILABLE, "unknown"}:
        return None
    return int(current.state)


def section_reads(sim: PMSSimulator) -> int:
    """Return how often the list of sections was read (each reading of the libraries once)."""
    return sum(request.path == "/library/sections" for request in sim.requests_to("/library"))


async def settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let a library's burst of changes calm down: it is counted again after that."""
    await pass_time(hass, freezer, timedelta(seconds=3))


async def test_library_sensors(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """Each library is a sensor of its server, counted from the server and pushed after."""
    await until(hass, lambda: counted(hass, FILMS) is not None)
    assert counted(hass, FILMS) == living_room.library.count("1")
    assert counted(hass, TV_SHOWS) == living_room.library.count("2")
    shows = hass.states.get(TV_SHOWS)
    assert shows is not None
    assert shows.attributes["episodes"] == living_room.library.count("2", "episode")
    assert shows.attributes["seasons"] == living_room.library.count("2", "season")
    music = hass.states.get(MUSIC)
    assert music is not None
    assert music.attributes["tracks"] == living_room.library.count("3", "track")
    assert music.attributes["albums"] == living_room.library.count("3", "album")
    assert counted(hass, PHOTOS) == living_room.library.count("4", "photo")
    entry = er.async_get(hass).async_get(FILMS)
    assert entry is not None
    assert LIVING_ROOM_SERVER_ID in entry.unique_id
    assert FILMS_UUID in entry.unique_id
    assert entry.disabled_by is None

    # A film added: counted again once the server says it is done, without polling.
    reads = section_reads(living_room)
    films = counted(hass, FILMS)
    key = living_room.library.add(section="1", kind="movie", title="Quiet Harbour", year=2025)
    living_room.announce_added([key])
    await settle(hass, freezer)
    await until(hass, lambda: counted(hass, FILMS) == (films or 0) + 1)
    assert section_reads(living_room) == reads + 1

    # An hour with nothing new reads no library.
    reads = section_reads(living_room)
    await pass_time(hass, freezer, timedelta(minutes=59), steps=4)
    assert section_reads(living_room) == reads


async def test_sections_come_and_go(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """A library removed on the server takes its entities with it; an outage does not."""
    await until(hass, lambda: counted(hass, PHOTOS) is not None)
    registry = er.async_get(hass)
    photos = living_room.library.sections.pop("4")
    living_room.scan("1")
    await settle(hass, freezer)
    await until(hass, lambda: hass.states.get(PHOTOS) is None)
    assert registry.async_get(PHOTOS) is None
    assert counted(hass, FILMS) is not None

    # Back: its entities come again, without a restart.
    living_room.library.sections["4"] = photos
    living_room.scan("1")
    await settle(hass, freezer)
    await until(hass, lambda: counted(hass, PHOTOS) is not None)

    # The server asleep: unavailable, but nothing is removed.
    await living_room.sleep()
    await until(hass, lambda: state(hass, FILMS) == STATE_UNAVAILABLE)
    assert registry.async_get(PHOTOS) is not None
    await living_room.wake()
    await pass_time(hass, freezer, timedelta(seconds=2))
    await until(hass, lambda: counted(hass, PHOTOS) is not None)


async def test_scan_button(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """The button asks the server to scan that library; a failure is a translated error."""
    await until(hass, lambda: hass.states.get(SCAN_FILMS) is not None)
    entry = er.async_get(hass).async_get(SCAN_FILMS)
    assert entry is not None
    assert FILMS_UUID in entry.unique_id
    assert entry.unique_id.endswith("scan")
    await hass.services.async_call("button", "press", {"entity_id": SCAN_FILMS}, blocking=True)
    assert living_room.scans == {"1": 1}

    living_room.add_fault("/library/sections/1/refresh", status=500)
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call("button", "press", {"entity_id": SCAN_FILMS}, blocking=True)
    assert failed.value.translation_key == "scan_failed"
    assert living_room.scans == {"1": 1}

    # No connection in use: the error names the server.
    follower = playing_room.runtime_data.sessions.followers[LIVING_ROOM_SERVER_ID]
    follower.connection = None
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call("button", "press", {"entity_id": SCAN_FILMS}, blocking=True)
    assert failed.value.translation_key == "server_unreachable"
    assert failed.value.translation_placeholders == {"server": "Living Room Server"}


async def test_added_once_per_item(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """An episode announced as created fires `added` once it is done, and never again."""
    await until(hass, lambda: counted(hass, TV_SHOWS) is not None)
    entry = er.async_get(hass).async_get(LIBRARY)
    assert entry is not None
    assert entry.unique_id == f"{SAMPLE_ACCOUNT_UUID}_{LIVING_ROOM_SERVER_ID}_library"
    seen = added_events(hass)
    key = living_room.library.add(
        section="2", kind="episode", title="The Tide Turns", show="Northern Lines", season=2,
        episode=6, year=2025,
    )  # fmt: skip
    living_room.announce_added([key], processed=False)
    await soon(lambda: living_room.open_websockets == 1)
    await hass.async_block_till_done()
    assert seen == []
    living_room.finish_processing([key])
    await until(hass, lambda: len(seen) == 1)
    [event] = seen
    assert {name: event[name] for name in ("title", "media_type", "library", "year")} == {
        "title": "The Tide Turns",
        "media_type": "episode",
        "library": "TV Shows",
        "year": 2025,
    }
    assert (event["show"], event["season"], event["episode"]) == ("Northern Lines", 2, 6)

    # Done again, refreshed, or another item only refreshed: nothing.
    living_room.finish_processing([key])
    living_room.refresh_item(key)
    living_room.refresh_item("1001")
    film = living_room.library.add(section="1", kind="movie", title="Lanterns", year=2024)
    living_room.announce_added([film])
    await until(hass, lambda: len(seen) == 2)
    assert [event["title"] for event in seen] == ["The Tide Turns", "Lanterns"]
    assert seen[1]["media_type"] == "movie"
    assert "show" not in seen[1]


async def test_a_batch_of_fifty(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """Fifty episodes added at once are fifty events, each once, in the server's order."""
    await until(hass, lambda: counted(hass, TV_SHOWS) is not None)
    seen = added_events(hass)
    keys = [
        living_room.library.add(section="2", kind="episode", show="Long Show", episode=number)
        for number in range(1, 51)
    ]
    living_room.announce_added(keys)
    await until(hass, lambda: len(seen) >= 50)
    await hass.async_block_till_done()
    assert [event["episode"] for event in seen] == list(range(1, 51))
    # A show and a season came with them: neither is an event.
    assert {event["media_type"] for event in seen} == {"episode"}


async def test_added_across_a_reconnection(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """An item done while the websocket was down is told on return; none is told twice."""
    await until(hass, lambda: counted(hass, TV_SHOWS) is not None)
    seen = added_events(hass)
    told = living_room.library.add(section="3", kind="track", artist="Nia", album="Tides")
    living_room.announce_added([told])
    await until(hass, lambda: len(seen) == 1)
    waiting = living_room.library.add(section="3", kind="track", artist="Nia", album="Tides")
    living_room.announce_added([waiting], processed=False)
    await hass.async_block_till_done()
    await soon(lambda: living_room.open_websockets == 1)
    living_room.drop_websockets()
    # Done while nobody listened; then the server repeats the first one's state 5.
    for _ in range(10):
        await pass_time(hass, freezer, timedelta(seconds=1))
        if living_room.open_websockets == 1:
            break
    assert living_room.websocket_connections == 2
    await until(hass, lambda: len(seen) == 2)
    living_room.finish_processing([told, waiting])
    await pass_time(hass, freezer, timedelta(seconds=3))
    assert [event["title"] for event in seen] == ["Track 1", "Track 2"]
    assert seen[0]["artist"] == "Nia"
    assert seen[0]["album"] == "Tides"


async def test_update_entity(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """The installed and offered versions; install only where the server can; at most hourly."""
    await until(hass, lambda: hass.states.get(UPDATE) is not None and state(hass, UPDATE) == "off")
    update = hass.states.get(UPDATE)
    assert update is not None
    installed = update.attributes["installed_version"]
    assert installed == update.attributes["latest_version"]
    entry = er.async_get(hass).async_get(UPDATE)
    assert entry is not None
    assert LIVING_ROOM_SERVER_ID in entry.unique_id
    assert entry.unique_id.endswith("update")
    reads = len(living_room.requests_to("/updater/status"))

    # Offered where it cannot install (a NAS package): shown, but no install.
    living_room.set_update(version=NEW_VERSION, can_install=False)
    await until(hass, lambda: state(hass, UPDATE) == "on")
    update = hass.states.get(UPDATE)
    assert update is not None
    assert update.attributes["latest_version"] == NEW_VERSION
    assert "Fixed a crash when scanning" in update.attributes["release_summary"]
    assert not update.attributes[ATTR_SUPPORTED_FEATURES] & UpdateEntityFeature.INSTALL
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call("update", "install", {"entity_id": UPDATE}, blocking=True)

    # Where it can: installed from here; the server restarts on the new version.
    living_room.set_update(version=NEW_VERSION, can_install=True)
    await until(
        hass,
        lambda: bool(
            (s := hass.states.get(UPDATE))
            and s.attributes[ATTR_SUPPORTED_FEATURES] & UpdateEntityFeature.INSTALL
        ),
    )
    await hass.services.async_call("update", "install", {"entity_id": UPDATE}, blocking=True)
    assert len(living_room.requests_to("/updater/apply")) == 1
    # The server restarts: back on the new version, which it no longer offers.
    for _ in range(10):
        await pass_time(hass, freezer, timedelta(seconds=1))
        if living_room.websocket_connections == 2:
            break
    await until(hass, lambda: state(hass, UPDATE) == "off")
    update = hass.states.get(UPDATE)
    assert update is not None
    assert (update.state, update.attributes["installed_version"]) == ("off", NEW_VERSION)

    # No change said: read again after an hour, not before.
    reads = len(living_room.requests_to("/updater/status"))
    await pass_time(hass, freezer, timedelta(minutes=50), steps=2)
    assert len(living_room.requests_to("/updater/status")) == reads
    await pass_time(hass, freezer, timedelta(minutes=15), steps=1)
    await until(hass, lambda: len(living_room.requests_to("/updater/status")) == reads + 1)


async def test_install_refused(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """A server that says it can install but fails: a translated error, nothing else."""
    living_room.set_update(version=NEW_VERSION, can_install=True)
    await until(hass, lambda: state(hass, UPDATE) == "on")
    living_room.add_fault("/updater/apply", status=500)
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call("update", "install", {"entity_id": UPDATE}, blocking=True)
    assert failed.value.translation_key == "install_failed"
    assert state(hass, UPDATE) == "on"
    follower = playing_room.runtime_data.sessions.followers[LIVING_ROOM_SERVER_ID]
    follower.connection = None
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call("update", "install", {"entity_id": UPDATE}, blocking=True)
    assert failed.value.translation_key == "server_unreachable"


async def test_an_album_added(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """An album the server announces is an event too, with its artist; its artist is not."""
    await until(hass, lambda: counted(hass, MUSIC) is not None)
    seen = added_events(hass)
    album = living_room.library.item("3600")
    artist = living_room.library.item("3500")
    now = living_room.epoch()
    for state_, metadata in ((0, "created"), (5, None)):
        entries = [each.timeline_entry(state_, metadata, now) for each in (artist, album)]
        living_room.notify(
            {"NotificationContainer": {"type": "timeline", "size": 2, "TimelineEntry": entries}}
        )
    await until(hass, lambda: len(seen) == 1)
    assert {name: seen[0][name] for name in ("title", "media_type", "artist", "album")} == {
        "title": "Signal Fires",
        "media_type": "album",
        "artist": "Amber Static",
        "album": "Signal Fires",
    }


async def test_a_server_that_leaves_takes_its_libraries(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """A server gone from the account takes its library entities; none is left behind."""
    await until(hass, lambda: counted(hass, FILMS) is not None)
    plextv.set_resources(
        [r for r in plextv.resources_of() if r["clientIdentifier"] != LIVING_ROOM_SERVER_ID]
    )
    await playing_room.runtime_data.account.async_refresh()
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    for entity_id in (FILMS, SCAN_FILMS, LIBRARY, UPDATE):
        assert hass.states.get(entity_id) is None, entity_id
        assert registry.async_get(entity_id) is None, entity_id


async def test_installed_version_before_the_server_answers(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """Until a server says which version it runs, plex.tv's word on it is shown."""
    component = hass.data["entity_components"]["update"]
    attic = component.get_entity("update.attic_nas_plex_media_server")
    assert attic is not None
    assert state(hass, "update.attic_nas_plex_media_server") == STATE_UNAVAILABLE
    assert attic.installed_version == "1.41.3.9314-a0bfb8370"
    assert attic.latest_version == attic.installed_version
    assert attic.release_summary is None
