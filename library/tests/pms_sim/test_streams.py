"""What each stream costs (direct play, direct stream, transcode), markers, and terminate."""

from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.pms import (
    FakeClock,
    PMSSimulator,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import auth, container, play_state, sessions, until, ws_url


async def test_markers(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """includeMarkers=1: an episode's intro and credits, a film's credits; none otherwise."""
    [film] = (await container(session, pms, "/library/metadata/1001?includeMarkers=1"))["Metadata"]
    assert film["Marker"] == [
        {
            "id": 10012,
            "type": "credits",
            "startTimeOffset": 7_740_000,
            "endTimeOffset": 8_160_000,
            "final": True,
        }
    ]
    [episode] = (await container(session, pms, "/library/metadata/2205?includeMarkers=1"))[
        "Metadata"
    ]
    assert episode["Marker"] == [
        {
            "id": 22051,
            "type": "intro",
            "startTimeOffset": 60_000,
            "endTimeOffset": 90_000,
            "final": False,
        },
        {
            "id": 22052,
            "type": "credits",
            "startTimeOffset": 2_580_000,
            "endTimeOffset": 2_640_000,
            "final": True,
        },
    ]
    [plain] = (await container(session, pms, "/library/metadata/2205"))["Metadata"]
    assert "Marker" not in plain
    for path in (
        "/library/metadata/3112?includeMarkers=1",
        "/library/metadata/2000?includeMarkers=1",
    ):
        [item] = (await container(session, pms, path))["Metadata"]
        assert "Marker" not in item
    reply = await call(
        session,
        "GET",
        f"{pms.url}/library/metadata/2205?includeMarkers=1",
        headers=auth(pms, json=False),
    )
    video = ET.fromstring(reply.body).find("Video")  # noqa: S314 - the simulator's own XML
    assert video is not None
    assert [(m.attrib["type"], m.attrib["final"]) for m in video.iter("Marker")] == [
        ("intro", "0"),
        ("credits", "1"),
    ]


async def test_direct_play_by_default(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A session plays its file directly unless told: its own resolution and bitrate."""
    pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=kitchen_speaker(), media=sample_track())
    film, track = await sessions(session, pms)
    [media] = film["Media"]
    assert media == media | {"videoResolution": "720", "bitrate": 4000, "container": "mkv"}
    assert media["Part"][0]["decision"] == "directplay"
    assert film["Session"] == film["Session"] | {"bandwidth": 4000, "location": "lan"}
    assert "TranscodeSession" not in film
    assert (track["Media"][0]["bitrate"], track["Session"]["bandwidth"]) == (352, 352)


async def test_transcode(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """A transcode sends 480p; its transcoder runs ahead of the player, then throttles."""
    pms = timed_pms
    key = pms.start_session(
        player=friend_phone(), media=sample_episode(), decision="transcode", hardware=True
    )
    [episode] = await sessions(session, pms)
    [media] = episode["Media"]
    assert media == media | {"videoResolution": "480", "bitrate": 1500, "container": "mpegts"}
    assert (media["Part"][0]["decision"], media["Part"][0]["protocol"]) == ("transcode", "hls")
    assert episode["Session"] == episode["Session"] | {"bandwidth": 1500, "location": "wan"}
    assert episode["Player"]["local"] is False
    transcode = episode["TranscodeSession"]
    assert transcode == transcode | {
        "throttled": False,
        "progress": 0.0,
        "speed": 4.5,
        "videoDecision": "transcode",
        "audioDecision": "copy",
        "sourceVideoCodec": "h264",
        "videoCodec": "h264",
        "transcodeHwRequested": True,
        "transcodeHwDecoding": "vaapi",
        "transcodeHwEncoding": "vaapi",
        "transcodeHwFullPipeline": True,
    }
    assert transcode["key"].startswith("/transcode/sessions/")
    clock.advance(10)  # 10 s played, the transcoder 45 s ahead
    [episode] = await sessions(session, pms)
    assert (episode["TranscodeSession"]["progress"], episode["TranscodeSession"]["throttled"]) == (
        2.1,
        False,
    )
    clock.advance(30)  # 120 s ahead of the player: throttled
    [episode] = await sessions(session, pms)
    assert episode["TranscodeSession"]["throttled"] is True
    pms.seek(key, 1_000_000)  # the transcoder starts over there
    [episode] = await sessions(session, pms)
    assert episode["TranscodeSession"]["throttled"] is False


async def test_software_transcode_and_direct_stream(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """Software: no hardware APIs; direct stream copies both; bandwidth as given."""
    pms.start_session(player=living_room_tv(), media=sample_film(), decision="transcode")
    pms.start_session(
        player=living_room_tv(), media=sample_episode(), decision="copy", bandwidth=9000
    )
    pms.start_session(player=kitchen_speaker(), media=sample_track(), decision="transcode")
    film, episode, track = await sessions(session, pms)
    software = film["TranscodeSession"]
    assert (software["speed"], software["transcodeHwRequested"]) == (1.6, False)
    assert (software["transcodeHwFullPipeline"], "transcodeHwDecoding" in software) == (
        False,
        False,
    )
    copied = episode["TranscodeSession"]
    assert (copied["videoDecision"], copied["audioDecision"]) == ("copy", "copy")
    assert episode["Media"][0] == episode["Media"][0] | {"videoResolution": "720", "bitrate": 4000}
    assert (episode["Media"][0]["Part"][0]["decision"], episode["Session"]["bandwidth"]) == (
        "copy",
        9000,
    )
    music = track["TranscodeSession"]
    assert (music["audioDecision"], music["audioCodec"], "videoDecision" in music) == (
        "transcode",
        "mp3",
        False,
    )
    assert (track["Media"][0]["bitrate"], track["Session"]["bandwidth"]) == (320, 320)
    reply = await call(session, "GET", f"{pms.url}/status/sessions", headers=auth(pms, json=False))
    first = ET.fromstring(reply.body)[0]  # noqa: S314 - the simulator's own XML
    assert [child.tag for child in first] == [
        "Media",
        "User",
        "Player",
        "Session",
        "TranscodeSession",
    ]
    with pytest.raises(ValueError, match="decision"):
        pms.start_session(player=living_room_tv(), media=sample_film(), decision="remux")


async def test_sessions_control_route_options(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """POST /_sim/sessions takes decision, bandwidth and hardware; wrong ones are refused."""
    url = f"{pms.control_url}/_sim/sessions"
    body = {
        "player": "bedroom_plex_web",
        "media": "film",
        "decision": "transcode",
        "bandwidth": 2500,
        "hardware": True,
    }
    reply = await call(session, "POST", url, json=body)
    started = reply.body["session"]
    assert (reply.status, started["Session"]["bandwidth"], started["Player"]["title"]) == (
        201,
        2500,
        "Bedroom Plex Web",
    )
    assert started["TranscodeSession"]["transcodeHwFullPipeline"] is True
    for wrong in ({"decision": "remux"}, {"bandwidth": "fast"}):
        assert (
            await call(
                session, "POST", url, json={"player": "living_room_tv", "media": "film"} | wrong
            )
        ).status == 400


async def test_terminate(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Terminating ends a session by its Session.id (stopped notification); 403, 404, 401."""
    key = pms.start_session(player=friend_phone(), media=sample_film())
    other = pms.start_session(player=living_room_tv(), media=sample_episode())
    session_id = pms.session(key).session_id
    url = f"{pms.url}/status/sessions/terminate"
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        for params, status in (({}, 403), ({"sessionId": ""}, 403), ({"sessionId": "nope"}, 404)):
            assert (
                await call(session, "POST", url, params=params, headers=auth(pms))
            ).status == status
        reason = "Please stream from home"
        params = {"sessionId": session_id, "reason": reason}
        reply = await call(session, "POST", url, params=params, headers=auth(pms))
        assert reply.status == 200
        stopped = await play_state(ws)
        assert (stopped["sessionKey"], stopped["state"]) == (key, "stopped")
    assert (list(pms.sessions), pms.terminated) == ([other], [(session_id, reason)])
    assert (await call(session, "GET", url, params=params, headers=auth(pms))).status == 404
    assert (await call(session, "GET", url, params=params)).status == 401  # no token
    control = f"{pms.control_url}/_sim"
    await call(session, "POST", f"{control}/plex_pass", json={"enabled": False})
    other_id = pms.session(other).session_id
    refused = await call(session, "GET", url, params={"sessionId": other_id}, headers=auth(pms))
    assert (refused.status, refused.body) == (401, "Server does not have the feature enabled")
    assert list(pms.sessions) == [other]
    state = (await call(session, "GET", f"{control}/state")).body
    assert (state["plexPass"], state["terminated"]) == (False, [[session_id, reason]])
    assert (await call(session, "POST", f"{control}/plex_pass", json={})).status == 400
