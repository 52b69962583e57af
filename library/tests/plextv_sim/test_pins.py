"""Pins: created, checked, expired and rate limited; their QR images and the /link page."""

import re
from datetime import datetime
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.plextv import FakeClock, PlexTVFactory, PlexTVSimulator, sample_account
from library.tests.plextv_sim.helpers import (
    CLIENT_ID,
    ISO_Z,
    JSON_HEADERS,
    call,
    create_pin,
    plex_error,
)

FIELDS = {"id", "code", "product", "trusted", "qr", "clientIdentifier", "location", "expiresIn"}
FIELDS |= {"createdAt", "expiresAt", "authToken", "newRegistration"}


@pytest.mark.parametrize(
    ("strong", "code", "life"), [(False, "[A-Z0-9]{4}", 900), (True, "[a-z0-9]{25}", 1800)]
)
async def test_create_pin(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, strong: bool, code: str, life: int
) -> None:
    """A new pin has plex.tv's fields, a fresh id and code, and 900 s to live (strong: 1800)."""
    first, second = [await create_pin(session, plextv, strong=strong) for _ in range(2)]
    assert (set(first), first["expiresIn"], first["location"]["code"]) == (FIELDS, life, "US")
    assert second["id"] > first["id"]
    assert re.fullmatch(code, first["code"])
    assert first["code"] != second["code"]
    assert (first["product"], first["clientIdentifier"]) == ("Home Assistant", CLIENT_ID)
    assert (first["trusted"], first["authToken"], first["newRegistration"]) == (False, None, None)
    assert first["qr"] == f"{plextv.url}/api/v2/pins/qr/{first['code']}"
    assert all(ISO_Z.match(first[key]) for key in ("createdAt", "expiresAt"))
    created, expires = (datetime.fromisoformat(first[key]) for key in ("createdAt", "expiresAt"))
    assert (expires - created).total_seconds() == life


async def test_xml(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Without Accept: application/json, a pin and an error are plex.tv's XML.

    X-Plex-* values may come in the query too.
    """
    params = {"X-Plex-Client-Identifier": CLIENT_ID, "X-Plex-Product": "Q"}
    reply = await call(session, "POST", f"{plextv.url}/api/v2/pins", params=params)
    assert reply.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(reply.body)  # noqa: S314 - the simulator's own XML
    assert (root.tag, root.attrib["trusted"], root.attrib["clientIdentifier"]) == (
        "pin",
        "0",
        CLIENT_ID,
    )
    assert (int(root.attrib["id"]) in plextv.pins, root.attrib["product"]) == (True, "Q")
    assert "authToken" not in root.attrib  # None is left out
    assert root.find("location[@code='US']") is not None
    errors = ET.fromstring((await call(session, "GET", f"{plextv.url}/api/v2/pins/9")).body)  # noqa: S314
    assert [error.attrib for error in errors.iter("error")] == [
        {"code": "1020", "message": "Code not found or expired", "status": "404"}
    ]


async def test_check_pin_until_approved(
    session: aiohttp.ClientSession, plextv_factory: PlexTVFactory
) -> None:
    """A checked pin has authToken null until approved, then the token of its client."""
    sim = await plextv_factory(min_poll_interval=0)
    pin = await create_pin(session, sim)
    url = f"{sim.url}/api/v2/pins/{pin['id']}"
    body = (await call(session, "GET", url, headers=JSON_HEADERS)).body
    assert (body["code"], body["authToken"]) == (pin["code"], None)
    token = sim.approve(pin["code"].lower())
    assert re.fullmatch(r"[A-Za-z0-9_-]{20}", token)
    assert (await call(session, "GET", url, headers=JSON_HEADERS)).body["authToken"] == token
    record = sim.tokens[token]
    assert (record.client_identifier, record.revoked) == (CLIENT_ID, None)
    assert record.account_uuid == sample_account()["uuid"]
    with pytest.raises(KeyError):
        sim.approve(pin["code"])  # no longer pending


async def test_pin_lifetime(
    session: aiohttp.ClientSession, timed_plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """A pin's expiresIn counts down on the clock (whole seconds, up); then 404 code 1020."""
    sim = timed_plextv
    pin = await create_pin(session, sim)
    url = f"{sim.url}/api/v2/pins/{pin['id']}"
    left = []
    for step in (0, 0.5, 0.5, 1.9):
        clock.advance(step)
        left.append((await call(session, "GET", url, headers=JSON_HEADERS)).body["expiresIn"])
    assert left == [3, 3, 2, 1]
    clock.advance(0.1)
    for path in (url, f"{sim.url}/api/v2/pins/999", f"{sim.url}/api/v2/pins/not-a-number"):
        status, body, _ = await call(session, "GET", path, headers=JSON_HEADERS)
        assert status == 404
        plex_error(body, 1020, 404)
    with pytest.raises(KeyError):
        sim.approve(pin["code"])
    assert (await call(session, "GET", pin["qr"])).status == 404


async def test_rate_limit(
    session: aiohttp.ClientSession, plextv_factory: PlexTVFactory, clock: FakeClock
) -> None:
    """A check within min_poll_interval gets 429 code 1003 and the seconds left, rounded up.

    Refused checks do not move the window; each pin has its own.
    """
    sim = await plextv_factory(min_poll_interval=2.5, clock=clock)
    pin, other = await create_pin(session, sim), await create_pin(session, sim)
    url = f"{sim.url}/api/v2/pins/{pin['id']}"
    answers = []
    for step in (0, 0, 0.6, 1.9):
        clock.advance(step)
        status, _, headers = await call(session, "GET", url, headers=JSON_HEADERS)
        answers.append((status, headers.get("Retry-After")))
    assert answers == [(200, None), (429, "3"), (429, "2"), (200, None)]
    status, body, _ = await call(session, "GET", url, headers=JSON_HEADERS)
    assert status == 429
    plex_error(body, 1003, 429)
    other_url = f"{sim.url}/api/v2/pins/{other['id']}"
    assert (await call(session, "GET", other_url, headers=JSON_HEADERS)).status == 200


async def test_qr_image(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """The pin's qr URL serves a PNG without X-Plex headers; unknown codes get 404."""
    pytest.importorskip("segno")  # the QR encoder; the library's own environment may lack it
    pin = await create_pin(session, plextv)
    status, image, headers = await call(session, "GET", pin["qr"])
    assert (status, headers["Content-Type"], image[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")
    assert (await call(session, "GET", f"{plextv.url}/api/v2/pins/qr/ZZZZZ")).status == 404


async def test_link_page(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """GET /link is a form with one code input; a pending code posted there is approved."""
    page = (await call(session, "GET", plextv.link_url, params={"code": "AB12"})).body
    assert plextv.link_url == f"{plextv.url}/link"
    assert page.count("<input") == 1
    assert re.search(r'<input[^>]*id="code"[^>]*maxlength="4"[^>]*value="AB12"[^>]*autofocus', page)
    assert '<form method="post" action="/link">' in page
    assert '<button type="submit" id="link-submit">Link</button>' in page
    pin = await create_pin(session, plextv)
    code = f" {pin['code'].lower()} "
    page = (await call(session, "POST", plextv.link_url, data={"code": code})).body
    assert "Home Assistant is now linked to your Plex account" in page
    token = plextv.pins[pin["id"]].auth_token
    assert token is not None
    assert plextv.tokens[token].client_identifier == CLIENT_ID


@pytest.mark.parametrize("kind", ["unknown", "empty", "strong", "expired", "used"])
async def test_link_bad_code(
    session: aiohttp.ClientSession, timed_plextv: PlexTVSimulator, clock: FakeClock, kind: str
) -> None:
    """A bad, strong, expired or already used code shows the form again with an error."""
    sim = timed_plextv
    code = {"unknown": "QQQQ", "empty": ""}.get(kind, "")
    if kind in {"strong", "expired", "used"}:
        code = (await create_pin(session, sim, strong=kind == "strong"))["code"]
    clock.advance(3 if kind == "expired" else 0)
    if kind == "used":
        sim.approve(code)
    status, page, _ = await call(session, "POST", sim.link_url, data={"code": code})
    assert (status, 'id="link-error"' in page, "not found or has expired" in page) == (
        400,
        True,
        True,
    )
    assert kind == "used" or all(pin.auth_token is None for pin in sim.pins.values())
