"""Fixtures of the simulator's own tests: an HTTP session and a simulator on virtual time."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from library.simulators.plextv.clock import FakeClock

from library.simulators.pms.app import PMSSimulator
from library.simulators.pms.fixtures import PMSFactory


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
async def timed_pms(pms_factory: PMSFactory, clock: FakeClock) -> PMSSimulator:
    """Return a simulator on the test's clock."""
    return await pms_factory(clock=clock)
