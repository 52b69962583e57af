"""What plays on the owned servers: a media player per Plex player, Active streams, Playback."""

from dataclasses import replace
from http import HTTPStatus
from typing import Any

import pytest
from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES
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
from homeassistant.const import ATTR_ENTITY_PICTURE, ATTR_SUPPORTED_FEATURES, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.plex_account.aioplexaccount import Player, Session
from custom_components.plex_account.const import DOMAIN
from custom_components.plex_account.sensor import stream_title
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, SAMPLE_ACCOUNT_UUID, PlexTVSimulator
from library.simulators.pms import (
    LIVING_ROOM_TV_ID,
    PMSFactory,
    PMSSimulator,
    artwork,
    friend_phone,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)

from .common import set_up, until

TV = "media_player.living_room_tv"
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


async def state_becomes(hass: HomeAssistant, state: str, entity_id: str = TV) -> State:
    """Wait until the entity's state is `state`; return the state object."""
    await until(
        hass, lambda: (current := hass.states.get(entity_id)) is not None and current.state == state
    )
    current = hass.states.get(entity_id)
    assert current is not None
    return current


async def test_from_start_to_stop(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """The TV's media player and the server's entities follow one stream from start to stop.

    The media player offers nothing to control. Start, pause, resume and stop are four
    events, each once: buffering after a pause is still paused, a progress is no event.
    """
    idle = hass.states.get(TV)
    assert idle is not None
    assert idle.state == MediaPlayerState.IDLE
    assert idle.attributes[ATTR_SUPPORTED_FEATURES] == 0
    assert ATTR_MEDIA_TITLE not in idle.attributes
    assert ATTR_ENTITY_PICTURE not in idle.attributes
    entity = hass.data["entity_components"]["media_player"].get_entity(TV)
    assert await entity.async_get_media_image() == (None, None)
    playback = hass.states.get(PLAYBACK)
    assert playback is not None
    assert playback.state == STATE_UNKNOWN
    assert playback.attributes[ATTR_EVENT_TYPES] == [
        "started",
        "paused",
        "resumed",
        "stopped",
        "intro_started",
        "intro_ended",
        "credits_started",
        "watched",
    ]

    key = living_room.start_session(player=living_room_tv(), media=sample_film())
    playing = await state_becomes(hass, MediaPlayerState.PLAYING)
    assert playing.attributes[ATTR_MEDIA_TITLE] == "The Long Voyage"
    assert playing.attributes[ATTR_MEDIA_CONTENT_TYPE] == MediaType.MOVIE
    assert playing.attributes[ATTR_MEDIA_CONTENT_ID] == "1001"
    assert playing.attributes[ATTR_MEDIA_DURATION] == 8160
    assert playing.attributes[ATTR_MEDIA_POSITION] == 0
    assert playing.attributes[ATTR_MEDIA_POSITION_UPDATED_AT] is not None
    assert playing.attributes[ATTR_ENTITY_PICTURE].startswith(f"/api/media_player_proxy/{TV}?")
    assert hass.states.get(STREAMS).state == "1"

    living_room.seek(key, 600_000)
    await until(hass, lambda: hass.states.get(TV).attributes.get(ATTR_MEDIA_POSITION) == 600)
    for change, state in (
        (living_room.pause, MediaPlayerState.PAUSED),
        (living_room.buffer, MediaPlayerState.BUFFERING),
        (living_room.resume, MediaPlayerState.PLAYING),
        (living_room.buffer, MediaPlayerState.BUFFERING),
        (living_room.resume, MediaPlayerState.PLAYING),
    ):
        change(key)
        await state_becomes(hass, state)
        if state != MediaPlayerState.BUFFERING:
            assert hass.states.get(STREAMS).attributes["streams"][0]["state"] == state
    living_room.stop(key)
    stopped = await state_becomes(hass, MediaPlayerState.IDLE)
    assert ATTR_MEDIA_TITLE not in stopped.attributes
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


@pytest.mark.parametrize(
    ("media", "attributes"),
    [
        (
            sample_episode,
            {
                ATTR_MEDIA_CONTENT_TYPE: MediaType.TVSHOW,
                ATTR_MEDIA_TITLE: "The Lighthouse",
                ATTR_MEDIA_SERIES_TITLE: "Northern Lines",
                ATTR_MEDIA_SEASON: "2",
                ATTR_MEDIA_EPISODE: "5",
                ATTR_MEDIA_ARTIST: None,
            },
        ),
        (
            sample_track,
            {
                ATTR_MEDIA_CONTENT_TYPE: MediaType.MUSIC,
                ATTR_MEDIA_TITLE: "Paper Boats",
                ATTR_MEDIA_ARTIST: "The Quiet Tides",
                ATTR_MEDIA_ALBUM_NAME: "Harbour Songs",
                ATTR_MEDIA_TRACK: 2,
                ATTR_MEDIA_SERIES_TITLE: None,
            },
        ),
        (lambda: replace(sample_film(), type="clip"), {ATTR_MEDIA_CONTENT_TYPE: MediaType.VIDEO}),
    ],
    ids=["episode", "track", "clip"],
)
async def test_what_plays(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    media: Any,  # noqa: ANN401 - a builder of the simulator's media
    attributes: dict[str, Any],
) -> None:
    """An episode says its show, season and number; a track its artist, album and number.

    Kinds other than films, episodes and tracks play as video.
    """
    living_room.start_session(player=living_room_tv(), media=media())
    playing = await state_becomes(hass, MediaPlayerState.PLAYING)
    assert {name: playing.attributes.get(name) for name in attributes} == attributes


async def test_someone_elses_stream_and_each_player(
    hass: HomeAssistant,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """A friend's phone on the server: in the streams and the events, as their player.

    It is no player of the account: one media player per player plex.tv lists, on its own
    device, ids scoped to the account; a player plex.tv sees offline is off.
    """
    living_room.start_session(player=living_room_tv(), media=sample_episode())
    phone = living_room.start_session(player=friend_phone(), media=sample_film())
    await until(hass, lambda: len(events) == 2)
    living_room.pause(phone)
    await until(hass, lambda: len(events) == 3)
    # The event comes from the notification; the streams from the read it sets off.
    await until(
        hass, lambda: hass.states.get(STREAMS).attributes["streams"][1]["state"] == "paused"
    )

    streams = hass.states.get(STREAMS).attributes["streams"]
    shown = ("user", "title", "player", "state")
    assert [{key: stream[key] for key in shown} for stream in streams] == [
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
    # How each plays: here both directly, one at home and one away.
    assert [(s["decision"], s["location"]) for s in streams] == [
        ("direct play", "lan"),
        ("direct play", "wan"),
    ]
    assert all(stream["session_id"] and stream["bandwidth"] for stream in streams)
    assert hass.states.get(STREAMS).state == "2"
    # Each stream's own changes, as its own player and user.
    assert [(e[ATTR_EVENT_TYPE], e["player"], e["user"]) for e in events] == [
        ("started", "Living Room TV", "plexfan"),
        ("started", "Jamie's Phone", "jamiewatches"),
        ("paused", "Jamie's Phone", "jamiewatches"),
    ]

    entity_registry = er.async_get(hass)
    players = er.async_entries_for_config_entry(entity_registry, playing_room.entry_id)
    assert sorted(entry.entity_id for entry in players if entry.domain == "media_player") == [
        "media_player.kitchen_ipad",
        TV,
        "media_player.office_pc",
    ]
    assert hass.states.get(TV).attributes[ATTR_MEDIA_TITLE] == "The Lighthouse"
    assert hass.states.get("media_player.kitchen_ipad").state == MediaPlayerState.OFF
    tv = entity_registry.async_get(TV)
    assert tv is not None
    assert tv.unique_id == f"{SAMPLE_ACCOUNT_UUID}_{LIVING_ROOM_TV_ID}_media_player"
    device = dr.async_get(hass).async_get(tv.device_id or "")
    assert device is not None
    assert device.identifiers == {(DOMAIN, f"{SAMPLE_ACCOUNT_UUID}_{LIVING_ROOM_TV_ID}")}
    assert (device.name, device.manufacturer, device.model) == (
        "Living Room TV",
        "Plex",
        "Plex for Android (TV)",
    )


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


async def test_artwork_is_proxied(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
) -> None:
    """Home Assistant fetches the picture from the server; the browser never sees the server.

    A picture that cannot be fetched is no picture, not an error page with details. A
    player with two streams shows the one that plays.
    """
    key = living_room.start_session(player=living_room_tv(), media=sample_episode())
    playing = await state_becomes(hass, MediaPlayerState.PLAYING)
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
    # The second look is served from what Home Assistant kept.
    assert len([r for r in living_room.requests if "/thumb/" in r.path]) == 1

    living_room.pause(key)
    await state_becomes(hass, MediaPlayerState.PAUSED)
    living_room.start_session(player=living_room_tv(), media=sample_film())
    playing = await state_becomes(hass, MediaPlayerState.PLAYING)
    assert playing.attributes[ATTR_MEDIA_TITLE] == "The Long Voyage"
    # The picture's path alone: the item's markers are read from /library/metadata too.
    living_room.add_fault("/library/metadata/1001/thumb", status=500)
    response = await client.get(hass.states.get(TV).attributes[ATTR_ENTITY_PICTURE])
    assert response.status == HTTPStatus.NOT_FOUND


@pytest.mark.usefixtures("plextv_url")
async def test_before_the_start_and_on_another_server(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    pms_factory: PMSFactory,
    mock_config_entry: MockConfigEntry,
    events: list[dict[str, Any]],
) -> None:
    """A stream already playing when Home Assistant starts is counted, not announced.

    The TV plays from the Attic NAS: its media player shows it, as from any owned server.
    Only owned servers have the events and streams: a shared one tells its guests nothing.
    """
    attic_resource = next(r for r in plextv.resources_of() if r["name"] == "Attic NAS")
    attic = await pms_factory(
        host="127.0.0.5",
        machine_identifier=attic_resource["clientIdentifier"],
        token=attic_resource["accessToken"],
        name="Attic NAS",
    )
    attic_resource["connections"][0].update(address=attic.host, port=attic.port, uri=attic.url)
    living_room.start_session(player=friend_phone(), media=sample_film())
    await set_up(hass, mock_config_entry)
    await until(hass, lambda: hass.states.get(STREAMS).state == "1")
    attic.start_session(player=living_room_tv(), media=sample_track())
    playing = await state_becomes(hass, MediaPlayerState.PLAYING)
    assert playing.attributes[ATTR_MEDIA_TITLE] == "Paper Boats"
    assert hass.states.get("sensor.attic_nas_active_streams").state == "1"
    assert events == []
    ids = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), mock_config_entry.entry_id
        )
        if entry.unique_id.endswith(("_playback", "_active_streams"))
    }
    assert ids == {
        f"{SAMPLE_ACCOUNT_UUID}_{server}_{key}"
        for server in (LIVING_ROOM_SERVER_ID, attic_resource["clientIdentifier"])
        for key in ("playback", "active_streams")
    }
