"""Fixtures of the plex.tv client's tests: the plex.tv simulator on the test's clock, a client."""

import pytest
from aiohttp import ClientSession
from aioplexaccount import PlexTVClient

from library.simulators.plextv import FakeClock, PlexTVFactory, PlexTVSimulator
from library.tests.builders import build_identity


@pytest.fixture
async def plextv(plextv_factory: PlexTVFactory, clock: FakeClock) -> PlexTVSimulator:
    """Return a plex.tv simulator on 127.0.0.1 whose pins and rate limit follow the clock."""
    return await plextv_factory(clock=clock)


@pytest.fixture
def client(plextv: PlexTVSimulator, session: ClientSession) -> PlexTVClient:
    """Return a client of the simulator on the test's session."""
    return PlexTVClient(
        identity=build_identity(),
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
