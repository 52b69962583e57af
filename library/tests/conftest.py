"""Fixtures shared by the library's tests: an HTTP session, an identity, a clock."""

import importlib.util
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from aioplexaccount import PlexIdentity

from library.simulators.plextv import FakeClock

from .builders import build_identity

# The simulators' own fixtures need pytest-socket, which comes with Home Assistant's test
# plugin; the library's tests start the simulators themselves and run without it.
pytest_plugins = (
    ["library.simulators.plextv.fixtures", "library.simulators.pms.fixtures"]
    if importlib.util.find_spec("pytest_socket")
    else []
)


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """Return a session owned by the test, as Home Assistant's shared one would be."""
    async with ClientSession() as session:
        yield session


@pytest.fixture
def identity() -> PlexIdentity:
    """Return the identity the client sends."""
    return build_identity()


@pytest.fixture
def clock() -> FakeClock:
    """Return a clock that moves only when the test moves it."""
    return FakeClock()
