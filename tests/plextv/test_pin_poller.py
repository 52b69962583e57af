"""The pin poller alone, with short intervals, against the simulator over loopback HTTP."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from custom_components.plex_account.plextv import (
    PinPoller,
    PlexIdentity,
    PlexTVAuthenticationError,
    PlexTVClient,
    PlexTVPinExpiredError,
)
from tests.plextv_sim import PlexTVSimulator
from tests.plextv_sim.fixtures import PlexTVFactory
from tests.plextv_sim.state import RecordedRequest

INTERVAL = 0.05
POLLER_LOGGER = "custom_components.plex_account.plextv.pin_poller"
IDENTITY = PlexIdentity(
    client_identifier="poller-test",
    client_name="Home Assistant",
    device_name="Test",
    client_version="0.1.0",
    client_platform="Home Assistant",
)


@pytest.fixture
async def fast_plextv(plextv_factory: PlexTVFactory) -> PlexTVSimulator:
    """Return a simulator whose rate limit matches the short test interval."""
    return await plextv_factory(min_poll_interval=INTERVAL)


@pytest.fixture
async def client(fast_plextv: PlexTVSimulator) -> PlexTVClient:
    """Return a client of the simulator on a session of its own."""
    return PlexTVClient(identity=IDENTITY, session=None, base_url=fast_plextv.url)


async def _poller(client: PlexTVClient, **kwargs: float) -> PinPoller:
    pin = await client.create_pin()
    return PinPoller(client=client, pin=pin, interval=INTERVAL, **kwargs)


def _checks(plextv: PlexTVSimulator) -> list[RecordedRequest]:
    return plextv.requests_to("/api/v2/pins/", method="GET")


def _gaps(plextv: PlexTVSimulator) -> list[float]:
    checks = _checks(plextv)
    return [b.time - a.time for a, b in itertools.pairwise(checks)]


async def test_token_returned(client: PlexTVClient, fast_plextv: PlexTVSimulator) -> None:
    """The poller returns the token of the approved pin."""
    poller = await _poller(client)
    token = fast_plextv.approve(poller.pin.code)
    assert await poller.wait_for_token() == token
    assert len(_checks(fast_plextv)) == 1
    await client.close()


async def test_backoff_is_capped(client: PlexTVClient, fast_plextv: PlexTVSimulator) -> None:
    """Failures double the pause up to max_backoff; a success resets it."""
    # A longer interval here, so that request overhead cannot blur the steps.
    interval = 4 * INTERVAL
    pin = await client.create_pin()
    poller = PinPoller(client=client, pin=pin, interval=interval, max_backoff=4 * interval)
    fast_plextv.add_fault("/api/v2/pins/", status=500, count=5)
    fast_plextv.approve(poller.pin.code)
    await poller.wait_for_token()
    steps = [round(gap / interval) for gap in _gaps(fast_plextv)]
    assert steps == [1, 2, 4, 4, 4]
    await client.close()


async def test_rate_limit_without_retry_after(
    client: PlexTVClient, fast_plextv: PlexTVSimulator
) -> None:
    """A 429 without Retry-After is treated like a failure: the pause grows."""
    poller = await _poller(client)
    fast_plextv.add_fault("/api/v2/pins/", status=429, count=2)
    fast_plextv.approve(poller.pin.code)
    await poller.wait_for_token()
    assert [round(gap / INTERVAL) for gap in _gaps(fast_plextv)] == [1, 2]
    await client.close()


async def test_expires_on_this_clock(client: PlexTVClient, fast_plextv: PlexTVSimulator) -> None:
    """The poller stops at the pin's lifetime even when plex.tv keeps answering."""
    pin = await client.create_pin()
    poller = PinPoller(client=client, pin=replace(pin, expires_in=0), interval=INTERVAL)
    with pytest.raises(PlexTVPinExpiredError):
        await poller.wait_for_token()
    assert not _checks(fast_plextv)
    await client.close()


async def test_expiry_from_expires_at(client: PlexTVClient, fast_plextv: PlexTVSimulator) -> None:
    """Without expiresIn the deadline comes from expiresAt."""
    pin = await client.create_pin()
    soon = datetime.now(UTC) + timedelta(seconds=3 * INTERVAL)
    poller = PinPoller(
        client=client, pin=replace(pin, expires_in=None, expires_at=soon), interval=INTERVAL
    )
    with pytest.raises(PlexTVPinExpiredError):
        await poller.wait_for_token()
    assert 2 <= len(_checks(fast_plextv)) <= 4
    await client.close()


async def test_permanent_error_propagates(
    client: PlexTVClient, fast_plextv: PlexTVSimulator
) -> None:
    """An error that retrying cannot mend ends the wait at once."""
    poller = await _poller(client)
    fast_plextv.add_fault("/api/v2/pins/", status=401)
    with pytest.raises(PlexTVAuthenticationError):
        await poller.wait_for_token()
    await client.close()


async def test_unreachable_logged_once(
    client: PlexTVClient, fast_plextv: PlexTVSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A run of failures gives one line when it starts and one when it ends."""
    caplog.set_level(logging.INFO, logger=POLLER_LOGGER)
    poller = await _poller(client)
    fast_plextv.add_fault("/api/v2/pins/", status=502, count=3)
    fast_plextv.approve(poller.pin.code)
    await poller.wait_for_token()
    lines = [r.getMessage() for r in caplog.records if r.name == POLLER_LOGGER]
    assert len(lines) == 2
    assert lines[0].startswith("plex.tv is not answering")
    assert lines[1] == "plex.tv is answering again"
    await client.close()


async def test_session_error_is_a_connection_error(fast_plextv: PlexTVSimulator) -> None:
    """A plex.tv that refuses connections counts as unreachable, not as a failure."""
    async with aiohttp.ClientSession() as session:
        client = PlexTVClient(identity=IDENTITY, session=session, base_url=fast_plextv.url)
        pin = await client.create_pin()
        await fast_plextv.stop()
        sleeps: list[float] = []

        async def sleep(delay: float) -> None:
            sleeps.append(delay)
            await asyncio.sleep(delay)

        poller = PinPoller(
            client=client, pin=replace(pin, expires_in=1), interval=INTERVAL, sleep=sleep
        )
        with pytest.raises(PlexTVPinExpiredError):
            await poller.wait_for_token()
        assert 2 <= len(sleeps) <= 6
