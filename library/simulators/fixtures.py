"""The pytest plugin of both simulators (pytest_plugins = ["library.simulators.fixtures"]).

- plextv: a PlexTVSimulator on 127.0.0.1 with the default settings; plextv_factory starts
  others with PlexTVSimulator's keyword arguments.
- pms: the sample Living Room Server (sample identity and token) on 127.0.0.1; pms_factory
  starts others with PMSSimulator's keyword arguments and `host` (any loopback address).
- clock: a FakeClock for the test; session: an aiohttp client session, closed after it.

Every simulator a factory started is stopped after the test, newest first. Sockets are the
loopback guard's business (library.loopback.pytest_plugin): these fixtures need no other.
"""

from collections.abc import AsyncIterator
from typing import Unpack

import aiohttp
import pytest

from .clock import FakeClock
from .common import Simulator
from .plextv.app import PlexTVFactory, PlexTVOptions, PlexTVSimulator
from .pms.app import PMSFactory, PMSOptions, PMSSimulator


@pytest.fixture
async def started_simulators() -> AsyncIterator[list[Simulator]]:
    """Return the list the factories put their simulators in; stop them all after the test."""
    started: list[Simulator] = []
    yield started
    for simulator in reversed(started):
        await simulator.stop()


async def _start[S: Simulator](started: list[Simulator], simulator: S, host: str) -> S:
    started.append(simulator)  # stopped after the test even if it fails to start
    await simulator.start(host)
    return simulator


@pytest.fixture
def plextv_factory(started_simulators: list[Simulator]) -> PlexTVFactory:
    """Return a factory of started plex.tv simulators."""

    async def factory(**kwargs: Unpack[PlexTVOptions]) -> PlexTVSimulator:
        return await _start(started_simulators, PlexTVSimulator(**kwargs), "127.0.0.1")

    return factory


@pytest.fixture
async def plextv(plextv_factory: PlexTVFactory) -> PlexTVSimulator:
    """Return a plex.tv simulator started on 127.0.0.1, with the default settings."""
    return await plextv_factory()


@pytest.fixture
def pms_factory(started_simulators: list[Simulator]) -> PMSFactory:
    """Return a factory of started Plex Media Server simulators (on a free port)."""

    async def factory(*, host: str = "127.0.0.1", **kwargs: Unpack[PMSOptions]) -> PMSSimulator:
        return await _start(started_simulators, PMSSimulator(**kwargs), host)

    return factory


@pytest.fixture
async def pms(pms_factory: PMSFactory) -> PMSSimulator:
    """Return a simulator of the sample Living Room Server on 127.0.0.1 (sample token)."""
    return await pms_factory()


@pytest.fixture
def clock() -> FakeClock:
    """Return a clock that moves only when the test moves it."""
    return FakeClock()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP client session, closed after the test."""
    async with aiohttp.ClientSession() as client:
        yield client
