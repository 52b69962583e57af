"""Media files with Range support, the transcoder, artwork and photo transcodes."""

import io
import wave
from typing import Any

import aiohttp
import pytest

from library.simulators.pms import DIRECT_PLAY_FILM, PMSSimulator, living_room_tv, sample_track
from library.tests.plextv_sim.helpers import Reply, call
from library.tests.pms_sim.helpers import auth, container, sessions

TRACK_PART = "/library/parts/31122/1700000000/file.wav"


async def raw(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> Reply:
    """GET url and return its body as bytes, whatever it holds."""
    async with session.get(url, headers=headers) as response:
        return Reply(response.status, await response.read(), response.headers)


async def _part(session: aiohttp.ClientSession, pms: PMSSimulator, key: str) -> dict[str, Any]:
    [item] = (await container(session, pms, f"/library/metadata/{key}"))["Metadata"]
    [media] = item["Media"]
    part: dict[str, Any] = media["Part"][0]
    return part


async def test_track_is_a_wav(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """A track's part is a real WAV of a tone, its size as the metadata says."""
    part = await _part(session, pms, "3112")
    assert part["key"] == TRACK_PART
    reply = await raw(session, f"{pms.url}{part['key']}", auth(pms))
    assert (reply.status, reply.headers["Content-Type"]) == (200, "audio/wav")
    assert (reply.headers["Accept-Ranges"], len(reply.body)) == ("bytes", part["size"])
    with wave.open(io.BytesIO(reply.body)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22_050)
        assert wav.getnframes() == 3 * 22_050
    other = await raw(session, f"{pms.url}/library/parts/31112/1/file.wav", auth(pms))
    assert other.body != reply.body  # another track, another pitch


async def test_range_requests(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Byte ranges: first-last, open-ended, suffix; 416 past the end; HEAD has the size."""
    url = f"{pms.url}{TRACK_PART}"
    whole = (await raw(session, url, auth(pms))).body
    size = len(whole)
    for header, start, end in (
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, size - 1),
        ("bytes=-44", size - 44, size - 1),
        (f"bytes=10-{size + 500}", 10, size - 1),
    ):
        reply = await raw(session, url, auth(pms) | {"Range": header})
        assert reply.status == 206, header
        assert reply.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
        assert reply.body == whole[start : end + 1]
    reply = await raw(session, url, auth(pms) | {"Range": f"bytes={size}-"})
    assert (reply.status, reply.headers["Content-Range"]) == (416, f"bytes */{size}")
    async with session.head(url, headers=auth(pms)) as head:
        assert (head.status, head.headers["Content-Length"]) == (200, str(size))


async def test_video_and_photo_parts(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Films: one mp4, the others mkv, with their content types; photos are PNGs."""
    containers = {}
    for key in ("1001", "1002", "1003", "1004", "1005", "1006", "2205"):
        part = await _part(session, pms, key)
        reply = await raw(session, f"{pms.url}{part['key']}", auth(pms))
        assert (reply.status, len(reply.body)) == (200, part["size"])
        containers[key] = (part["container"], reply.headers["Content-Type"])
    assert containers.pop(DIRECT_PLAY_FILM) == ("mp4", "video/mp4")
    assert set(containers.values()) == {("mkv", "video/x-matroska")}
    part = await _part(session, pms, "4001")
    url = f"{pms.url}{part['key']}?download=1"
    reply = await raw(session, url, auth(pms))
    assert (reply.headers["Content-Type"], reply.body[:4]) == ("image/png", b"\x89PNG")
    assert reply.headers["Content-Disposition"] == 'attachment; filename="Beach at Dawn.png"'
    for missing in ("/library/parts/99992/1/file.mkv", "/library/parts/10011/1/file.mkv"):
        assert (await call(session, "GET", f"{pms.url}{missing}", headers=auth(pms))).status == 404


async def test_artwork_and_photo_transcode(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """Items' thumb and art are PNGs; /photo/:/transcode draws a path at a size."""
    [show] = (await container(session, pms, "/library/metadata/2000"))["Metadata"]
    [films, *_] = (await container(session, pms, "/library/sections"))["Directory"]
    for path in (show["thumb"], show["art"], films["thumb"], films["composite"]):
        reply = await call(session, "GET", f"{pms.url}{path}", headers=auth(pms))
        assert (reply.status, reply.headers["Content-Type"]) == (200, "image/png")
    url = f"{pms.url}/photo/:/transcode?url={show['thumb']}%3FX-Plex-Token%3Dx&width=40&height=60"
    reply = await raw(session, url, auth(pms))
    assert (reply.status, reply.headers["Content-Type"], reply.body[:4]) == (
        200,
        "image/png",
        b"\x89PNG",
    )
    assert int.from_bytes(reply.body[16:20]) == 40  # IHDR: width, then height
    assert int.from_bytes(reply.body[20:24]) == 60
    bad = await call(session, "GET", f"{pms.url}/photo/:/transcode?url=x", headers=auth(pms))
    assert bad.status == 400


async def test_music_transcode(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """start.mp3 answers the track's tone as WAV (audio/wav), and is recorded sans token."""
    path = "/music/:/transcode/universal/start.mp3"
    query = f"path=/library/metadata/3112&protocol=http&X-Plex-Token={pms.token}"
    reply = await raw(session, f"{pms.url}{path}?{query}")
    assert (reply.status, reply.headers["Content-Type"], reply.body[:4]) == (
        200,
        "audio/wav",
        b"RIFF",
    )
    assert pms.transcodes == [
        {"path": path, "query": {"path": "/library/metadata/3112", "protocol": "http"}}
    ]
    for other in ("1001", "99999"):
        url = f"{pms.url}{path}?path=/library/metadata/{other}&protocol=http"
        assert (await call(session, "GET", url, headers=auth(pms))).status == 404
    assert len(pms.transcodes) == 3


async def test_video_transcode(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """start.m3u8: an HLS master playlist; the session's playlist and segments need no token.

    The segments are MPEG-TS of the same H.264 pictures as the mp4 film, as long as the item.
    """
    path = "/video/:/transcode/universal/start.m3u8"
    query = "path=/library/metadata/2205&protocol=hls&directPlay=0&session=abc"
    reply = await call(session, "GET", f"{pms.url}{path}?{query}", headers=auth(pms))
    assert (reply.status, reply.headers["Content-Type"]) == (200, "application/vnd.apple.mpegurl")
    lines = reply.body.splitlines()
    assert (lines[0], lines[-1]) == ("#EXTM3U", "session/abc/base/index.m3u8")
    assert lines[1].startswith("#EXT-X-STREAM-INF:")
    assert pms.transcodes[0]["query"] == {
        "path": "/library/metadata/2205",
        "protocol": "hls",
        "directPlay": "0",
        "session": "abc",
    }
    base = f"{pms.url}/video/:/transcode/universal/session/abc/base"
    index = await call(session, "GET", f"{pms.url}/video/:/transcode/universal/{lines[-1]}")
    playlist = index.body.splitlines()
    assert (index.status, playlist[0], playlist[-1]) == (200, "#EXTM3U", "#EXT-X-ENDLIST")
    segments = [line for line in playlist if not line.startswith("#")]
    assert (len(segments), segments[-1]) == (660, "00659.ts")  # 44 min in 4 s segments
    for name in segments[:2]:
        reply = await raw(session, f"{base}/{name}")
        assert (reply.status, reply.headers["Content-Type"]) == (200, "video/mp2t")
        assert len(reply.body) % 188 == 0
        assert set(reply.body[::188]) == {0x47}  # every packet's sync byte
    assert (await raw(session, f"{base.replace('abc', 'xyz')}/00000.ts")).status == 404
    for other in ("3112", "99999"):
        url = f"{pms.url}{path}?path=/library/metadata/{other}&protocol=hls"
        assert (await call(session, "GET", url, headers=auth(pms))).status == 404


@pytest.mark.parametrize("path", ["/music/:/transcode/universal/start.mp3", "/photo/:/transcode"])
async def test_transcoder_needs_token(
    session: aiohttp.ClientSession, pms: PMSSimulator, path: str
) -> None:
    """The transcoders want the token too."""
    assert (await call(session, "GET", f"{pms.url}{path}")).status == 401


def _boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """Return the top-level boxes of an MP4 file as (type, body)."""
    boxes, offset = [], 0
    while offset < len(data):
        size = int.from_bytes(data[offset : offset + 4])
        boxes.append((data[offset + 4 : offset + 8], data[offset + 8 : offset + size]))
        offset += size
    return boxes


async def test_direct_play_film_is_an_mp4(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """The mp4 film is an H.264 (baseline) MP4, its index before its data."""
    part = await _part(session, pms, DIRECT_PLAY_FILM)
    data = (await raw(session, f"{pms.url}{part['key']}", auth(pms))).body
    boxes = _boxes(data)
    assert [kind for kind, _ in boxes] == [b"ftyp", b"moov", b"mdat"]
    moov = boxes[1][1]
    assert b"avc1" in moov
    avcc = moov[moov.index(b"avcC") + 4 :]
    assert (avcc[0], avcc[1]) == (1, 66)  # version 1, baseline profile
    assert len(data) == part["size"]


async def test_session_plays_the_library_file(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """A session's Media and Part are the library item's."""
    pms.start_session(player=living_room_tv(), media=sample_track())
    [playing] = await sessions(session, pms)
    [item] = (await container(session, pms, "/library/metadata/3112"))["Metadata"]
    for name in ("id", "container"):
        assert playing["Media"][0][name] == item["Media"][0][name]
    for name in ("id", "key"):
        assert playing["Media"][0]["Part"][0][name] == item["Media"][0]["Part"][0][name]
