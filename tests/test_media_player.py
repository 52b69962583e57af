"""The media players: each Plex player of the account, following its stream on the servers."""

from http import HTTPStatus

import pytest
from homeassistant.components.media_player import (
    ATTR_MEDIA_ALBUM_NAME,
    ATTR_MEDIA_ARTIST,
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_DURATION,
    ATTR_MEDIA_EPISODE,
    ATTR_MEDIA_POSITION,
    ATTR_MEDIA_POSITION_UPDATED_AT,
    ATTR_MEDIA_SEASON,
    ATTR_MEDIA_SERIES_TITLE,
    ATTR_MEDIA_TITLE,
    ATTR_MEDIA_TRACK,
    MediaPlayerState,
    MediaType,
)
from homeassistant.const import ATTR_ENTITY_PICTURE, ATTR_SUPPORTED_FEATURES, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.plex_account.const import DOMAIN

from .common import until
from library.simulators.plextv import PlexTVSimulator
from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID, SAMPLE_ACCOUNT_UUID
from library.simulators.pms import PMSSimulator
from library.simulators.pms.app import artwork
from library.simulators.pms.fixtures import PMSFactory
from library.simulators.pms.sample import (
    LIVING_ROOM_TV_ID,
    friend_phone,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)

TV = "media_player.living_room_tv"


async def state_becomes(
    hass: HomeAssistant, entry: MockConfigEntry, entity_id: str, state: str
) -> State:
    """Wait until the entity's state is `state`; return the state object."""
    await until(
        entry.runtime_data.sessions,
        lambda: (current := hass.states.get(entity_id)) is not None and current.state == state,
    )
    current = hass.states.get(entity_id)
    assert current is not None
    return current


async def test_follows_play_pause_resume_stop(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """The TV's media player follows its stream from start to stop."""
    idle = hass.states.get(TV)
    assert idle is not None
    assert idle.state == MediaPlayerState.IDLE
    assert ATTR_MEDIA_TITLE not in idle.attributes
    assert ATTR_ENTITY_PICTURE not in idle.attributes

    key = living_room.start_session(player=living_room_tv(), media=sample_film())
    playing = await state_becomes(hass, playing_room, TV, MediaPlayerState.PLAYING)
    assert playing.attributes[ATTR_MEDIA_TITLE] == "The Long Voyage"
    assert playing.attributes[ATTR_MEDIA_CONTENT_TYPE] == MediaType.MOVIE
    assert playing.attributes[ATTR_MEDIA_CONTENT_ID] == "1001"
    assert playing.attributes[ATTR_MEDIA_DURATION] == 8160
    assert playing.attributes[ATTR_MEDIA_POSITION] == 0
    assert playing.attributes[ATTR_MEDIA_POSITION_UPDATED_AT] is not None
    assert playing.attributes[ATTR_ENTITY_PICTURE].startswith(f"/api/media_player_proxy/{TV}?")

    living_room.seek(key, 600_000)
    await until(
        playing_room.runtime_data.sessions,
        lambda: hass.states.get(TV).attributes.get(ATTR_MEDIA_POSITION) == 600,
    )
    living_room.pause(key)
    await state_becomes(hass, playing_room, TV, MediaPlayerState.PAUSED)
    living_room.buffer(key)
    await state_becomes(hass, playing_room, TV, MediaPlayerState.BUFFERING)
    living_room.resume(key)
    await state_becomes(hass, playing_room, TV, MediaPlayerState.PLAYING)
    living_room.stop(key)
    stopped = await state_becomes(hass, playing_room, TV, MediaPlayerState.IDLE)
    assert ATTR_MEDIA_TITLE not in stopped.attributes


async def test_episode_and_track(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """An episode says its show, season and number; a track its artist, album and number."""
    key = living_room.start_session(player=living_room_tv(), media=sample_episode())
    episode = await state_becomes(hass, playing_room, TV, MediaPlayerState.PLAYING)
    assert episode.attributes[ATTR_MEDIA_CONTENT_TYPE] == MediaType.TVSHOW
    assert episode.attributes[ATTR_MEDIA_TITLE] == "The Lighthouse"
    assert episode.attributes[ATTR_MEDIA_SERIES_TITLE] == "Northern Lines"
    assert episode.attributes[ATTR_MEDIA_SEASON] == "2"
    assert episode.attributes[ATTR_MEDIA_EPISODE] == "5"
    assert ATTR_MEDIA_ARTIST not in episode.attributes
    living_room.stop(key)
    await state_becomes(hass, playing_room, TV, MediaPlayerState.IDLE)

    living_room.start_session(player=living_room_tv(), media=sample_track())
    track = await state_becomes(hass, playing_room, TV, MediaPlayerState.PLAYING)
    assert track.attributes[ATTR_MEDIA_CONTENT_TYPE] == MediaType.MUSIC
    assert track.attributes[ATTR_MEDIA_TITLE] == "Paper Boats"
    assert track.attributes[ATTR_MEDIA_ARTIST] == "The Quiet Tides"
    assert track.attributes[ATTR_MEDIA_ALBUM_NAME] == "Harbour Songs"
    assert track.attributes[ATTR_MEDIA_TRACK] == 2
    assert ATTR_MEDIA_SERIES_TITLE not in track.attributes


async def test_a_clip_is_a_video(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """Kinds other than films, episodes and tracks play as video."""
    clip = sample_film()
    clip.type = "clip"
    living_room.start_session(player=living_room_tv(), media=clip)
    playing = await state_becomes(hass, playing_room, TV, MediaPlayerState.PLAYING)
    assert playing.attributes[ATTR_MEDIA_CONTENT_TYPE] == MediaType.VIDEO


async def test_playing_wins_over_paused(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """A player with two streams shows the one that plays."""
    paused = living_room.start_session(player=living_room_tv(), media=sample_episode())
    living_room.pause(paused)
    await state_becomes(hass, playing_room, TV, MediaPlayerState.PAUSED)
    living_room.start_session(player=living_room_tv(), media=sample_film())
    playing = await state_becomes(hass, playing_room, TV, MediaPlayerState.PLAYING)
    assert playing.attributes[ATTR_MEDIA_TITLE] == "The Long Voyage"


async def test_offline_player_is_off(
    hass: HomeAssistant, plextv: PlexTVSimulator, playing_room: MockConfigEntry
) -> None:
    """plex.tv sees the Kitchen iPad offline: off, with no picture."""
    ipad = hass.states.get("media_player.kitchen_ipad")
    assert ipad is not None
    assert ipad.state == MediaPlayerState.OFF
    assert ipad.attributes[ATTR_SUPPORTED_FEATURES] == 0


async def test_read_only(hass: HomeAssistant, playing_room: MockConfigEntry) -> None:
    """Nothing is sent to a player: no control is offered."""
    state = hass.states.get(TV)
    assert state is not None
    assert state.attributes[ATTR_SUPPORTED_FEATURES] == 0


async def test_each_player_on_its_own_device(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    playing_room: MockConfigEntry,
) -> None:
    """One media player per player plex.tv lists, on its own device, ids scoped to the account."""
    players = [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, playing_room.entry_id)
        if entry.domain == "media_player"
    ]
    assert sorted(entry.entity_id for entry in players) == [
        "media_player.kitchen_ipad",
        "media_player.living_room_tv",
        "media_player.office_pc",
    ]
    tv = entity_registry.async_get(TV)
    assert tv is not None
    assert tv.unique_id == f"{SAMPLE_ACCOUNT_UUID}_{LIVING_ROOM_TV_ID}_media_player"
    assert tv.device_id is not None
    device = device_registry.async_get(tv.device_id)
    assert device is not None
    assert device.identifiers == {(DOMAIN, f"{SAMPLE_ACCOUNT_UUID}_{LIVING_ROOM_TV_ID}")}
    assert device.name == "Living Room TV"
    assert device.manufacturer == "Plex"
    assert device.model == "Plex for Android (TV)"


async def test_someone_elses_player_is_no_media_player(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """A friend's phone streaming from the server is a stream, not a player of the account."""
    living_room.start_session(player=friend_phone(), media=sample_film())
    sessions = playing_room.runtime_data.sessions
    await until(sessions, lambda: len(sessions.data[LIVING_ROOM_SERVER_ID].sessions) == 1)
    await hass.async_block_till_done()
    assert not [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, playing_room.entry_id)
        if "9d3f6a1b2c4e58d7" in entry.unique_id
    ]
    assert hass.states.get(TV).state == MediaPlayerState.IDLE


async def test_artwork_is_proxied(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """Home Assistant fetches the picture from the server; the browser never sees the server."""
    living_room.start_session(player=living_room_tv(), media=sample_episode())
    playing = await state_becomes(hass, playing_room, TV, MediaPlayerState.PLAYING)
    picture = playing.attributes[ATTR_ENTITY_PICTURE]
    assert living_room.token not in picture
    assert living_room.url not in picture

    client = await hass_client()
    for _ in range(2):
        response = await client.get(picture)
        assert response.status == HTTPStatus.OK
        assert response.content_type == "image/png"
        # The show's poster, as the server serves it.
        assert await response.read() == artwork("/library/metadata/2000/thumb/1700000000")
    artwork_reads = [r for r in living_room.requests if "/thumb/" in r.path]
    # The second look is served from what Home Assistant kept.
    assert len(artwork_reads) == 1


async def test_artwork_of_a_server_gone(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """A picture that cannot be fetched is no picture, not an error page with details."""
    living_room.start_session(player=living_room_tv(), media=sample_film())
    playing = await state_becomes(hass, playing_room, TV, MediaPlayerState.PLAYING)
    living_room.add_fault("/library/metadata", status=500)
    client = await hass_client()
    response = await client.get(playing.attributes[ATTR_ENTITY_PICTURE])
    assert response.status == HTTPStatus.NOT_FOUND


async def test_player_plex_tv_forgets(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    device_registry: dr.DeviceRegistry,
    playing_room: MockConfigEntry,
) -> None:
    """A player removed from the account loses its device and media player."""
    plextv.set_resources(
        [r for r in plextv.resources_of() if r["clientIdentifier"] != LIVING_ROOM_TV_ID]
    )
    await playing_room.runtime_data.account.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(TV) is None or hass.states.get(TV).state == STATE_UNAVAILABLE
    tv_device = (DOMAIN, f"{SAMPLE_ACCOUNT_UUID}_{LIVING_ROOM_TV_ID}")
    devices = dr.async_entries_for_config_entry(device_registry, playing_room.entry_id)
    assert devices
    assert not [device for device in devices if tv_device in device.identifiers]


async def test_no_picture_while_idle(hass: HomeAssistant, playing_room: MockConfigEntry) -> None:
    """An idle player has no picture to fetch."""
    component = hass.data["entity_components"]["media_player"]
    entity = component.get_entity(TV)
    assert entity is not None
    assert await entity.async_get_media_image() == (None, None)


@pytest.mark.usefixtures("plextv_url")
async def test_follows_the_player_on_another_server(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    pms_factory: PMSFactory,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The TV plays from the Attic NAS: its media player shows it, as from any owned server."""
    attic_resource = next(r for r in plextv.resources_of() if r["name"] == "Attic NAS")
    attic = await pms_factory(
        host="127.0.0.5",
        machine_identifier=attic_resource["clientIdentifier"],
        token=attic_resource["accessToken"],
        name="Attic NAS",
    )
    attic_resource["connections"][0].update(address=attic.host, port=attic.port, uri=attic.url)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    attic.start_session(player=living_room_tv(), media=sample_track())
    playing = await state_becomes(hass, mock_config_entry, TV, MediaPlayerState.PLAYING)
    assert playing.attributes[ATTR_MEDIA_TITLE] == "Paper Boats"
    assert hass.states.get("sensor.attic_nas_active_streams").state == "1"
    assert hass.states.get("sensor.living_room_server_active_streams").state == "0"
