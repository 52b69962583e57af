"""Fixtures of the plex.tv client's tests: the plex.tv simulator on the test's clock, a client."""

from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from aioplexaccount import PlexIdentity, PlexTVClient

from library.simulators.plextv import FakeClock, PlexTVSimulator


@pytest.fixture
async def plextv(clock: FakeClock) -> AsyncIterator[PlexTVSimulator]:
    """Return a plex.tv simulator on 127.0.0.1 whose pins and rate limit follow the clock."""
    async with PlexTVSimulator(clock=clock) as simulator:
        yield simulator


@pytest.fixture
def client(plextv: PlexTVSimulator, identity: PlexIdentity, session: ClientSession) -> PlexTVClient:
    """Return a client of the simulator on the test's session."""
    return PlexTVClient(
        identity=identity,
        session=session,
        base_url=plextv.url,
        discover_url=plextv.discover_url,
        metadata_url=plextv.metadata_url,
    )


@pytest.fixture
async def token(client: PlexTVClient, plextv: PlexTVSimulator) -> str:
    """Sign the client in through a pin, as a login does; return the token."""
    pin = await client.create_pin()
    client.token = plextv.approve(pin.code)
    return client.token
