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
    FRIEND_PHONE_ID,
    KITCHEN_SPEAKER_ID,
    LIVING_ROOM_TV_ID,
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_PLAYERS,
    SAMPLE_SERVER_NAME,
    FakeClock,
    PMSFactory,
    PMSSimulator,
    as_dict,
    blackhole,
    closed_port,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import JSON, auth, sessions

PEERS = Path(__file__).resolve().parents[3] / ".cache" / "bench-peers"
POSTER = "/library/metadata/1001/thumb/1700000000"


async def test_identity(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """/identity needs no token: JSON when asked, XML by default."""
    reply = await call(session, "GET", f"{pms.url}/identity", headers=JSON)
    assert reply.body == {
        "MediaContainer": {
            "size": 0,
            "apiVersion": "1.1.1",
            "claimed": True,
            "machineIdentifier": SAMPLE_MACHINE_IDENTIFIER,
            "version": "1.41.3.9314-a0bfb8370",
        }
    }
    reply = await call(session, "GET", f"{pms.url}/identity")
    assert reply.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(reply.body)  # noqa: S314 - the simulator's own XML
    assert (root.tag, root.attrib["claimed"], list(root)) == ("MediaContainer", "1", [])
    assert root.attrib["machineIdentifier"] == SAMPLE_MACHINE_IDENTIFIER


@pytest.mark.parametrize(
    "path", ["/", "/status/sessions", POSTER, f"/photo/:/transcode?url={POSTER}"]
)
async def test_token(session: aiohttp.ClientSession, pms: PMSSimulator, path: str) -> None:
    """Everything but /identity needs the token, in a header or the query; a new one wins."""
    url = f"{pms.url}{path}"
    assert (await call(session, "GET", url)).status == 401
    wrong = await call(session, "GET", url, headers={"X-Plex-Token": "wrong"})
    assert (wrong.status, wrong.headers["Content-Type"]) == (401, "text/html; charset=utf-8")
    assert "<h1>401 Unauthorized</h1>" in wrong.body
    assert (await call(session, "GET", url, headers=auth(pms))).status == 200
    query = f"{url}{'&' if '?' in url else '?'}X-Plex-Token={pms.token}"
    assert (await call(session, "GET", query)).status == 200
    old = auth(pms)
    pms.token = "a-new-token"  # noqa: S105 - made up: the client's token has gone stale
    assert (await call(session, "GET", url, headers=old)).status == 401


async def test_root(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """/ names the server."""
    container = (await call(session, "GET", f"{pms.url}/", headers=auth(pms))).body[
        "MediaContainer"
    ]
    assert (container["friendlyName"], container["myPlex"]) == (SAMPLE_SERVER_NAME, True)
    assert container["machineIdentifier"] == SAMPLE_MACHINE_IDENTIFIER


async def test_sessions_json(session: aiohttp.ClientSession, timed_pms: PMSSimulator) -> None:
    """A film, a track and a friend's episode, with what a client reads of each."""
    assert await sessions(session, timed_pms) == []
    key = timed_pms.start_session(player=living_room_tv(), media=sample_film())
    timed_pms.start_session(player=kitchen_speaker(), media=sample_track())
    timed_pms.start_session(player=friend_phone(), media=sample_episode())
    film, track, episode = await sessions(session, timed_pms)
    assert film["sessionKey"] == key
    assert (
        film
        | {
            "ratingKey": "1001",
            "key": "/library/metadata/1001",
            "type": "movie",
            "title": "The Long Voyage",
            "year": 2014,
            "duration": 8_160_000,
            "viewOffset": 0,
            "librarySectionTitle": "Films",
        }
        == film
    )
    assert film["thumb"].startswith("/library/metadata/1001/thumb/")
    assert film["art"].startswith("/library/metadata/1001/art/")
    assert "grandparentTitle" not in film
    player = {"title": "Living Room TV", "state": "playing", "local": True, "address": "127.0.0.11"}
    assert film["Player"] == film["Player"] | player | {"machineIdentifier": LIVING_ROOM_TV_ID}
    assert film["User"] == {"id": "1", "title": "plexfan", "thumb": "/users/1/avatar"}
    assert (film["Session"]["location"], len(film["Session"]["id"])) == ("lan", 24)
    assert film["Media"][0]["Part"][0]["decision"] == "directplay"
    assert (track["grandparentTitle"], track["parentTitle"]) == ("The Quiet Tides", "Harbour Songs")
    assert track["thumb"].startswith("/library/metadata/3100/thumb/")  # the album's cover
    assert track["grandparentThumb"].startswith("/library/metadata/3000/thumb/")
    assert (track["Player"]["machineIdentifier"], track["Player"]["product"]) == (
        KITCHEN_SPEAKER_ID,
        "Plexamp",
    )
    assert (episode["grandparentTitle"], episode["parentIndex"], episode["index"]) == (
        "Northern Lines",
        2,
        5,
    )
    assert (episode["Player"]["machineIdentifier"], episode["Player"]["local"]) == (
        FRIEND_PHONE_ID,
        False,
    )
    assert (episode["User"]["title"], episode["Session"]["location"]) == ("jamiewatches", "wan")


async def test_view_offset_follows_clock(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """The position moves with the clock while playing, holds while paused or buffering."""
    key = timed_pms.start_session(player=living_room_tv(), media=sample_film(), view_offset=5000)
    clock.advance(12.5)
    assert (await sessions(session, timed_pms))[0]["viewOffset"] == 17_500
    for hold in (timed_pms.pause, timed_pms.buffer):
        hold(key)
        clock.advance(60)
        [item] = await sessions(session, timed_pms)
        assert item["viewOffset"] == 17_500
        assert item["Player"]["state"] == ("paused" if hold == timed_pms.pause else "buffering")
        timed_pms.resume(key)
    timed_pms.seek(key, 60_000)
    clock.advance(2)
    assert timed_pms.session(key).view_offset(clock()) == 62_000
    clock.advance(10_000)  # past the end: the position stops at the duration
    assert (await sessions(session, timed_pms))[0]["viewOffset"] == 8_160_000


async def test_sessions_stop_and_other_players(
    session: aiohttp.ClientSession, timed_pms: PMSSimulator
) -> None:
    """stop(key) ends a session; players and media may be objects, and the user another."""
    first = timed_pms.start_session(player=living_room_tv(), media=sample_film())
    timed_pms.stop(first)
    with pytest.raises(KeyError):
        timed_pms.pause(first)
    player = as_dict(living_room_tv()) | {"title": "Bedroom TV"}
    media = {"ratingKey": "77", "type": "clip", "title": "Trailer", "duration": 90_000}
    media |= {"librarySectionTitle": "Films", "studio": "Harbour Pictures"}
    second = timed_pms.start_session(player=player, media=media, user={"id": "9", "title": "guest"})
    [item] = await sessions(session, timed_pms)
    assert (item["Player"]["title"], item["User"]) == ("Bedroom TV", {"id": "9", "title": "guest"})
    assert (item["title"], item["studio"], item["type"]) == ("Trailer", "Harbour Pictures", "clip")
    await timed_pms.stop(second)  # awaiting it works as well
    assert timed_pms.sessions == {}
    assert len({make().machine_identifier for make in SAMPLE_PLAYERS.values()}) == 3


async def test_sessions_xml(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """Films are <Video>, tracks <Track>, with Player, User, Session children; or JSON only."""
    pms = await pms_factory()
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
    only_json = await pms_factory(sessions_json_only=True)
    url = f"{only_json.url}/status/sessions"
    reply = await call(session, "GET", url, headers=auth(only_json, json=False))
    assert reply.body == {"MediaContainer": {"size": 0, "Metadata": []}}


def _plexapi() -> Any:  # noqa: ANN401 - an optional module without types
    for path in ([], [str(PEERS)]):
        sys.path.extend(path)
        try:
            return importlib.import_module("plexapi.server")
        except ImportError:
            continue
    pytest.skip("python-plexapi is not installed")


async def test_plexapi_reads_sessions(pms: PMSSimulator) -> None:
    """python-plexapi connects (GET /) and reads the sessions from the XML."""
    server_module = _plexapi()
    pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=friend_phone(), media=sample_episode())

    def read() -> list[tuple[str, str, str, str]]:
        server = server_module.PlexServer(pms.url, pms.token, timeout=5)
        assert (server.machineIdentifier, server.friendlyName) == (pms.machine_identifier, pms.name)
        return [(i.TYPE, i.title, i.player.title, i.usernames[0]) for i in server.sessions()]

    assert await asyncio.to_thread(read) == [
        ("movie", "The Long Voyage", "Living Room TV", "plexfan"),
        ("episode", "The Lighthouse", "Jamie's Phone", "jamiewatches"),
    ]


async def test_artwork(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Each artwork path of a session is a PNG of its own; the transcoder serves the same."""
    pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=kitchen_speaker(), media=sample_track())
    film, track = await sessions(session, pms)
    images = set()
    paths = (film["thumb"], film["art"], track["thumb"], track["grandparentThumb"])
    for path in (*paths, film["User"]["thumb"]):
        async with session.get(f"{pms.url}{path}", headers=auth(pms)) as response:
            assert (response.status, response.content_type) == (200, "image/png")
            images.add(await response.read())
    assert len(images) == 5
    assert all(image.startswith(b"\x89PNG\r\n\x1a\n") for image in images)
    transcode = f"{pms.url}/photo/:/transcode"
    params = {"url": film["thumb"], "width": "300", "height": "450"}
    async with session.get(transcode, params=params, headers=auth(pms)) as response:
        assert await response.read() in images
    for wrong in (
        f"{pms.url}/library/metadata/1001/other/1",
        f"{transcode}?url=nope",
        f"{transcode}?url={POSTER}&width=big",
    ):
        assert (await call(session, "GET", wrong, headers=auth(pms))).status in {400, 404}


async def test_addresses(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """Servers stand on any loopback address, each with its identity; a log names its own."""
    local = await pms_factory(host="127.0.0.2")
    other = await pms_factory(host="127.0.0.3", machine_identifier="another-server")
    assert (
        local.url.startswith("http://127.0.0.2:"),
        other.url.startswith("http://127.0.0.3:"),
    ) == (True, True)
    for sim, identity in ((local, SAMPLE_MACHINE_IDENTIFIER), (other, "another-server")):
        body = (await call(session, "GET", f"{sim.url}/identity", headers=JSON)).body
        assert body["MediaContainer"]["machineIdentifier"] == identity
        assert sim.requests[0].host == sim.address


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
