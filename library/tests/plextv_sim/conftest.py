"""A plex.tv simulator on the test's clock (`clock` and `session` come from the plugin)."""

import pytest

from library.simulators.plextv import FakeClock, PlexTVFactory, PlexTVSimulator


@pytest.fixture
async def timed_plextv(plextv_factory: PlexTVFactory, clock: FakeClock) -> PlexTVSimulator:
    """Return a simulator on the test's clock: pins live 3 s, checks 0.4 s apart at most."""
    return await plextv_factory(pin_expires_in=3, min_poll_interval=0.4, clock=clock)
