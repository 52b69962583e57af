"""A server simulator on the test's clock (`clock` and `session` come from the plugin)."""

import pytest

from library.simulators.pms import FakeClock, PMSFactory, PMSSimulator


@pytest.fixture
async def timed_pms(pms_factory: PMSFactory, clock: FakeClock) -> PMSSimulator:
    """Return a simulator of the sample server whose sessions move on the test's clock."""
    return await pms_factory(clock=clock)
