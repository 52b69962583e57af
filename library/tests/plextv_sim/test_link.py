"""The /link page, where a user types the code."""

import re

import aiohttp
import pytest

from library.simulators.plextv import (
    PlexTVSimulator,
)
from library.simulators.plextv.clock import FakeClock
from library.simulators.plextv.testing import (
    CLIENT_ID,
    create_pin,
)


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
    session: aiohttp.ClientSession, timed_plextv: PlexTVSimulator, clock: FakeClock, kind: str
) -> None:
    """A bad, expired or already used code shows the form again with an error."""
    sim = timed_plextv
    code = {"unknown": "QQQQ", "empty": ""}.get(kind, "")
    if kind in {"strong", "expired", "used"}:
        code = (await create_pin(session, sim, strong=kind == "strong"))["code"]
    if kind == "expired":
        clock.advance(3)
    if kind == "used":
        sim.approve(code)
    async with session.post(sim.link_url, data={"code": code}) as response:
        assert response.status == 400
        page = await response.text()
    assert 'id="link-error"' in page
    assert "not found or has expired" in page
    assert 'id="link-submit"' in page
    assert all(pin.auth_token is None for pin in sim.pins.values()) or kind == "used"
