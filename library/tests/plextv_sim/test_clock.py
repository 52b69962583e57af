"""The fake clock that the simulators and the code under test share in tests."""

import asyncio

import pytest

from library.simulators.plextv import FakeClock


async def test_advance_wakes_in_order() -> None:
    """advance() moves time, runs callbacks and wakes sleepers in the order they are due."""
    clock = FakeClock(start=10.0)
    seen: list[tuple[str, float]] = []
    clock.call_later(2.0, lambda: seen.append(("after 2", clock())))
    clock.call_later(1.0, lambda: seen.append(("after 1", clock())))
    sleeper = asyncio.ensure_future(clock.sleep(1.5))
    await asyncio.sleep(0)
    assert (clock.sleepers, clock.next_wakeup()) == (1, 11.0)
    clock.advance(1.5)
    await asyncio.sleep(0)
    assert (sleeper.done(), seen) == (True, [("after 1", 11.0)])
    clock.advance(1.0)
    assert (seen[1], clock(), clock.sleeps) == (("after 2", 12.0), 12.5, [1.5])
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


async def test_run_and_run_until() -> None:
    """run() lets a task sleep for hours in no time; run_until() may stop at a moment."""
    clock = FakeClock(start=0.0)

    async def napper() -> float:
        for delay in (60.0, 3600.0, 0.5):
            await clock.sleep(delay)
        return clock()

    assert await clock.run(napper()) == 3660.5
    task = asyncio.ensure_future(clock.sleep(5))
    await clock.run_until(task, seconds=2)
    assert (clock(), task.done()) == (3662.5, False)
    await clock.run_until(task)
    assert (clock(), task.done()) == (3665.5, True)


async def test_cancelled_sleepers_and_other_waits() -> None:
    """cancel_sleepers() ends the sleepers left; a task waiting elsewhere is reported."""
    clock = FakeClock()
    first, second = asyncio.ensure_future(clock.sleep(1)), asyncio.ensure_future(clock.sleep(2))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert (clock.sleepers, clock.cancel_sleepers()) == (1, 1)
    await asyncio.gather(second, return_exceptions=True)
    assert (second.cancelled(), clock.next_wakeup()) == (True, None)
    with pytest.raises(TimeoutError):
        await clock.run(asyncio.get_running_loop().create_future(), limit=0.05)
