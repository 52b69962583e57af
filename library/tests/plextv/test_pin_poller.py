"""The pin poller on virtual time, against the simulator over loopback HTTP.

The poller and the simulator share a FakeClock: every pause the poller takes is recorded
in `clock.sleeps` and moves the clock by exactly that much, so the delays asserted here are
exact, and minutes of waiting take no time.
"""

import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from aioplexaccount import (
    Pin,
    PinPoller,
    PlexAuthenticationError,
    PlexTVClient,
    PlexPinExpiredError,
)
from aioplexaccount import MAX_BACKOFF, POLL_INTERVAL
from tests.common import build_identity
from library.simulators.plextv import FakeClock, PlexTVSimulator
from library.simulators.plextv.fixtures import PlexTVFactory

POLLER_LOGGER = "aioplexaccount"
CHECKS = "/api/v2/pins/"


@pytest.fixture
def clock() -> FakeClock:
    """Return the clock the poller and the simulator share."""
    return FakeClock()


@pytest.fixture
async def plextv(plextv_factory: PlexTVFactory, clock: FakeClock) -> PlexTVSimulator:
    """Return a simulator on the shared clock, with plex.tv's limit of a check a second."""
    return await plextv_factory(clock=clock)


@pytest.fixture
async def client(plextv: PlexTVSimulator) -> AsyncIterator[PlexTVClient]:
    """Return a client of the simulator on a session of its own, closed after the test."""
    async with PlexTVClient(identity=build_identity("poller-test"), base_url=plextv.url) as client:
        yield client


async def make_poller(client: PlexTVClient, clock: FakeClock, **kwargs: float) -> PinPoller:
    """Create a pin and a poller of it on the shared clock, with plex.tv's default timing."""
    pin = await client.create_pin()
    return PinPoller(client=client, pin=pin, clock=clock, sleep=clock.sleep, **kwargs)


def check_times(plextv: PlexTVSimulator) -> list[float]:
    """Return when each check of a pin reached the simulator, from the first one on."""
    times = [r.time for r in plextv.requests_to(CHECKS, method="GET")]
    return [round(time - times[0], 6) for time in times]


def gaps(plextv: PlexTVSimulator) -> list[float]:
    """Return the pauses between consecutive checks as the simulator saw them."""
    return [round(b - a, 6) for a, b in itertools.pairwise(check_times(plextv))]


async def test_token_returned(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """An approved pin gives its token at the first check, without a pause."""
    poller = await make_poller(client, clock)
    token = plextv.approve(poller.pin.code)
    assert await clock.run(poller.wait_for_token()) == token
    assert clock.sleeps == []
    assert check_times(plextv) == [0]


async def test_checks_once_an_interval(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """The poller checks every second until the code is approved, and plex.tv never objects."""
    poller = await make_poller(client, clock)
    clock.call_later(4.5, lambda: plextv.approve(poller.pin.code))
    await clock.run(poller.wait_for_token())
    assert POLL_INTERVAL == 1.0
    assert clock.sleeps == [1, 1, 1, 1, 1]
    assert check_times(plextv) == [0, 1, 2, 3, 4, 5]


async def test_interval_counts_from_the_answer(
    client: PlexTVClient,
    plextv: PlexTVSimulator,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The next check starts an interval after the previous answer, not after its request."""
    poller = await make_poller(client, clock)
    check_pin = client.check_pin

    async def slow_answer(pin_id: int) -> Pin:
        pin = await check_pin(pin_id)
        clock.advance(0.4)  # the answer takes 0.4 s to arrive
        return pin

    monkeypatch.setattr(client, "check_pin", slow_answer)
    clock.call_later(2.5, lambda: plextv.approve(poller.pin.code))
    await clock.run(poller.wait_for_token())
    assert clock.sleeps == [1, 1]
    assert gaps(plextv) == [1.4, 1.4]


async def test_backoff_doubles_to_the_cap(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """While plex.tv fails the pause doubles up to max_backoff, and stays there."""
    poller = await make_poller(client, clock)
    plextv.add_fault(CHECKS, status=500, count=7)
    plextv.approve(poller.pin.code)
    await clock.run(poller.wait_for_token())
    assert MAX_BACKOFF == 10.0
    assert clock.sleeps == [1, 2, 4, 8, 10, 10, 10]
    assert gaps(plextv) == clock.sleeps


async def test_backoff_resets_on_success(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """Unreachable and garbage both back off; one good answer brings the interval back."""
    poller = await make_poller(client, clock, max_backoff=4)
    plextv.add_fault(CHECKS, status=504)
    plextv.add_fault(CHECKS, body="<html>Bad gateway</html>")
    plextv.add_fault(CHECKS, status=503, count=2)
    plextv.add_fault(CHECKS)  # answered normally: not approved yet
    plextv.add_fault(CHECKS, status=502)
    clock.call_later(13.5, lambda: plextv.approve(poller.pin.code))
    await clock.run(poller.wait_for_token())
    # 504, garbage, 503, 503 (capped at 4), a good answer, 502, good answers.
    assert clock.sleeps == [1, 2, 4, 4, 1, 1, 1]


async def test_retry_after_honoured(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """A 429 with Retry-After waits exactly that long."""
    poller = await make_poller(client, clock)
    plextv.add_fault(CHECKS, status=429, headers={"Retry-After": "7"})
    plextv.approve(poller.pin.code)
    await clock.run(poller.wait_for_token())
    assert clock.sleeps == [7]


async def test_retry_after_never_below_interval(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """A Retry-After shorter than the interval (or zero) still waits the interval."""
    poller = await make_poller(client, clock, interval=5)
    plextv.add_fault(CHECKS, status=429, headers={"Retry-After": "2"})
    plextv.add_fault(CHECKS, status=429, headers={"Retry-After": "0"})
    plextv.approve(poller.pin.code)
    await clock.run(poller.wait_for_token())
    # The second pause is the back-off, doubled by the first 429 (5 s, then 10 s).
    assert clock.sleeps == [5, 10]


async def test_plextv_rate_limit_obeyed(plextv_factory: PlexTVFactory, clock: FakeClock) -> None:
    """A plex.tv stricter than the interval answers 429 with Retry-After; the poller waits."""
    strict = await plextv_factory(clock=clock, min_poll_interval=3)
    async with PlexTVClient(identity=build_identity("poller-test"), base_url=strict.url) as client:
        poller = await make_poller(client, clock)
        clock.call_later(6.5, lambda: strict.approve(poller.pin.code))
        await clock.run(poller.wait_for_token())
    # 200 at 0; 429 at 1 (Retry-After 2); 200 at 3; 429 at 4; 200 at 6; 429 at 7; token at 9.
    assert clock.sleeps == [1, 2, 1, 2, 1, 2]
    assert check_times(strict) == [0, 1, 3, 4, 6, 7, 9]


async def test_rate_limit_without_retry_after(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """A 429 without Retry-After is treated like a failure: the pause grows."""
    poller = await make_poller(client, clock)
    plextv.add_fault(CHECKS, status=429, count=3)
    plextv.approve(poller.pin.code)
    await clock.run(poller.wait_for_token())
    assert clock.sleeps == [1, 2, 4]


async def test_expires_on_this_clock(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """The poller stops at the pin's expiresIn on its own clock, though plex.tv still answers."""
    pin = await client.create_pin()
    poller = PinPoller(
        client=client, pin=replace(pin, expires_in=3), clock=clock, sleep=clock.sleep, interval=2
    )
    assert poller.seconds_left == 3
    with pytest.raises(PlexPinExpiredError):
        await clock.run(poller.wait_for_token())
    # The last pause ends at the deadline instead of sleeping past it.
    assert clock.sleeps == [2, 1]
    assert check_times(plextv) == [0, 2]
    assert poller.seconds_left == 0


async def test_expired_pin_not_checked(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """A pin with no time left is not checked at all."""
    pin = await client.create_pin()
    poller = PinPoller(
        client=client, pin=replace(pin, expires_in=0), clock=clock, sleep=clock.sleep
    )
    with pytest.raises(PlexPinExpiredError):
        await clock.run(poller.wait_for_token())
    assert not plextv.requests_to(CHECKS)


async def test_expiry_from_expires_at(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """Without expiresIn the deadline comes from expiresAt."""
    pin = await client.create_pin()
    soon = datetime.now(UTC) + timedelta(seconds=2.5)
    poller = PinPoller(
        client=client,
        pin=replace(pin, expires_in=None, expires_at=soon),
        clock=clock,
        sleep=clock.sleep,
    )
    with pytest.raises(PlexPinExpiredError):
        await clock.run(poller.wait_for_token())
    # Two full pauses, then what was left of the 2.5 s (less what the test took to start).
    assert clock.sleeps[:2] == [1, 1]
    assert clock.sleeps[2] == pytest.approx(0.5, abs=0.2)
    assert len(check_times(plextv)) == 3


async def test_permanent_error_propagates(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """An error that retrying cannot mend ends the wait at once."""
    poller = await make_poller(client, clock)
    plextv.add_fault(CHECKS, status=401)
    with pytest.raises(PlexAuthenticationError):
        await clock.run(poller.wait_for_token())
    assert clock.sleeps == []


async def test_unreachable_logged_once(
    client: PlexTVClient,
    plextv: PlexTVSimulator,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A run of failures gives one line when it starts and one when it ends."""
    caplog.set_level(logging.INFO, logger=POLLER_LOGGER)
    poller = await make_poller(client, clock)
    plextv.add_fault(CHECKS, status=502, count=3)
    plextv.add_fault(CHECKS)
    plextv.add_fault(CHECKS, status=503, count=2)
    clock.call_later(7.5, lambda: plextv.approve(poller.pin.code))
    await clock.run(poller.wait_for_token())
    assert clock.sleeps == [1, 2, 4, 1, 1, 2]
    lines = [r.getMessage() for r in caplog.records if r.name == POLLER_LOGGER]
    assert len(lines) == 4
    assert lines[0].startswith("plex.tv is not answering")
    assert lines[1] == "plex.tv is answering again"
    assert lines[2].startswith("plex.tv is not answering")
    assert lines[3] == "plex.tv is answering again"


async def test_refused_connection_is_unreachable(
    client: PlexTVClient,
    plextv: PlexTVSimulator,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A plex.tv that refuses connections counts as unreachable: back off until expiry."""
    caplog.set_level(logging.INFO, logger=POLLER_LOGGER)
    pin = await client.create_pin()
    await plextv.stop()
    poller = PinPoller(
        client=client, pin=replace(pin, expires_in=30), clock=clock, sleep=clock.sleep
    )
    with pytest.raises(PlexPinExpiredError):
        await clock.run(poller.wait_for_token())
    assert clock.sleeps == [1, 2, 4, 8, 10, 5]
    lines = [r.getMessage() for r in caplog.records if r.name == POLLER_LOGGER]
    assert len(lines) == 1
    assert lines[0].startswith("plex.tv is not answering")
