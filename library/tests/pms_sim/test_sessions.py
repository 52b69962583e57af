"""/status/sessions: Plex's JSON shape, positions on the clock, the Python controls."""

import aiohttp
import pytest

from library.simulators.plextv.clock import FakeClock
from library.simulators.pms import (
    FRIEND_PHONE_ID,
    KITCHEN_SPEAKER_ID,
    LIVING_ROOM_TV_ID,
    PMSSimulator,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from library.simulators.pms.fixtures import PMSFactory
from library.simulators.pms.sample import SAMPLE_MEDIA, SAMPLE_PLAYERS, as_dict
from library.simulators.pms.testing import JSON, auth, get_json, sessions


async def test_no_sessions(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """An idle server answers an empty container; without the token, 401."""
    status, body = await get_json(session, f"{pms.url}/status/sessions", auth(pms))
    assert status == 200
    assert body == {"MediaContainer": {"size": 0, "Metadata": []}}
    assert (await get_json(session, f"{pms.url}/status/sessions", JSON))[0] == 401
    url = f"{pms.url}/status/sessions?X-Plex-Token={pms.token}"
    assert (await get_json(session, url, JSON))[0] == 200


async def test_film_session_shape(session: aiohttp.ClientSession, timed_pms: PMSSimulator) -> None:
    """A film on the living room TV, with every attribute a client reads."""
    key = timed_pms.start_session(player=living_room_tv(), media=sample_film())
    [item] = await sessions(session, timed_pms)
    assert item["sessionKey"] == key
    assert item["ratingKey"] == "1001"
    assert item["key"] == "/library/metadata/1001"
    assert item["type"] == "movie"
    assert item["title"] == "The Long Voyage"
    assert item["year"] == 2014
    assert item["duration"] == 8_160_000
    assert item["viewOffset"] == 0
    assert item["librarySectionTitle"] == "Films"
    assert item["thumb"].startswith("/library/metadata/1001/thumb/")
    assert item["art"].startswith("/library/metadata/1001/art/")
    assert "grandparentTitle" not in item
    assert item["Player"] == item["Player"] | {
        "machineIdentifier": LIVING_ROOM_TV_ID,
        "title": "Living Room TV",
        "product": "Plex for Android (TV)",
        "platform": "Android",
        "state": "playing",
        "local": True,
        "address": "127.0.0.11",
    }
    assert item["User"] == {"id": "1", "title": "plexfan", "thumb": "/users/1/avatar"}
    assert item["Session"]["location"] == "lan"
    assert item["Session"]["bandwidth"] > 0
    assert len(item["Session"]["id"]) == 24
    assert item["Media"][0]["Part"][0]["decision"] == "directplay"


async def test_episode_track_and_friend(
    session: aiohttp.ClientSession, timed_pms: PMSSimulator
) -> None:
    """An episode and a track carry their show/season and artist/album; a friend's is wan."""
    timed_pms.start_session(player=kitchen_speaker(), media=sample_track())
    timed_pms.start_session(player=friend_phone(), media=sample_episode())
    track, episode = await sessions(session, timed_pms)
    assert (track["type"], track["grandparentTitle"], track["parentTitle"]) == (
        "track",
        "The Quiet Tides",
        "Harbour Songs",
    )
    assert track["thumb"].startswith("/library/metadata/3100/thumb/")  # the album's cover
    assert track["grandparentThumb"].startswith("/library/metadata/3000/thumb/")
    assert track["Player"]["machineIdentifier"] == KITCHEN_SPEAKER_ID
    assert track["Player"]["product"] == "Plexamp"
    assert episode["type"] == "episode"
    assert (episode["grandparentTitle"], episode["parentTitle"]) == ("Northern Lines", "Season 2")
    assert (episode["parentIndex"], episode["index"]) == (2, 5)
    assert episode["Player"]["machineIdentifier"] == FRIEND_PHONE_ID
    assert episode["Player"]["local"] is False
    assert episode["User"]["title"] == "jamiewatches"
    assert episode["Session"]["location"] == "wan"
    assert track["sessionKey"] != episode["sessionKey"]


async def test_view_offset_follows_clock(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """The position advances with the clock while playing, holds while paused or buffering."""
    key = timed_pms.start_session(player=living_room_tv(), media=sample_film(), view_offset=5000)
    clock.advance(12.5)
    assert (await sessions(session, timed_pms))[0]["viewOffset"] == 17_500
    timed_pms.pause(key)
    clock.advance(60)
    [item] = await sessions(session, timed_pms)
    assert (item["viewOffset"], item["Player"]["state"]) == (17_500, "paused")
    timed_pms.resume(key)
    clock.advance(1)
    assert timed_pms.session(key).view_offset(clock()) == 18_500
    timed_pms.buffer(key)
    clock.advance(5)
    [item] = await sessions(session, timed_pms)
    assert (item["viewOffset"], item["Player"]["state"]) == (18_500, "buffering")
    timed_pms.resume(key)
    timed_pms.seek(key, 60_000)
    clock.advance(2)
    assert (await sessions(session, timed_pms))[0]["viewOffset"] == 62_000
    clock.advance(10_000)  # past the end: the position stops at the duration
    assert (await sessions(session, timed_pms))[0]["viewOffset"] == 8_160_000


async def test_stop_session(session: aiohttp.ClientSession, timed_pms: PMSSimulator) -> None:
    """stop(key) and stop_session(key) end a session; unknown keys raise KeyError."""
    first = timed_pms.start_session(player=living_room_tv(), media=sample_film())
    second = timed_pms.start_session(player=kitchen_speaker(), media=sample_track())
    timed_pms.stop(first)
    assert list(timed_pms.sessions) == [second]
    await timed_pms.stop(second)  # awaiting it works as well
    assert await sessions(session, timed_pms) == []
    with pytest.raises(KeyError):
        timed_pms.pause(first)


async def test_dict_player_and_media(
    session: aiohttp.ClientSession, timed_pms: PMSSimulator
) -> None:
    """Players and media may be dicts, in snake_case or the server's camelCase; user overrides."""
    player = as_dict(living_room_tv()) | {"title": "Bedroom TV"}
    media = {"ratingKey": "77", "type": "clip", "title": "Trailer", "duration": 90_000}
    media |= {"librarySectionTitle": "Films", "studio": "Harbour Pictures"}
    timed_pms.start_session(player=player, media=media, user={"id": "9", "title": "guest"})
    [item] = await sessions(session, timed_pms)
    assert item["Player"]["title"] == "Bedroom TV"
    assert (item["title"], item["studio"], item["type"]) == ("Trailer", "Harbour Pictures", "clip")
    assert item["User"] == {"id": "9", "title": "guest"}


def test_samples_are_loopback_and_fresh() -> None:
    """Sample players have loopback addresses; each call returns a fresh object."""
    for make in SAMPLE_PLAYERS.values():
        assert make().address.startswith("127.")
        assert make() is not make()
    assert {make().type for make in SAMPLE_MEDIA.values()} == {"movie", "episode", "track"}
    assert len({make().machine_identifier for make in SAMPLE_PLAYERS.values()}) == 3


async def test_json_only(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """sessions_json_only answers JSON even without the Accept header."""
    sim = await pms_factory(sessions_json_only=True)
    sim.start_session(player=living_room_tv(), media=sample_film())
    async with session.get(f"{sim.url}/status/sessions", headers=auth(sim, json=False)) as resp:
        assert resp.content_type == "application/json"
        assert (await resp.json())["MediaContainer"]["size"] == 1
