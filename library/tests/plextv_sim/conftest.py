"""Fixtures of the simulator's own tests: an HTTP session and a simulator on virtual time."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from library.simulators.plextv.app import PlexTVSimulator
from library.simulators.plextv.clock import FakeClock
from library.simulators.plextv.fixtures import PlexTVFactory


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP client session, closed after the test."""
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    """Return a clock that moves only when the test advances it."""
    return FakeClock()


@pytest.fixture
async def timed_plextv(plextv_factory: PlexTVFactory, clock: FakeClock) -> PlexTVSimulator:
    """Return a simulator on the test's clock: pins live 3 s, checks 0.4 s apart at most."""
    return await plextv_factory(pin_expires_in=3, min_poll_interval=0.4, clock=clock)
