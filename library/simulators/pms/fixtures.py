"""Pytest fixtures that serve Plex Media Server simulators on loopback addresses."""

import time
from collections.abc import AsyncIterator, Callable
from typing import Protocol, TypedDict, Unpack

import pytest
import pytest_socket

from .app import PMSSimulator
from .sample import SAMPLE_MACHINE_IDENTIFIER, SAMPLE_SERVER_NAME, SAMPLE_TOKEN


class PMSOptions(TypedDict, total=False):
    """Keyword arguments of PMSSimulator, and where to start it."""

    machine_identifier: str
    token: str
    name: str
    version: str
    clock: Callable[[], float]
    sessions_json_only: bool
    host: str
    port: int


class PMSFactory(Protocol):
    """Start a PMSSimulator with the given constructor arguments, host and port."""

    async def __call__(self, **kwargs: Unpack[PMSOptions]) -> PMSSimulator:
        """Return a started simulator, stopped after the test."""


# Home Assistant's test plugin disables sockets for every test and lets them connect to
# 127.0.0.1 only; `socket_enabled` lets the test create listening sockets, and the servers
# stand on other loopback addresses (127.0.0.2 ...) too, so connections are allowed to the
# whole of 127.0.0.0/8 (and nothing else) for the test.
@pytest.fixture
async def pms_factory(socket_enabled: None) -> AsyncIterator[PMSFactory]:
    """Return a factory of started simulators; each is stopped after the test.

    Defaults: the sample machine identifier, token and name, on a free port of 127.0.0.1.
    """
    pytest_socket.socket_allow_hosts(["127.0.0.0/8", "::1"], allow_unix_socket=True)
    started: list[PMSSimulator] = []

    async def factory(**kwargs: Unpack[PMSOptions]) -> PMSSimulator:
        simulator = PMSSimulator(
            machine_identifier=kwargs.get("machine_identifier", SAMPLE_MACHINE_IDENTIFIER),
            token=kwargs.get("token", SAMPLE_TOKEN),
            name=kwargs.get("name", SAMPLE_SERVER_NAME),
            version=kwargs.get("version", "1.41.3.9314-a0bfb8370"),
            clock=kwargs.get("clock", time.monotonic),
            sessions_json_only=kwargs.get("sessions_json_only", False),
        )
        await simulator.start(kwargs.get("host", "127.0.0.1"), kwargs.get("port", 0))
        started.append(simulator)
        return simulator

    yield factory
    for simulator in reversed(started):
        await simulator.stop()


@pytest.fixture
async def pms(pms_factory: PMSFactory) -> PMSSimulator:
    """Return a simulator of the sample Living Room Server on 127.0.0.1 (sample token)."""
    return await pms_factory()
