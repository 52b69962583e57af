"""Fixtures for the plex.tv client tests: an identity, a session and a client."""

from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession

from aioplexaccount import PlexIdentity, PlexTVClient
from tests.common import build_identity
from library.simulators.plextv import PlexTVSimulator


@pytest.fixture
def identity() -> PlexIdentity:
    """Return the identity a Home Assistant install would send."""
    return build_identity("0b8a1b9e-3c3f-4b7e-9d55-3f0c8f1d2a10", device_name="Küche")


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """Return a session owned by the test, as Home Assistant's shared session would be."""
    async with ClientSession() as session:
        yield session


@pytest.fixture
def client(plextv: PlexTVSimulator, identity: PlexIdentity, session: ClientSession) -> PlexTVClient:
    """Return a client of the simulator using the injected session."""
    return PlexTVClient(
        identity=identity,
        session=session,
        base_url=plextv.url,
        discover_url=plextv.discover_url,
        metadata_url=plextv.metadata_url,
    )
