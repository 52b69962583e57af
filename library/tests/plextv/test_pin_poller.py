"""The pin poller against the plex.tv simulator, both on the test's clock.

Every pause the poller takes is recorded in `clock.sleeps` and moves the shared FakeClock by
exactly that much: the delays asserted are exact, and minutes of waiting take no time.
"""

import itertools
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aioplexaccount import (
    Pin,
    PinPoller,
    PlexAuthenticationError,
    PlexPinExpiredError,
    PlexTVClient,
)

from library.simulators.plextv import FakeClock, PlexTVSimulator

CHECKS = "/api/v2/pins/"


async def poller(client: PlexTVClient, clock: FakeClock, **changes: object) -> PinPoller:
    """Create a pin and return its poller on the shared clock (the pin changed as given)."""
    pin = replace(await client.create_pin(), **changes)  # type: ignore[arg-type]
    return PinPoller(client=client, pin=pin, clock=clock, sleep=clock.sleep)


def approve_at(plextv: PlexTVSimulator, clock: FakeClock, pin: Pin, seconds: float) -> None:
    """Let the user approve the code `seconds` from now."""
    clock.call_later(seconds, lambda: plextv.approve(pin.code))


def gaps(plextv: PlexTVSimulator) -> list[float]:
    """Return the pauses between two checks of the pin, as the simulator saw them."""
    times = [r.time for r in plextv.requests_to(CHECKS, method="GET")]
    return [round(b - a, 6) for a, b in itertools.pairwise(times)]


async def test_checks_once_a_second_until_approved(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock
) -> None:
    """The code is checked every second, never tripping plex.tv's limit; approved, the token."""
    waiting = await poller(client, clock)
    approve_at(plextv, clock, waiting.pin, 4.5)
    token = await clock.run(waiting.wait_for_token())
    assert token in plextv.tokens
    assert (waiting.interval, waiting.max_backoff) == (1.0, 10.0)  # plex.tv's pace
    assert clock.sleeps == [1, 1, 1, 1, 1]
    assert gaps(plextv) == [1, 1, 1, 1, 1]
    # Approved already: the token at the first check, without a pause.
    approved = await poller(client, clock)
    plextv.approve(approved.pin.code)
    clock.sleeps.clear()
    assert await clock.run(approved.wait_for_token())
    assert clock.sleeps == []


async def test_interval_counts_from_the_answer(
    client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next check starts an interval after the previous answer, not after its request."""
    waiting = await poller(client, clock)
    check_pin = client.check_pin

    async def slow_answer(pin_id: int) -> Pin:
        pin = await check_pin(pin_id)
        clock.advance(0.4)  # the answer takes 0.4 s to arrive
        return pin

    monkeypatch.setattr(client, "check_pin", slow_answer)
    approve_at(plextv, clock, waiting.pin, 2.5)
    await clock.run(waiting.wait_for_token())
    assert (clock.sleeps, gaps(plextv)) == ([1, 1], [1.4, 1.4])


type Fault = int | str | tuple[int, str] | None


def fault(how: Fault) -> dict[str, object]:
    """Return a fault: a status, a body, a 429 with its Retry-After, or (None) a plain answer."""
    if isinstance(how, tuple):
        return {"status": how[0], "headers": {"Retry-After": how[1]}}
    return {"status": how} if isinstance(how, int) else {} if how is None else {"body": how}


@pytest.mark.parametrize(
    ("faults", "timing", "sleeps", "outages"),
    [
        # plex.tv fails: the pause doubles up to max_backoff and stays there.
        ([500] * 7, {}, [1, 2, 4, 8, 10, 10, 10], 1),
        # Unreachable and garbage both back off; one good answer brings the interval back.
        (
            [504, "<html>Bad gateway</html>", 503, 503, None, 502],
            {"approve": 13.5, "max_backoff": 4},
            [1, 2, 4, 4, 1, 1, 1],
            2,
        ),
        # A 429 waits its Retry-After; without one, it backs off as a failure does.
        ([(429, "7")], {}, [7], 0),
        ([429] * 3, {}, [1, 2, 4], 0),
        # A Retry-After shorter than the interval waits the interval, or the back-off.
        ([(429, "2"), (429, "0")], {"interval": 5}, [5, 10], 0),
    ],
)
async def test_backoff(  # noqa: PLR0913, PLR0917
    client: PlexTVClient,
    plextv: PlexTVSimulator,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    faults: list[Fault],
    timing: dict[str, float],
    sleeps: list[float],
    outages: int,
) -> None:
    """While plex.tv fails or asks to slow down, the pauses grow as they should.

    A run of failures (not a 429) gives one line when it starts and one when it ends.
    """
    caplog.set_level(logging.INFO, logger="aioplexaccount.pin_poller")
    waiting = await poller(client, clock)
    for name in timing.keys() & {"interval", "max_backoff"}:
        setattr(waiting, name, timing[name])
    for how in faults:
        plextv.add_fault(CHECKS, **fault(how))  # type: ignore[arg-type]
    approve_at(plextv, clock, waiting.pin, timing.get("approve", 0))
    await clock.run(waiting.wait_for_token())
    assert clock.sleeps == gaps(plextv) == sleeps
    lines = [record.getMessage()[:26] for record in caplog.records]
    assert lines == ["plex.tv is not answering w", "plex.tv is answering again"] * outages


async def test_expiry_from_expires_at(client: PlexTVClient, clock: FakeClock) -> None:
    """Without expiresIn the deadline comes from expiresAt, read against the time of day."""
    soon = datetime.now(UTC) + timedelta(seconds=2.5)
    waiting = await poller(client, clock, expires_in=None, expires_at=soon)
    with pytest.raises(PlexPinExpiredError):
        await clock.run(waiting.wait_for_token())
    # Two whole pauses, then what was left of the 2.5 s (less what the test took to start).
    assert clock.sleeps[:2] == [1, 1]
    assert clock.sleeps[2] == pytest.approx(0.5, abs=0.2)


@pytest.mark.parametrize(
    ("expires_in", "fault", "error", "sleeps"),
    [
        # The poller stops at expiresIn on its own clock, though plex.tv still answers; a pin
        # with no time left is not checked at all.
        (3, None, PlexPinExpiredError, [1, 1, 1]),
        (0, None, PlexPinExpiredError, []),
        # A refused token ends the wait at once: retrying cannot mend it.
        (900, 401, PlexAuthenticationError, []),
        # A plex.tv that refuses connections backs the poller off until the code expires: the
        # last pause ends at the deadline.
        (30, "gone", PlexPinExpiredError, [1, 2, 4, 8, 10, 5]),
    ],
)
async def test_the_wait_ends(  # noqa: PLR0913, PLR0917
    client: PlexTVClient,
    plextv: PlexTVSimulator,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    expires_in: int,
    fault: int | str | None,
    error: type[Exception],
    sleeps: list[float],
) -> None:
    """The wait ends when the code expires, or with an error that retrying cannot mend."""
    caplog.set_level(logging.INFO, logger="aioplexaccount.pin_poller")
    waiting = await poller(client, clock, expires_in=expires_in)
    assert waiting.seconds_left == expires_in
    if fault == "gone":
        await plextv.stop()
    elif fault is not None:
        plextv.add_fault(CHECKS, status=fault)
    with pytest.raises(error):
        await clock.run(waiting.wait_for_token())
    assert clock.sleeps == sleeps
    assert waiting.seconds_left == (expires_in if error is PlexAuthenticationError else 0)
    assert len(plextv.requests_to(CHECKS)) == (0 if fault == "gone" else len(sleeps) + bool(fault))
    gone = ["plex.tv is not answering while waiting for the code: Could not reach"]
    assert [r.getMessage()[:68] for r in caplog.records] == (gone if fault == "gone" else [])
