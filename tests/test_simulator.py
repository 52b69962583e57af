"""Tests of the plex.tv simulator itself, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from tests.plextv_sim import (
    PlexTVSimulator,
    RecordedRequest,
    sample_account,
    sample_resources,
)
from tests.plextv_sim.fixtures import PlexTVFactory

CLIENT_ID = "3b0c0cfa-5f0e-4a4e-9d7e-5a7c0a6f1e21"
JSON_HEADERS = {
    "X-Plex-Client-Identifier": CLIENT_ID,
    "X-Plex-Product": "Home Assistant",
    "X-Plex-Device": "Home",
    "X-Plex-Version": "0.1.0",
    "X-Plex-Platform": "Home Assistant",
    "Accept": "application/json",
}
XML_HEADERS = {key: value for key, value in JSON_HEADERS.items() if key != "Accept"}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP client session, closed after the test."""
    async with aiohttp.ClientSession() as client:
        yield client


def with_token(token: str, client_id: str = CLIENT_ID) -> dict[str, str]:
    """Return JSON headers that carry a token."""
    return {**JSON_HEADERS, "X-Plex-Client-Identifier": client_id, "X-Plex-Token": token}


async def create_pin(
    session: aiohttp.ClientSession, sim: PlexTVSimulator, *, strong: bool = False
) -> dict[str, Any]:
    """Create a pin over HTTP and return its JSON."""
    async with session.post(
        f"{sim.url}/api/v2/pins",
        params={"strong": "true" if strong else "false"},
        headers=JSON_HEADERS,
    ) as response:
        assert response.status == 201
        pin: dict[str, Any] = await response.json()
        return pin


async def get_json(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> tuple[int, Any]:
    """GET a URL and return the status and the JSON body."""
    async with session.get(url, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def signed_in(session: aiohttp.ClientSession, sim: PlexTVSimulator) -> str:
    """Create and approve a pin; return the token."""
    pin = await create_pin(session, sim)
    return sim.approve(pin["code"])


def plex_error(body: Any, code: int, status: int) -> None:  # noqa: ANN401
    """Assert body is plex.tv's JSON error with this code and status."""
    assert body["errors"][0]["code"] == code
    assert body["errors"][0]["status"] == status
    assert isinstance(body["errors"][0]["message"], str)


# Pins


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
    session: aiohttp.ClientSession, plextv_factory: PlexTVFactory
) -> None:
    """ExpiresIn counts down."""
    sim = await plextv_factory(pin_expires_in=3, min_poll_interval=0)
    pin = await create_pin(session, sim)
    assert pin["expiresIn"] == 3
    await asyncio.sleep(1.1)
    _, body = await get_json(session, f"{sim.url}/api/v2/pins/{pin['id']}", JSON_HEADERS)
    assert body["expiresIn"] == 2


async def test_pin_expires(session: aiohttp.ClientSession, plextv_factory: PlexTVFactory) -> None:
    """An expired or unknown pin gets 404 code 1020, and can no longer be approved."""
    sim = await plextv_factory(pin_expires_in=0.2, min_poll_interval=0)
    pin = await create_pin(session, sim)
    assert pin["expiresIn"] == 1  # whole seconds, rounded up
    await asyncio.sleep(0.3)

    status, body = await get_json(session, f"{sim.url}/api/v2/pins/{pin['id']}", JSON_HEADERS)
    assert status == 404
    plex_error(body, 1020, 404)
    assert body["errors"][0]["message"] == "Code not found or expired"
    with pytest.raises(KeyError):
        sim.approve(pin["code"])
    assert sim.pins[pin["id"]].expired()

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


async def test_rate_limit(session: aiohttp.ClientSession, plextv_factory: PlexTVFactory) -> None:
    """A second check within min_poll_interval gets 429 code 1003; refusals do not reset."""
    sim = await plextv_factory(min_poll_interval=0.4)
    pin = await create_pin(session, sim)
    url = f"{sim.url}/api/v2/pins/{pin['id']}"

    start = time.monotonic()
    assert (await get_json(session, url, JSON_HEADERS))[0] == 200
    async with session.get(url, headers=JSON_HEADERS) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "1"
        body = await response.json()
    plex_error(body, 1003, 429)
    assert body["errors"][0]["message"] == "API rate limit exceeded"

    await asyncio.sleep(max(0.0, start + 0.25 - time.monotonic()))
    assert (await get_json(session, url, JSON_HEADERS))[0] == 429
    # 0.45 s after the accepted check: allowed although a refusal came 0.2 s ago.
    await asyncio.sleep(max(0.0, start + 0.45 - time.monotonic()))
    assert (await get_json(session, url, JSON_HEADERS))[0] == 200
    # Each pin has its own window.
    other = await create_pin(session, sim)
    assert (await get_json(session, f"{sim.url}/api/v2/pins/{other['id']}", JSON_HEADERS))[0] == 200


async def test_retry_after_rounds_up(
    session: aiohttp.ClientSession, plextv_factory: PlexTVFactory
) -> None:
    """Retry-After is the whole number of seconds left, rounded up."""
    sim = await plextv_factory(min_poll_interval=2.5)
    pin = await create_pin(session, sim)
    url = f"{sim.url}/api/v2/pins/{pin['id']}"
    await get_json(session, url, JSON_HEADERS)
    async with session.get(url, headers=JSON_HEADERS) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "3"


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


# Signed-in calls


async def test_user(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """/api/v2/user answers the account the pin was approved for."""
    token = await signed_in(session, plextv)
    status, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token))
    assert status == 200
    assert body == {**sample_account(), "authToken": token}


async def test_user_xml(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """/api/v2/user in XML: attributes and a subscription element with features."""
    token = await signed_in(session, plextv)
    headers = {**XML_HEADERS, "X-Plex-Token": token}
    async with session.get(f"{plextv.url}/api/v2/user", headers=headers) as response:
        assert response.status == 200
        root = ET.fromstring(await response.text())  # noqa: S314
    assert root.tag == "user"
    assert root.attrib["username"] == "plexfan"
    assert root.attrib["homeAdmin"] == "1"
    subscription = root.find("subscription")
    assert subscription is not None
    assert subscription.attrib["active"] == "1"
    assert subscription.attrib["plan"] == "lifetime"
    features = [feature.attrib["id"] for feature in subscription.iter("feature")]
    assert features == sample_account()["subscription"]["features"]


async def test_accounts(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Approve links the current account or a given one; set_account updates the current."""
    other = {**sample_account(), "uuid": "0000aaaa1111bbbb", "username": "other"}
    token_other = plextv.approve((await create_pin(session, plextv))["code"], other)
    token_current = await signed_in(session, plextv)
    plextv.set_account({**sample_account(), "title": "Renamed"})

    _, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token_other))
    assert body["username"] == "other"
    _, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token_current))
    assert body["title"] == "Renamed"


async def test_resources(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Resources list everything with include*=1; relay and IPv6 connections need asking."""
    token = await signed_in(session, plextv)
    url = f"{plextv.url}/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1"
    status, body = await get_json(session, url, with_token(token))
    assert status == 200
    assert body == sample_resources()

    _, plain = await get_json(session, f"{plextv.url}/api/v2/resources", with_token(token))
    connections = [c for resource in plain for c in resource["connections"]]
    assert connections
    assert not any(c["relay"] or c["IPv6"] for c in connections)

    plextv.set_resources(sample_resources()[:1])
    _, body = await get_json(session, url, with_token(token))
    assert [resource["name"] for resource in body] == ["Living Room Server"]


async def test_resources_xml(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Resources in XML: resource elements with connection children."""
    token = await signed_in(session, plextv)
    headers = {**XML_HEADERS, "X-Plex-Token": token}
    async with session.get(
        f"{plextv.url}/api/v2/resources?includeRelay=1&includeIPv6=1", headers=headers
    ) as response:
        root = ET.fromstring(await response.text())  # noqa: S314
    assert root.tag == "resources"
    assert len(root.findall("resource")) == len(sample_resources())
    first = root.findall("resource")[0]
    assert first.attrib["provides"] == "server"
    assert len(first.findall("connections/connection")) == 4


async def test_ping(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Ping answers 200 for a good token."""
    token = await signed_in(session, plextv)
    status, body = await get_json(session, f"{plextv.url}/api/v2/ping", with_token(token))
    assert status == 200
    assert body == {"pong": True}
    async with session.get(
        f"{plextv.url}/api/v2/ping", headers={**XML_HEADERS, "X-Plex-Token": token}
    ) as response:
        assert response.status == 200
        assert response.content_type == "application/xml"


@pytest.mark.parametrize("path", ["/api/v2/user", "/api/v2/resources", "/api/v2/ping"])
async def test_bad_tokens(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, path: str
) -> None:
    """A missing, unknown or other-client token gets 401 code 1001."""
    token = await signed_in(session, plextv)
    for headers in (JSON_HEADERS, with_token("not-a-token"), with_token(token, "another-client")):
        status, body = await get_json(session, f"{plextv.url}{path}", headers)
        assert status == 401
        plex_error(body, 1001, 401)
        assert body["errors"][0]["message"] == "User could not be authenticated"
    assert (await get_json(session, f"{plextv.url}{path}", with_token(token)))[0] == 200


async def test_revoke(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """revoke() answers 401 code 1001 by default, 422 "Invalid token" on request."""
    token_401 = await signed_in(session, plextv)
    token_422 = await signed_in(session, plextv)
    plextv.revoke(token_401)
    plextv.revoke(token_422, status=422)
    assert plextv.tokens[token_401].revoked == 401

    status, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token_401))
    assert status == 401
    plex_error(body, 1001, 401)
    status, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token_422))
    assert status == 422
    assert body["errors"][0]["message"] == "Invalid token"
    assert body["errors"][0]["status"] == 422

    with pytest.raises(KeyError):
        plextv.revoke("never-issued")
    with pytest.raises(ValueError, match="status"):
        plextv.revoke(token_401, status=500)


async def test_sign_out(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Sign out answers 204, records the token and revokes it."""
    token = await signed_in(session, plextv)
    url = f"{plextv.url}/api/v2/users/signout"
    async with session.delete(url, headers=with_token(token)) as response:
        assert response.status == 204
    assert plextv.signed_out == [token]
    assert plextv.tokens[token].revoked == 401
    assert (await get_json(session, f"{plextv.url}/api/v2/user", with_token(token)))[0] == 401
    async with session.delete(url, headers=with_token(token)) as response:
        assert response.status == 401


# /link


async def test_link_form(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """GET /link shows a form with one code input and a Link button."""
    async with session.get(plextv.link_url) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    assert plextv.link_url == f"{plextv.url}/link"
    assert page.count("<input") == 1
    assert re.search(r'<input[^>]*id="code"[^>]*name="code"[^>]*maxlength="4"[^>]*autofocus', page)
    assert '<label for="code">Enter the code</label>' in page
    assert '<button type="submit" id="link-submit">Link</button>' in page
    assert '<form method="post" action="/link">' in page
    assert "<style>" in page

    async with session.get(plextv.link_url, params={"code": "AB12"}) as response:
        assert 'value="AB12"' in await response.text()


async def test_link_good_code(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """POST /link with a pending code approves it and names the device."""
    pin = await create_pin(session, plextv)
    async with session.post(plextv.link_url, data={"code": f" {pin['code'].lower()} "}) as response:
        assert response.status == 200
        page = await response.text()
    assert "Home Assistant is now linked to your Plex account" in page
    token = plextv.pins[pin["id"]].auth_token
    assert token is not None
    assert plextv.tokens[token].client_identifier == CLIENT_ID
    assert [r.method for r in plextv.requests_to("/link")] == ["POST"]


@pytest.mark.parametrize("kind", ["unknown", "empty", "strong", "expired", "used"])
async def test_link_bad_code(
    session: aiohttp.ClientSession, plextv_factory: PlexTVFactory, kind: str
) -> None:
    """A bad, expired or already used code shows the form again with an error."""
    sim = await plextv_factory(pin_expires_in=0.2)
    code = {"unknown": "QQQQ", "empty": ""}.get(kind, "")
    if kind in {"strong", "expired", "used"}:
        code = (await create_pin(session, sim, strong=kind == "strong"))["code"]
    if kind == "expired":
        await asyncio.sleep(0.3)
    if kind == "used":
        sim.approve(code)
    async with session.post(sim.link_url, data={"code": code}) as response:
        assert response.status == 400
        page = await response.text()
    assert 'id="link-error"' in page
    assert "not found or has expired" in page
    assert 'id="link-submit"' in page
    assert all(pin.auth_token is None for pin in sim.pins.values()) or kind == "used"


# Faults


async def test_fault_status(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A status fault answers a plex.tv error body and extra headers, once by default."""
    plextv.add_fault("/api/v2/pins", status=429, headers={"Retry-After": "7"})
    async with session.post(f"{plextv.url}/api/v2/pins", headers=JSON_HEADERS) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "7"
        plex_error(await response.json(), 1003, 429)
    plextv.add_fault("/api/v2/pins", status=503)
    async with session.post(f"{plextv.url}/api/v2/pins", headers=XML_HEADERS) as response:
        assert response.status == 503
        assert '<error code="503" message="Service Unavailable"' in await response.text()
    await create_pin(session, plextv)
    assert plextv.faults == []


async def test_fault_count_and_method(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """Count faults apply that many times; a method restricts them; prefixes match."""
    plextv.add_fault("/api/v2/", status=500, count=2, method="get")
    assert len(plextv.faults) == 1
    await create_pin(session, plextv)  # POST: not affected
    for _ in range(2):
        assert (await get_json(session, f"{plextv.url}/api/v2/ping", JSON_HEADERS))[0] == 500
    assert (await get_json(session, f"{plextv.url}/api/v2/ping", JSON_HEADERS))[0] == 401

    plextv.add_fault("/api/v2/user", status=500, count=5)
    plextv.clear_faults()
    assert (await get_json(session, f"{plextv.url}/api/v2/user", JSON_HEADERS))[0] == 401
    with pytest.raises(ValueError, match="count"):
        plextv.add_fault("/", count=0)


async def test_fault_delay(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A delay fault alone slows the normal answer; a client timeout sees it time out."""
    plextv.add_fault("/api/v2/pins", delay=0.3)
    start = time.monotonic()
    await create_pin(session, plextv)
    assert time.monotonic() - start >= 0.3

    plextv.add_fault("/api/v2/pins", delay=1.0, status=500)
    with pytest.raises(TimeoutError):
        async with session.post(
            f"{plextv.url}/api/v2/pins",
            headers=JSON_HEADERS,
            timeout=aiohttp.ClientTimeout(total=0.2),
        ):
            pass


async def test_fault_malformed_body(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """A body alone answers 200 with that body; with a status, that status."""
    plextv.add_fault("/api/v2/pins", body='{"id": 1, "code": ')
    async with session.post(f"{plextv.url}/api/v2/pins", headers=JSON_HEADERS) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        with pytest.raises(json.JSONDecodeError):
            await response.json()
    plextv.add_fault("/api/v2/user", status=502, body=b"<html>Bad gateway</html>")
    async with session.get(f"{plextv.url}/api/v2/user", headers=JSON_HEADERS) as response:
        assert response.status == 502
        assert await response.text() == "<html>Bad gateway</html>"


async def test_fault_drop(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A drop fault closes the connection without an answer."""
    plextv.add_fault("/api/v2/pins", drop=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await create_pin(session, plextv)
    await create_pin(session, plextv)
    assert len(plextv.requests_to("/api/v2/pins", "POST")) == 2


# The request log


async def test_request_log(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Every request is recorded in order, with headers as sent; /_sim/ ones are not."""
    plextv.add_fault("/api/v2/user", status=500)
    pin = await create_pin(session, plextv)
    await get_json(session, f"{plextv.url}/api/v2/user?x=1", JSON_HEADERS)
    async with session.get(plextv.link_url):
        pass
    async with session.get(f"{plextv.url}/_sim/state"):
        pass

    assert [(r.method, r.path) for r in plextv.requests] == [
        ("POST", "/api/v2/pins"),
        ("GET", "/api/v2/user"),
        ("GET", "/link"),
    ]
    first = plextv.requests[0]
    assert isinstance(first, RecordedRequest)
    assert first.query == {"strong": "false"}
    assert first.headers["X-Plex-Client-Identifier"] == CLIENT_ID
    assert first.headers["X-Plex-Product"] == "Home Assistant"
    assert first.wall_time.tzinfo is not None
    assert abs((datetime.now(UTC) - first.wall_time).total_seconds()) < 5
    assert plextv.requests[0].time <= plextv.requests[1].time <= plextv.requests[2].time
    assert plextv.requests_to("/api/v2/user")[0].query == {"x": "1"}
    assert plextv.requests_to("/api/v2/", method="post") == [first]
    assert pin["id"] in plextv.pins


# The control interface


async def test_control_interface(  # noqa: PLR0915 - one walk through every control route
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """/_sim/ routes drive the same state as the Python API."""
    control = f"{plextv.url}/_sim"
    pin = await create_pin(session, plextv)

    async with session.post(f"{control}/approve", json={"code": "NOPE"}) as response:
        assert response.status == 404
    async with session.post(f"{control}/approve", json={"wrong": 1}) as response:
        assert response.status == 400
    async with session.post(f"{control}/approve", data="{not json") as response:
        assert response.status == 400
    async with session.post(f"{control}/approve", json={"code": pin["code"]}) as response:
        assert response.status == 200
        token = (await response.json())["token"]
    assert plextv.pins[pin["id"]].auth_token == token

    async with session.put(f"{control}/account", json={**sample_account(), "title": "Via HTTP"}):
        pass
    _, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token))
    assert body["title"] == "Via HTTP"
    async with session.put(f"{control}/resources", json=[]) as response:
        assert response.status == 200
    _, body = await get_json(session, f"{plextv.url}/api/v2/resources", with_token(token))
    assert body == []

    async with session.post(
        f"{control}/faults",
        json={"path": "/api/v2/ping", "status": 429, "headers": {"Retry-After": "2"}, "count": 2},
    ) as response:
        assert response.status == 201
    async with session.post(f"{control}/faults", json={"path": "/x", "bogus": 1}) as response:
        assert response.status == 400
    async with session.post(f"{control}/faults", json={"path": "/x", "count": 0}) as response:
        assert response.status == 400
    async with session.get(f"{plextv.url}/api/v2/ping", headers=with_token(token)) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"
    async with session.get(f"{control}/state") as response:
        state = await response.json()
    assert state["faults"][0]["count"] == 1
    async with session.delete(f"{control}/faults") as response:
        assert response.status == 204
    assert plextv.faults == []

    async with session.get(f"{control}/requests") as response:
        recorded = await response.json()
    assert [r["path"] for r in recorded] == [
        "/api/v2/pins",
        "/api/v2/user",
        "/api/v2/resources",
        "/api/v2/ping",
    ]
    assert recorded[0]["headers"]["X-Plex-Client-Identifier"] == CLIENT_ID
    assert recorded[0]["method"] == "POST"
    assert datetime.fromisoformat(recorded[0]["wall_time"]).tzinfo is not None
    async with session.delete(f"{control}/requests") as response:
        assert response.status == 204
    assert plextv.requests == []

    async with session.post(f"{control}/revoke", json={"token": token, "status": 422}) as response:
        assert response.status == 200
    async with session.post(f"{control}/revoke", json={"token": "nope"}) as response:
        assert response.status == 404
    async with session.post(f"{control}/revoke", json={"token": token, "status": 1}) as response:
        assert response.status == 400
    assert (await get_json(session, f"{plextv.url}/api/v2/user", with_token(token)))[0] == 422

    async with session.get(f"{control}/state") as response:
        state = await response.json()
    assert state["url"] == plextv.url
    assert state["pins"][0]["code"] == pin["code"]
    assert state["pins"][0]["approved"] is True
    assert state["pins"][0]["expired"] is False
    assert state["tokens"] == [
        {
            "token": token,
            "clientIdentifier": CLIENT_ID,
            "accountUuid": sample_account()["uuid"],
            "revoked": True,
            "revokedStatus": 422,
        }
    ]
    assert state["signed_out"] == []
    assert [r.path for r in plextv.requests] == ["/api/v2/user"]


# Lifecycle, standalone run and sample data


async def test_lifecycle(socket_enabled: None) -> None:
    """Url is only known once started; the context manager starts and stops."""
    sim = PlexTVSimulator()
    with pytest.raises(RuntimeError):
        _ = sim.url
    async with sim:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
        async with aiohttp.ClientSession() as client, client.get(sim.link_url) as response:
            assert response.status == 200
    await sim.stop()  # stopping twice is harmless


def test_standalone(socket_enabled: None) -> None:
    """`python -m tests.plextv_sim` prints its URL, serves, and stops on SIGTERM."""
    with subprocess.Popen(
        [sys.executable, "-m", "tests.plextv_sim", "--port", "0", "--pin-expires-in", "60"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        try:
            ready, _, _ = select.select([process.stdout], [], [], 15)
            assert ready, "the simulator printed nothing"
            line = process.stdout.readline()
            match = re.fullmatch(r"plex\.tv simulator on (http://127\.0\.0\.1:\d+)\n", line)
            assert match, line
            request = urllib.request.Request(  # noqa: S310 - loopback http
                f"{match[1]}/api/v2/pins",
                method="POST",
                headers=JSON_HEADERS,
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                assert response.status == 201
                pin = json.loads(response.read())
            assert pin["expiresIn"] == 60
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0


def test_sample_account_shape() -> None:
    """The sample account has every documented field and is fresh on each call."""
    account = sample_account()
    assert {
        "id",
        "uuid",
        "username",
        "email",
        "title",
        "friendlyName",
        "thumb",
        "country",
        "locale",
        "home",
        "homeAdmin",
        "homeSize",
        "guest",
        "restricted",
        "twoFactorEnabled",
        "joinedAt",
        "subscription",
        "subscriptions",
        "entitlements",
        "roles",
        "services",
    } <= set(account)
    assert isinstance(account["id"], int)
    assert (account["username"], account["email"], account["title"]) == (
        "plexfan",
        "plexfan@example.com",
        "Plex Fan",
    )
    subscription = account["subscription"]
    assert {"active", "status", "plan", "features", "subscribedAt", "paymentService"} <= set(
        subscription
    )
    assert (subscription["active"], subscription["status"], subscription["plan"]) == (
        True,
        "Active",
        "lifetime",
    )
    account["subscription"]["features"].clear()
    assert sample_account()["subscription"]["features"]


def test_sample_resources_shape() -> None:
    """The sample resources: 2 owned servers (1 online), 1 shared, players; all fields."""
    resources = sample_resources()
    fields = {
        "name",
        "product",
        "productVersion",
        "platform",
        "platformVersion",
        "device",
        "clientIdentifier",
        "createdAt",
        "lastSeenAt",
        "provides",
        "ownerId",
        "sourceTitle",
        "publicAddress",
        "accessToken",
        "owned",
        "home",
        "synced",
        "relay",
        "presence",
        "httpsRequired",
        "publicAddressMatches",
        "dnsRebindingProtection",
        "natLoopbackSupported",
        "connections",
    }
    connection_fields = {"protocol", "address", "port", "uri", "local", "relay", "IPv6"}
    for resource in resources:
        assert set(resource) == fields
        assert ISO_Z.match(resource["createdAt"])
        assert ISO_Z.match(resource["lastSeenAt"])
        for connection in resource["connections"]:
            assert set(connection) == connection_fields
    servers = [r for r in resources if "server" in r["provides"].split(",")]
    owned = [r for r in servers if r["owned"]]
    shared = [r for r in servers if not r["owned"]]
    assert sorted(r["presence"] for r in owned) == [False, True]
    assert len(shared) == 1
    assert shared[0]["sourceTitle"]
    assert isinstance(shared[0]["ownerId"], int)
    assert all(server["connections"] for server in servers)
    players = [r for r in resources if "player" in r["provides"].split(",")]
    assert len(players) >= 2
    assert any(p["presence"] for p in players)
    assert any(p["provides"] == "player" for p in players)
    tokens = [r["accessToken"] for r in resources]
    assert len(set(tokens)) == len(tokens)
    assert len({r["clientIdentifier"] for r in resources}) == len(resources)
    resources[0]["name"] = "changed"
    assert sample_resources()[0]["name"] == "Living Room Server"
