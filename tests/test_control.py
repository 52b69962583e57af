"""Acting on what plays: control where the player takes it, playing library items, stopping."""

from typing import Any

import pytest
from homeassistant.components.media_player import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_ENQUEUE,
    ATTR_MEDIA_SEEK_POSITION,
    ATTR_MEDIA_VOLUME_LEVEL,
    MediaPlayerEnqueue,
    MediaPlayerEntityFeature,
)
from homeassistant.components.media_player import (
    DOMAIN as MEDIA_PLAYER,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.const import DOMAIN
from library.simulators.plextv import LIVING_ROOM_SERVER_ID
from library.simulators.pms import (
    LIVING_ROOM_TV_ID,
    PMSSimulator,
    friend_phone,
    living_room_tv,
    sample_episode,
    sample_film,
)

from .common import state, until

TV = "media_player.living_room_tv"
HTPC = "media_player.office_pc"
STREAMS = "sensor.living_room_server_active_streams"
BANDWIDTH = "sensor.living_room_server_bandwidth"
TRANSCODES = "sensor.living_room_server_transcodes"
ROOT = "media-source://plex_account"

pytestmark = pytest.mark.usefixtures("no_token_in_logs")


def features(hass: HomeAssistant, entity_id: str) -> MediaPlayerEntityFeature:
    """Return what a media player offers now."""
    current = hass.states.get(entity_id)
    assert current is not None
    return MediaPlayerEntityFeature(current.attributes.get(ATTR_SUPPORTED_FEATURES, 0))


async def press(hass: HomeAssistant, service: str, **data: Any) -> None:  # noqa: ANN401
    """Call a media player action on the Living Room TV, as a card does."""
    await hass.services.async_call(
        MEDIA_PLAYER, service, {ATTR_ENTITY_ID: TV, **data}, blocking=True
    )


def commands(sim: PMSSimulator) -> list[tuple[str, str, int | None]]:
    """Return what reached the server for the TV: command and commandID."""
    return [(c.command, c.query.get("type", ""), c.command_id) for c in sim.commands]


async def test_control_where_the_player_takes_it(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """Every command goes through the server to the player; its effect shows when pushed."""
    key = living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(hass, lambda: state(hass, TV) == "playing")
    await until(hass, lambda: MediaPlayerEntityFeature.PAUSE in features(hass, TV))
    offered = features(hass, TV)
    for feature in (
        MediaPlayerEntityFeature.PLAY,
        MediaPlayerEntityFeature.PAUSE,
        MediaPlayerEntityFeature.STOP,
        MediaPlayerEntityFeature.SEEK,
        MediaPlayerEntityFeature.NEXT_TRACK,
        MediaPlayerEntityFeature.PREVIOUS_TRACK,
        MediaPlayerEntityFeature.VOLUME_SET,
        MediaPlayerEntityFeature.PLAY_MEDIA,
        MediaPlayerEntityFeature.BROWSE_MEDIA,
    ):
        assert feature in offered, feature
    # A player the server does not list (plex.tv's Office PC here) offers nothing.
    assert features(hass, HTPC) == MediaPlayerEntityFeature(0)

    await press(hass, "media_pause")
    # Nothing assumed: the state is what the server pushes.
    await until(hass, lambda: state(hass, TV) == "paused")
    assert living_room.session(key).state == "paused"
    await press(hass, "media_play")
    await until(hass, lambda: state(hass, TV) == "playing")
    await press(hass, "media_seek", **{ATTR_MEDIA_SEEK_POSITION: 600})
    await until(hass, lambda: living_room.session(key).offset_ms >= 600_000)
    await press(hass, "volume_set", **{ATTR_MEDIA_VOLUME_LEVEL: 0.4})
    await press(hass, "media_next_track")
    await press(hass, "media_previous_track")
    await press(hass, "media_stop")
    await until(hass, lambda: state(hass, TV) == "idle")
    sent = [c for c in living_room.commands if c.player == LIVING_ROOM_TV_ID]
    assert [c.command for c in sent] == [
        "playback/pause",
        "playback/play",
        "playback/seekTo",
        "playback/setParameters",
        "playback/skipNext",
        "playback/skipPrevious",
        "playback/stop",
    ]
    assert sent[2].query["offset"] == "600000"
    assert sent[3].query["volume"] == "40"
    # Each command's id grows, as Plex's players want.
    ids = [c.command_id for c in sent]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {c.query["type"] for c in sent} == {"video"}


async def test_a_player_that_refuses(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
    plextv_url: str,
) -> None:
    """A player that does not take remote control is read-only; no button is offered."""
    living_room.controllable(LIVING_ROOM_TV_ID, accepts=False)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(hass, lambda: state(hass, TV) == "playing")
    sessions = mock_config_entry.runtime_data.sessions
    await until(hass, lambda: bool(sessions.data[LIVING_ROOM_SERVER_ID].players))
    await hass.async_block_till_done()
    assert features(hass, TV) == MediaPlayerEntityFeature(0)


async def test_a_refused_or_unanswered_command(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """A command the player refuses, or does not answer, is an error naming it; that is all."""
    key = living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(hass, lambda: state(hass, TV) == "playing")
    await until(hass, lambda: MediaPlayerEntityFeature.PAUSE in features(hass, TV))
    living_room.controllable(LIVING_ROOM_TV_ID, accepts=False)
    with pytest.raises(HomeAssistantError) as failed:
        await press(hass, "media_pause")
    assert failed.value.translation_key == "command_failed"
    assert failed.value.translation_placeholders["player"] == "Living Room TV"
    living_room.controllable(LIVING_ROOM_TV_ID)
    living_room.command_timeout = 0
    living_room.unresponsive(LIVING_ROOM_TV_ID)
    with pytest.raises(HomeAssistantError) as failed:
        await press(hass, "media_pause")
    assert failed.value.translation_key == "command_failed"
    assert living_room.session(key).state == "playing"
    assert state(hass, TV) == "playing"

    # No server of the account's passes it on: said so, naming the player.
    playing_room.runtime_data.sessions.followers[LIVING_ROOM_SERVER_ID].connection = None
    with pytest.raises(HomeAssistantError) as failed:
        await press(hass, "media_pause")
    assert failed.value.translation_key == "player_unreachable"
    assert failed.value.translation_placeholders == {"player": "Living Room TV"}


async def test_play_from_the_libraries(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """The server builds a queue of a library item and the player plays it."""
    await until(hass, lambda: MediaPlayerEntityFeature.PLAY_MEDIA in features(hass, TV))
    item = f"{ROOT}/{playing_room.entry_id}/{LIVING_ROOM_SERVER_ID}/item"

    async def play(key: str, kind: str = "movie", **data: Any) -> None:  # noqa: ANN401
        await press(
            hass,
            "play_media",
            **{ATTR_MEDIA_CONTENT_ID: f"{item}/{key}", ATTR_MEDIA_CONTENT_TYPE: kind, **data},
        )

    # Added while nothing plays: a queue of its own, played.
    await play("1001", **{ATTR_MEDIA_ENQUEUE: MediaPlayerEnqueue.NEXT})
    await until(
        hass, lambda: hass.states.get(TV).attributes.get("media_title") == "The Long Voyage"
    )
    [queue] = living_room.play_queues.values()
    assert [entry.rating_key for entry in queue.items] == ["1001"]
    [played] = [c for c in living_room.commands if c.command == "playback/playMedia"]
    assert played.query["key"] == "/library/metadata/1001"
    assert played.query["machineIdentifier"] == LIVING_ROOM_SERVER_ID
    assert played.query["token"] in living_room.transient_tokens
    assert played.query["containerKey"].startswith(f"/playQueues/{queue.id}")

    # An episode: it and the ones after it.
    await play("2203", "episode")
    await until(hass, lambda: hass.states.get(TV).attributes.get("media_episode") == "3")
    newest = living_room.play_queues[max(living_room.play_queues)]
    assert [entry.rating_key for entry in newest.items] == ["2203", "2204", "2205"]

    # Added to what plays: to the queue the player plays now, not a new one.
    before = len(living_room.play_queues)
    await play("2101", "episode", **{ATTR_MEDIA_ENQUEUE: MediaPlayerEnqueue.ADD})
    assert len(living_room.play_queues) == before
    assert [entry.rating_key for entry in newest.items] == ["2203", "2204", "2205", "2101"]
    assert living_room.commands[-1].command == "playback/refreshPlayQueue"

    # An album: its tracks, as music.
    await play("3100", "music")
    album = living_room.play_queues[max(living_room.play_queues)]
    assert [entry.rating_key for entry in album.items] == ["3111", "3112", "3113", "3114"]
    assert living_room.commands[-1].query["type"] == "music"
    await until(hass, lambda: state(hass, TV) == "playing")
    session = living_room.player_session(LIVING_ROOM_TV_ID)
    assert session is not None
    assert session.media.rating_key == "3111"

    # A playlist: its items, in its order, as its kind.
    playlist = f"{ROOT}/{playing_room.entry_id}/{LIVING_ROOM_SERVER_ID}/playlist"
    await press(
        hass,
        "play_media",
        **{
            ATTR_MEDIA_CONTENT_ID: f"{playlist}/9002",
            ATTR_MEDIA_CONTENT_TYPE: "playlist",
        },
    )
    weekend = living_room.play_queues[max(living_room.play_queues)]
    assert [entry.rating_key for entry in weekend.items] == ["1001", "1004", "1002"]
    assert living_room.commands[-1].query["key"] == "/library/metadata/1001"
    assert living_room.commands[-1].query["type"] == "video"
    with pytest.raises(ServiceValidationError) as failed:
        await press(
            hass,
            "play_media",
            **{
                ATTR_MEDIA_CONTENT_ID: f"{playlist}/1",
                ATTR_MEDIA_CONTENT_TYPE: "playlist",
            },
        )
    assert failed.value.translation_key == "unknown_media"

    # A server that fails the command: said, naming the player.
    living_room.add_fault("/playQueues", status=500)
    with pytest.raises(HomeAssistantError) as failed:
        await play("1001")
    assert failed.value.translation_key == "command_failed"

    # Not an item of the Plex media source, or none that exists.
    for wrong, key in (
        ("media-source://media_source/local/x.mp3", "not_plex_media"),
        (f"{item}/999999", "unknown_media"),
        (f"{ROOT}/{playing_room.entry_id}", "not_plex_media"),
    ):
        with pytest.raises(ServiceValidationError) as failed:
            await press(
                hass,
                "play_media",
                **{ATTR_MEDIA_CONTENT_ID: wrong, ATTR_MEDIA_CONTENT_TYPE: "movie"},
            )
        assert failed.value.translation_key == key


async def test_browse_on_the_player(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """Browsing the player shows the account's libraries, from the Plex media source."""
    assert await async_setup_component(hass, "media_source", {})
    await until(
        hass,
        lambda: bool(playing_room.runtime_data.sessions.data[LIVING_ROOM_SERVER_ID].players),
    )
    component = hass.data["entity_components"][MEDIA_PLAYER]
    player = component.get_entity(TV)
    root = await player.async_browse_media()
    assert [child.title for child in root.children] == ["Plex Fan"]
    server = f"{ROOT}/{playing_room.entry_id}/{LIVING_ROOM_SERVER_ID}"
    level = await player.async_browse_media("", server)
    assert "Films" in [child.title for child in level.children]


async def test_streams_cost_and_stop(
    hass: HomeAssistant, living_room: PMSSimulator, playing_room: MockConfigEntry
) -> None:
    """Bandwidth and transcodes follow the streams; stop_stream ends one, saying why."""
    living_room.start_session(
        player=living_room_tv(),
        media=sample_film(),
        decision="transcode",
        bandwidth=12_000,
        hardware=True,
    )
    living_room.start_session(player=friend_phone(), media=sample_episode(), bandwidth=4_000)
    await until(hass, lambda: state(hass, STREAMS) == "2")
    assert state(hass, BANDWIDTH) == "16000"
    assert state(hass, TRANSCODES) == "1"
    streams = hass.states.get(STREAMS).attributes["streams"]
    film = next(s for s in streams if s["player"] == "Living Room TV")
    assert (film["decision"], film["hardware_transcoding"], film["bandwidth"]) == (
        "transcode",
        True,
        12_000,
    )
    assert film["video_decision"] == "transcode"
    phone = next(s for s in streams if s["player"] == "Jamie's Phone")
    assert (phone["decision"], phone["location"]) == ("direct play", "wan")

    await hass.services.async_call(
        DOMAIN,
        "stop_stream",
        {"session_id": phone["session_id"], "reason": "Bedtime."},
        blocking=True,
    )
    assert living_room.terminated == [(phone["session_id"], "Bedtime.")]
    await until(hass, lambda: state(hass, STREAMS) == "1")
    assert state(hass, BANDWIDTH) == "12000"

    with pytest.raises(ServiceValidationError) as failed:
        await hass.services.async_call(
            DOMAIN, "stop_stream", {"session_id": phone["session_id"]}, blocking=True
        )
    assert failed.value.translation_key == "stream_not_found"

    living_room.plex_pass = False
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            DOMAIN, "stop_stream", {"session_id": film["session_id"]}, blocking=True
        )
    assert failed.value.translation_key == "stop_stream_refused"
    assert failed.value.translation_placeholders == {"server": "Living Room Server"}
    living_room.plex_pass = True
    living_room.add_fault("/status/sessions/terminate", status=500)
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            DOMAIN, "stop_stream", {"session_id": film["session_id"]}, blocking=True
        )
    assert failed.value.translation_key == "stop_stream_failed"
    playing_room.runtime_data.sessions.followers[LIVING_ROOM_SERVER_ID].connection = None
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            DOMAIN, "stop_stream", {"session_id": film["session_id"]}, blocking=True
        )
    assert failed.value.translation_key == "server_unreachable"
