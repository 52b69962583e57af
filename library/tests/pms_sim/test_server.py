"""What the server serves: identity, /status/sessions in JSON and XML, artwork; addresses."""

import asyncio
import contextlib
import importlib
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.pms import (
    LIVING_ROOM_TV_ID,
    SAMPLE_MACHINE_IDENTIFIER,
    FakeClock,
    PMSFactory,
    PMSSimulator,
    blackhole,
    closed_port,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from library.simulators.pms.sample import FRIEND_USER, KITCHEN_SPEAKER_ID, SAMPLE_SERVER_NAME
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import JSON, auth, sessions

PEERS = Path(__file__).resolve().parents[3] / ".cache" / "bench-peers"
POSTER = "/library/metadata/1001/thumb/1700000000"


async def test_identity_and_root(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """/identity needs no token, JSON when asked and XML by default; / names the server."""
    identity = {"size": 0, "apiVersion": "1.1.1", "claimed": True}
    identity |= {"machineIdentifier": SAMPLE_MACHINE_IDENTIFIER, "version": "1.41.3.9314-a0bfb8370"}
    assert (await call(session, "GET", f"{pms.url}/identity", headers=JSON)).body == {
        "MediaContainer": identity
    }
    root = ET.fromstring((await call(session, "GET", f"{pms.url}/identity")).body)  # noqa: S314
    assert (root.tag, root.attrib["claimed"], list(root)) == ("MediaContainer", "1", [])
    container = (await call(session, "GET", f"{pms.url}/", headers=auth(pms))).body
    assert container["MediaContainer"]["friendlyName"] == SAMPLE_SERVER_NAME


@pytest.mark.parametrize("path", ["/", "/status/sessions", POSTER])
async def test_token(session: aiohttp.ClientSession, pms: PMSSimulator, path: str) -> None:
    """Everything but /identity needs the token, in a header or the query; a new one wins."""
    url = f"{pms.url}{path}"
    assert (await call(session, "GET", url)).status == 401
    wrong = await call(session, "GET", url, headers={"X-Plex-Token": "wrong"})
    assert (wrong.status, wrong.headers["Content-Type"]) == (401, "text/html; charset=utf-8")
    assert "<h1>401 Unauthorized</h1>" in wrong.body
    assert (await call(session, "GET", url, headers=auth(pms))).status == 200
    assert (await call(session, "GET", f"{url}?X-Plex-Token={pms.token}")).status == 200
    old = auth(pms)
    pms.token = "a-new-token"  # noqa: S105 - made up: the client's token has gone stale
    assert (await call(session, "GET", url, headers=old)).status == 401


async def test_sessions_json(session: aiohttp.ClientSession, timed_pms: PMSSimulator) -> None:
    """A film, a track and a friend's episode, with what a client reads of each."""
    assert await sessions(session, timed_pms) == []
    key = timed_pms.start_session(player=living_room_tv(), media=sample_film())
    timed_pms.start_session(player=kitchen_speaker(), media=sample_track())
    timed_pms.start_session(player=friend_phone(), media=sample_episode())
    film, track, episode = await sessions(session, timed_pms)
    assert film == film | {"sessionKey": key, "ratingKey": "1001", "key": "/library/metadata/1001"}
    assert film == film | {"type": "movie", "title": "The Long Voyage", "year": 2014}
    assert film == film | {"duration": 8_160_000, "viewOffset": 0, "librarySectionTitle": "Films"}
    assert (film["thumb"], film["art"]) == (POSTER, "/library/metadata/1001/art/1700000000")
    assert "grandparentTitle" not in film
    player = {"title": "Living Room TV", "state": "playing", "local": True, "address": "127.0.0.11"}
    assert film["Player"] == film["Player"] | player | {"machineIdentifier": LIVING_ROOM_TV_ID}
    assert film["User"] == {"id": "1", "title": "plexfan", "thumb": "/users/1/avatar"}
    assert (film["Session"]["location"], len(film["Session"]["id"])) == ("lan", 24)
    assert film["Media"][0]["Part"][0]["decision"] == "directplay"
    assert (track["grandparentTitle"], track["parentTitle"]) == ("The Quiet Tides", "Harbour Songs")
    assert track["thumb"].startswith("/library/metadata/3100/thumb/")  # the album's cover
    assert track["grandparentThumb"].startswith("/library/metadata/3000/thumb/")
    assert track["Player"]["machineIdentifier"] == KITCHEN_SPEAKER_ID
    assert (episode["grandparentTitle"], episode["parentIndex"], episode["index"]) == (
        "Northern Lines",
        2,
        5,
    )
    assert (episode["Session"]["location"], episode["Player"]["local"]) == ("wan", False)
    assert episode["User"] == FRIEND_USER


async def test_sessions_on_the_clock(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """The position moves with the clock while playing, holds while paused or buffering.

    stop(key) ends a session, at once or awaited.
    """
    key = timed_pms.start_session(player=living_room_tv(), media=sample_track())
    clock.advance(12.5)
    assert (await sessions(session, timed_pms))[0]["viewOffset"] == 12_500
    for hold, state in ((timed_pms.pause, "paused"), (timed_pms.buffer, "buffering")):
        hold(key)
        clock.advance(60)
        [item] = await sessions(session, timed_pms)
        assert (item["viewOffset"], item["Player"]["state"]) == (12_500, state)
        timed_pms.resume(key)
    timed_pms.seek(key, 60_000)
    clock.advance(2)
    assert timed_pms.session(key).view_offset(clock()) == 62_000
    clock.advance(10_000)  # past the end: the position stops at the duration
    assert (await sessions(session, timed_pms))[0]["viewOffset"] == 214_000
    timed_pms.stop(key)
    with pytest.raises(KeyError):
        timed_pms.pause(key)
    await timed_pms.stop(timed_pms.start_session(player=living_room_tv(), media=sample_film()))
    assert timed_pms.sessions == {}


async def test_sessions_xml(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Films are <Video>, tracks <Track>, with Media, User, Player and Session children."""
    film = pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=kitchen_speaker(), media=sample_track())
    reply = await call(session, "GET", f"{pms.url}/status/sessions", headers=auth(pms, json=False))
    root = ET.fromstring(reply.body)  # noqa: S314 - the simulator's own XML
    assert (root.tag, root.attrib["size"]) == ("MediaContainer", "2")
    video, track = list(root)
    assert (video.tag, track.tag, video.attrib["sessionKey"]) == ("Video", "Track", film)
    assert [child.tag for child in video] == ["Media", "User", "Player", "Session"]
    assert video.find("Player[@local='1']") is not None
    assert video.find("Media/Part[@decision='directplay']") is not None
    assert track.attrib["grandparentTitle"] == "The Quiet Tides"


async def test_plexapi_reads_sessions(pms: PMSSimulator) -> None:
    """python-plexapi, as the benchmarks use it, connects (GET /) and reads the sessions."""
    server: Any = None
    for path in ([], [str(PEERS)]):
        sys.path.extend(path)
        with contextlib.suppress(ImportError):
            server = importlib.import_module("plexapi.server")
    if server is None:
        pytest.skip("python-plexapi is not installed")
    pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=friend_phone(), media=sample_episode())

    def read() -> list[tuple[str, str, str, str]]:
        plex = server.PlexServer(pms.url, pms.token, timeout=5)
        assert (plex.machineIdentifier, plex.friendlyName) == (pms.machine_identifier, pms.name)
        return [(i.TYPE, i.title, i.player.title, i.usernames[0]) for i in plex.sessions()]

    assert await asyncio.to_thread(read) == [
        ("movie", "The Long Voyage", "Living Room TV", "plexfan"),
        ("episode", "The Lighthouse", "Jamie's Phone", "jamiewatches"),
    ]


async def test_artwork(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Each artwork path of a session is a PNG of its own; other kinds are not found."""
    pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=kitchen_speaker(), media=sample_track())
    film, track = await sessions(session, pms)
    images = set()
    for path in (film["thumb"], film["art"], track["thumb"], track["grandparentThumb"]):
        status, image, headers = await call(session, "GET", f"{pms.url}{path}", headers=auth(pms))
        assert (status, headers["Content-Type"], image[:8]) == (
            200,
            "image/png",
            b"\x89PNG\r\n\x1a\n",
        )
        images.add(image)
    assert len(images) == 4
    other = f"{pms.url}/library/metadata/1001/other/1"
    assert (await call(session, "GET", other, headers=auth(pms))).status == 404


async def test_addresses(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """Servers stand on any loopback address, each with its own identity and log."""
    for host, identity in (("127.0.0.2", SAMPLE_MACHINE_IDENTIFIER), ("127.0.0.3", "another")):
        sim = await pms_factory(host=host, machine_identifier=identity)
        assert sim.url.startswith(f"http://{host}:")
        body = (await call(session, "GET", f"{sim.url}/identity", headers=JSON)).body
        assert body["MediaContainer"]["machineIdentifier"] == identity
        assert [request.host for request in sim.requests] == [sim.address]


async def test_closed_port_and_blackhole() -> None:
    """closed_port() refuses connections at once; a black hole accepts and never answers."""
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.4", closed_port("127.0.0.4"))
    with pytest.raises(ValueError, match="loopback"):
        closed_port("192.0.2.1")
    async with blackhole("127.0.0.5") as url:
        assert url.startswith("http://127.0.0.5:")
        reader, writer = await asyncio.open_connection("127.0.0.5", int(url.rpartition(":")[2]))
        writer.write(b"GET /identity HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
    answer = b""
    with contextlib.suppress(ConnectionResetError):  # closed on exit, the request unread
        answer = await reader.read()
    assert answer == b""
    writer.close()
