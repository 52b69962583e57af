"""The pytest plugin of both simulators: each served on loopback, stopped after the test.

- plextv: a PlexTVSimulator on 127.0.0.1 with the default settings; plextv_factory starts
  others with PlexTVSimulator's keyword arguments.
- pms: the sample Living Room Server (sample identity and token) on 127.0.0.1; pms_factory
  starts others with PMSSimulator's keyword arguments and `host` (any loopback address) and
  `port`.
- clock: a FakeClock for the test; session: an aiohttp client session, closed after it.

Name it in pytest_plugins as "library.simulators.fixtures" (or by its older names,
"library.simulators.plextv.fixtures" and "library.simulators.pms.fixtures"). Sockets are the
loopback guard's business (library.loopback.pytest_plugin): these fixtures need no other.
"""

import contextlib
from collections.abc import AsyncIterator
from typing import Unpack

import aiohttp
import pytest

from .clock import FakeClock
from .common import Simulator
from .plextv.app import PlexTVFactory, PlexTVOptions, PlexTVSimulator
from .pms.app import PMSFactory, PMSOptions, PMSSimulator

__all__ = [
    "PMSFactory",
    "PMSOptions",
    "PlexTVFactory",
    "PlexTVOptions",
    "clock",
    "plextv",
    "plextv_factory",
    "pms",
    "pms_factory",
    "session",
]


async def _start[S: Simulator](
    started: list[Simulator], simulator: S, host: str = "127.0.0.1", port: int = 0
) -> S:
    started.append(simulator)  # stopped after the test even if it fails to start
    await simulator.start(host, port)
    return simulator


@contextlib.asynccontextmanager
async def _stopped_after() -> AsyncIterator[list[Simulator]]:
    """Yield a list for the simulators a factory starts; stop them, newest first, at the end."""
    started: list[Simulator] = []
    try:
        yield started
    finally:
        for simulator in reversed(started):
            await simulator.stop()


@pytest.fixture
async def plextv_factory() -> AsyncIterator[PlexTVFactory]:
    """Return a factory of started plex.tv simulators; each is stopped after the test."""
    async with _stopped_after() as started:

        async def factory(**kwargs: Unpack[PlexTVOptions]) -> PlexTVSimulator:
            return await _start(started, PlexTVSimulator(**kwargs))

        yield factory


@pytest.fixture
async def plextv(plextv_factory: PlexTVFactory) -> PlexTVSimulator:
    """Return a plex.tv simulator started on 127.0.0.1, with the default settings."""
    return await plextv_factory()


@pytest.fixture
async def pms_factory() -> AsyncIterator[PMSFactory]:
    """Return a factory of started Plex Media Server simulators; each is stopped after the test.

    Defaults: the sample machine identifier, token and name, on a free port of 127.0.0.1.
    """
    async with _stopped_after() as started:

        async def factory(
            *, host: str = "127.0.0.1", port: int = 0, **kwargs: Unpack[PMSOptions]
        ) -> PMSSimulator:
            return await _start(started, PMSSimulator(**kwargs), host, port)

        yield factory


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
