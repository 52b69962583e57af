"""Pins: creating, checking, expiring and rate limiting them, and their QR images."""

import re
from datetime import datetime
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.plextv import (
    PlexTVSimulator,
    sample_account,
)
from library.simulators.plextv.clock import FakeClock
from library.simulators.plextv.fixtures import PlexTVFactory
from library.simulators.plextv.testing import (
    CLIENT_ID,
    ISO_Z,
    JSON_HEADERS,
    XML_HEADERS,
    create_pin,
    get_json,
    plex_error,
)


async def test_create_pin_json(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A new pin has plex.tv's fields, a 4-character code and about 900 s to live."""
    first = await create_pin(session, plextv)
    second = await create_pin(session, plextv)

    assert set(first) == {
        "id",
        "code",
        "product",
        "trusted",
        "qr",
        "clientIdentifier",
        "location",
        "expiresIn",
        "createdAt",
        "expiresAt",
        "authToken",
        "newRegistration",
    }
    assert isinstance(first["id"], int)
    assert second["id"] > first["id"]
    assert re.fullmatch(r"[A-Z0-9]{4}", first["code"])
    assert first["code"] != second["code"]
    assert first["product"] == "Home Assistant"
    assert first["trusted"] is False
    assert first["qr"] == f"{plextv.url}/api/v2/pins/qr/{first['code']}"
    assert first["clientIdentifier"] == CLIENT_ID
    assert {"code", "country", "city", "time_zone", "subdivisions", "coordinates"} <= set(
        first["location"]
    )
    assert first["expiresIn"] == 900
    assert ISO_Z.match(first["createdAt"])
    assert ISO_Z.match(first["expiresAt"])
    created = datetime.fromisoformat(first["createdAt"])
    expires = datetime.fromisoformat(first["expiresAt"])
    assert (expires - created).total_seconds() == 900
    assert first["authToken"] is None
    assert first["newRegistration"] is None
    assert plextv.pins[first["id"]].code == first["code"]


async def test_create_strong_pin(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A strong pin has a long code and lives about 1800 s."""
    pin = await create_pin(session, plextv, strong=True)
    assert len(pin["code"]) == 25
    assert pin["expiresIn"] == 1800


async def test_create_pin_xml(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Without Accept: application/json the pin comes as XML."""
    async with session.post(f"{plextv.url}/api/v2/pins", headers=XML_HEADERS) as response:
        assert response.status == 201
        assert response.content_type == "application/xml"
        root = ET.fromstring(await response.text())  # noqa: S314 - the simulator's own XML
    assert root.tag == "pin"
    assert int(root.attrib["id"]) in plextv.pins
    assert re.fullmatch(r"[A-Z0-9]{4}", root.attrib["code"])
    assert root.attrib["trusted"] == "0"
    assert root.attrib["clientIdentifier"] == CLIENT_ID
    assert "authToken" not in root.attrib
    location = root.find("location")
    assert location is not None
    assert location.attrib["code"] == "US"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v2/pins"),
        ("GET", "/api/v2/pins/1"),
        ("GET", "/api/v2/user"),
        ("GET", "/api/v2/resources"),
        ("GET", "/api/v2/ping"),
        ("DELETE", "/api/v2/users/signout"),
    ],
)
async def test_missing_client_identifier(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, method: str, path: str
) -> None:
    """Every /api/v2 call without X-Plex-Client-Identifier gets 400 code 1000."""
    async with session.request(
        method, f"{plextv.url}{path}", headers={"Accept": "application/json"}
    ) as response:
        assert response.status == 400
        body = await response.json()
    plex_error(body, 1000, 400)
    assert body["errors"][0]["message"] == "X-Plex-Client-Identifier is missing"


async def test_missing_client_identifier_xml(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """The 400 comes as plex.tv's XML errors element without Accept: application/json."""
    async with session.post(f"{plextv.url}/api/v2/pins") as response:
        assert response.status == 400
        root = ET.fromstring(await response.text())  # noqa: S314
    assert root.tag == "errors"
    error = root.find("error")
    assert error is not None
    assert error.attrib == {
        "code": "1000",
        "message": "X-Plex-Client-Identifier is missing",
        "status": "400",
    }


async def test_client_identifier_in_query(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """plex.tv also takes X-Plex-* values as query parameters."""
    async with session.post(
        f"{plextv.url}/api/v2/pins",
        params={"X-Plex-Client-Identifier": CLIENT_ID, "X-Plex-Product": "Q"},
        headers={"Accept": "application/json"},
    ) as response:
        assert response.status == 201
        assert (await response.json())["product"] == "Q"


async def test_check_pin_until_approved(
    session: aiohttp.ClientSession, plextv_factory: PlexTVFactory
) -> None:
    """A checked pin has authToken null until approved, then the token; expiresIn falls."""
    sim = await plextv_factory(min_poll_interval=0)
    pin = await create_pin(session, sim)
    url = f"{sim.url}/api/v2/pins/{pin['id']}"

    status, body = await get_json(session, url, JSON_HEADERS)
    assert status == 200
    assert body["authToken"] is None
    assert body["code"] == pin["code"]

    token = sim.approve(pin["code"].lower())
    assert re.fullmatch(r"[A-Za-z0-9_-]{20}", token)
    status, body = await get_json(session, url, JSON_HEADERS)
    assert status == 200
    assert body["authToken"] == token
    assert sim.tokens[token].client_identifier == CLIENT_ID
    assert sim.tokens[token].account_uuid == sample_account()["uuid"]
    assert sim.tokens[token].revoked is None

    with pytest.raises(KeyError):
        sim.approve(pin["code"])  # no longer pending


async def test_expires_in_decreases(
    session: aiohttp.ClientSession, timed_plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """ExpiresIn counts down on the simulator's clock, in whole seconds rounded up."""
    pin = await create_pin(session, timed_plextv)
    assert pin["expiresIn"] == 3
    url = f"{timed_plextv.url}/api/v2/pins/{pin['id']}"
    for elapsed, expires_in in ((0.5, 3), (1.0, 2), (2.9, 1)):
        clock.advance(elapsed - (clock() - timed_plextv.pins[pin["id"]].created_monotonic))
        _, body = await get_json(session, url, JSON_HEADERS)
        assert body["expiresIn"] == expires_in


async def test_pin_expires(
    session: aiohttp.ClientSession, plextv_factory: PlexTVFactory, clock: FakeClock
) -> None:
    """An expired or unknown pin gets 404 code 1020, and can no longer be approved."""
    sim = await plextv_factory(pin_expires_in=0.2, min_poll_interval=0, clock=clock)
    pin = await create_pin(session, sim)
    assert pin["expiresIn"] == 1  # whole seconds, rounded up
    clock.advance(0.19)
    assert not sim.pins[pin["id"]].expired(clock())
    clock.advance(0.01)

    status, body = await get_json(session, f"{sim.url}/api/v2/pins/{pin['id']}", JSON_HEADERS)
    assert status == 404
    plex_error(body, 1020, 404)
    assert body["errors"][0]["message"] == "Code not found or expired"
    with pytest.raises(KeyError):
        sim.approve(pin["code"])
    assert sim.pins[pin["id"]].expired(clock())
    async with session.get(pin["qr"]) as response:
        assert response.status == 404

    for unknown in ("999", "not-a-number"):
        status, body = await get_json(session, f"{sim.url}/api/v2/pins/{unknown}", JSON_HEADERS)
        assert status == 404
        plex_error(body, 1020, 404)


async def test_pin_404_xml(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """The 404 in XML matches plex.tv's errors element."""
    async with session.get(f"{plextv.url}/api/v2/pins/5", headers=XML_HEADERS) as response:
        assert response.status == 404
        text = await response.text()
    assert '<error code="1020" message="Code not found or expired" status="404" />' in text


async def test_rate_limit(
    session: aiohttp.ClientSession, timed_plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """A second check within min_poll_interval gets 429 code 1003; refusals do not reset."""
    pin = await create_pin(session, timed_plextv)
    url = f"{timed_plextv.url}/api/v2/pins/{pin['id']}"

    assert (await get_json(session, url, JSON_HEADERS))[0] == 200
    async with session.get(url, headers=JSON_HEADERS) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "1"
        body = await response.json()
    plex_error(body, 1003, 429)
    assert body["errors"][0]["message"] == "API rate limit exceeded"

    clock.advance(0.25)
    assert (await get_json(session, url, JSON_HEADERS))[0] == 429
    # 0.4 s after the accepted check: allowed although a refusal came 0.15 s ago.
    clock.advance(0.15)
    assert (await get_json(session, url, JSON_HEADERS))[0] == 200
    clock.advance(0.39)
    assert (await get_json(session, url, JSON_HEADERS))[0] == 429
    # Each pin has its own window.
    other = await create_pin(session, timed_plextv)
    other_url = f"{timed_plextv.url}/api/v2/pins/{other['id']}"
    assert (await get_json(session, other_url, JSON_HEADERS))[0] == 200
    checks = timed_plextv.requests_to(f"/api/v2/pins/{pin['id']}")
    assert [round(r.time - checks[0].time, 2) for r in checks] == [0, 0, 0.25, 0.4, 0.79]


async def test_retry_after_rounds_up(
    session: aiohttp.ClientSession, plextv_factory: PlexTVFactory, clock: FakeClock
) -> None:
    """Retry-After is the whole number of seconds left, rounded up."""
    sim = await plextv_factory(min_poll_interval=2.5, clock=clock)
    pin = await create_pin(session, sim)
    url = f"{sim.url}/api/v2/pins/{pin['id']}"
    await get_json(session, url, JSON_HEADERS)
    async with session.get(url, headers=JSON_HEADERS) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "3"
    clock.advance(0.6)
    async with session.get(url, headers=JSON_HEADERS) as response:
        assert response.headers["Retry-After"] == "2"


async def test_qr_image(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """The pin's qr URL serves a PNG without X-Plex headers; unknown codes get 404."""
    pin = await create_pin(session, plextv)
    async with session.get(pin["qr"]) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        image = await response.read()
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    async with session.get(f"{plextv.url}/api/v2/pins/qr/ZZZZZ") as response:
        assert response.status == 404
