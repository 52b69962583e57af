"""/status/sessions as XML, the server's default, as python-plexapi reads it."""

import asyncio
import importlib
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.pms import (
    PMSSimulator,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from library.simulators.pms.testing import auth

PEERS = Path(__file__).resolve().parents[2] / ".cache" / "bench-peers"


async def test_sessions_xml(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Films and episodes are <Video>, tracks <Track>, with Player, User, Session children."""
    film = pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=kitchen_speaker(), media=sample_track())
    async with session.get(f"{pms.url}/status/sessions", headers=auth(pms, json=False)) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/xml"
        root = ET.fromstring(await resp.text())  # noqa: S314 - the simulator's own XML
    assert root.tag == "MediaContainer"
    assert root.attrib["size"] == "2"
    video, track = list(root)
    assert (video.tag, track.tag) == ("Video", "Track")
    assert video.attrib["sessionKey"] == film
    assert video.attrib["viewOffset"].isdigit()  # the real clock runs
    assert [child.tag for child in video] == ["Media", "User", "Player", "Session"]
    player = video.find("Player")
    assert player is not None
    assert player.attrib["state"] == "playing"
    assert player.attrib["local"] == "1"
    part = video.find("Media/Part")
    assert part is not None
    assert part.attrib["decision"] == "directplay"
    assert track.attrib["grandparentTitle"] == "The Quiet Tides"


async def test_sessions_xml_needs_token(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Without the token the XML request is refused too."""
    async with session.get(f"{pms.url}/status/sessions") as response:
        assert response.status == 401


def _plexapi() -> Any:  # noqa: ANN401 - an optional module without types
    try:
        return importlib.import_module("plexapi.server")
    except ImportError:
        if not PEERS.is_dir():
            pytest.skip("python-plexapi is not installed")
        sys.path.append(str(PEERS))
        try:
            return importlib.import_module("plexapi.server")
        except ImportError:
            pytest.skip("python-plexapi cannot be imported")


async def test_plexapi_reads_sessions(pms: PMSSimulator) -> None:
    """python-plexapi connects (GET /) and reads the sessions from the XML."""
    server_module = _plexapi()
    pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=friend_phone(), media=sample_episode())
    pms.start_session(player=kitchen_speaker(), media=sample_track())

    def read() -> list[tuple[str, str, str, str, str]]:
        server = server_module.PlexServer(pms.url, pms.token, timeout=5)
        assert server.machineIdentifier == pms.machine_identifier
        assert server.friendlyName == pms.name
        return [
            (item.TYPE, item.title, item.player.title, item.player.state, item.usernames[0])
            for item in server.sessions()
        ]

    assert await asyncio.to_thread(read) == [
        ("movie", "The Long Voyage", "Living Room TV", "playing", "plexfan"),
        ("episode", "The Lighthouse", "Jamie's Phone", "playing", "jamiewatches"),
        ("track", "Paper Boats", "Kitchen Speaker", "playing", "plexfan"),
    ]
