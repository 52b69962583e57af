"""Pytest fixtures that serve the plex.tv simulator on the loopback interface."""

from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol, TypedDict, Unpack

import pytest

from .app import PlexTVSimulator


class SimulatorOptions(TypedDict, total=False):
    """Keyword arguments of PlexTVSimulator."""

    pin_expires_in: float
    min_poll_interval: float
    account: dict[str, Any] | None
    resources: list[dict[str, Any]] | None
    strong_pin_expires_in: float | None
    clock: Callable[[], float]
    catalogue: list[dict[str, Any]] | None


class PlexTVFactory(Protocol):
    """Start a PlexTVSimulator with the given constructor arguments."""

    async def __call__(self, **kwargs: Unpack[SimulatorOptions]) -> PlexTVSimulator:
        """Return a started simulator, stopped after the test."""


# Home Assistant's test plugin disables sockets for every test (only 127.0.0.1 may be
# connected to); `socket_enabled` lets the test create the listening socket too.
@pytest.fixture
async def plextv_factory(socket_enabled: None) -> AsyncIterator[PlexTVFactory]:
    """Return a factory of started simulators; each is stopped after the test."""
    started: list[PlexTVSimulator] = []

    async def factory(**kwargs: Unpack[SimulatorOptions]) -> PlexTVSimulator:
        simulator = PlexTVSimulator(**kwargs)
        await simulator.start()
        started.append(simulator)
        return simulator

    yield factory
    for simulator in reversed(started):
        await simulator.stop()


@pytest.fixture
async def plextv(plextv_factory: PlexTVFactory) -> PlexTVSimulator:
    """Return a plex.tv simulator started on 127.0.0.1, with the default settings."""
    return await plextv_factory()
