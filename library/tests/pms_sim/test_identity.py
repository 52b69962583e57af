"""/identity and /: who the server is, with and without a token, JSON and XML."""

from xml.etree import ElementTree as ET

import aiohttp

from library.simulators.pms import SAMPLE_MACHINE_IDENTIFIER, SAMPLE_SERVER_NAME, PMSSimulator
from library.simulators.pms.fixtures import PMSFactory
from library.simulators.pms.testing import JSON, auth, get_json


async def test_identity_json(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """/identity needs no token and answers the machine identifier as JSON when asked."""
    status, body = await get_json(session, f"{pms.url}/identity", JSON)
    assert status == 200
    assert body == {
        "MediaContainer": {
            "size": 0,
            "apiVersion": "1.1.1",
            "claimed": True,
            "machineIdentifier": SAMPLE_MACHINE_IDENTIFIER,
            "version": "1.41.3.9314-a0bfb8370",
        }
    }


async def test_identity_xml(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Without the Accept header /identity is XML, as the server's default."""
    async with session.get(f"{pms.url}/identity") as response:
        assert response.status == 200
        assert response.content_type == "application/xml"
        root = ET.fromstring(await response.text())  # noqa: S314 - the simulator's own XML
    assert root.tag == "MediaContainer"
    assert root.attrib["machineIdentifier"] == SAMPLE_MACHINE_IDENTIFIER
    assert root.attrib["claimed"] == "1"
    assert list(root) == []


async def test_root_needs_token(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """/ answers the server's name with the token, 401 without it or with another."""
    status, body = await get_json(session, f"{pms.url}/", auth(pms))
    assert status == 200
    container = body["MediaContainer"]
    assert container["friendlyName"] == SAMPLE_SERVER_NAME
    assert container["machineIdentifier"] == SAMPLE_MACHINE_IDENTIFIER
    assert container["myPlex"] is True
    assert (await get_json(session, f"{pms.url}/", JSON))[0] == 401
    query = f"{pms.url}/?X-Plex-Token={pms.token}"
    assert (await get_json(session, query, JSON))[0] == 200
    bad = {**JSON, "X-Plex-Token": "wrong"}
    assert (await get_json(session, f"{pms.url}/", bad))[0] == 401


async def test_stale_token(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Replacing sim.token makes the old one fail: a client's token gone stale."""
    old = auth(pms)
    pms.token = "a-new-token"  # noqa: S105 - made up
    assert (await get_json(session, f"{pms.url}/status/sessions", old))[0] == 401
    assert (await get_json(session, f"{pms.url}/status/sessions", auth(pms)))[0] == 200


async def test_any_loopback_address(
    session: aiohttp.ClientSession, pms_factory: PMSFactory
) -> None:
    """Servers start on other loopback addresses; a second one has its own identity."""
    local = await pms_factory(host="127.0.0.2")
    other = await pms_factory(host="127.0.0.3", machine_identifier="another-server")
    assert local.url.startswith("http://127.0.0.2:")
    assert other.url.startswith("http://127.0.0.3:")
    _, body = await get_json(session, f"{other.url}/identity", JSON)
    assert body["MediaContainer"]["machineIdentifier"] == "another-server"
    _, body = await get_json(session, f"{local.url}/identity", JSON)
    assert body["MediaContainer"]["machineIdentifier"] == SAMPLE_MACHINE_IDENTIFIER
    assert local.requests[0].host == local.address
