"""The fake clock that the simulator and the code under test share in tests."""

import asyncio

import pytest

from library.simulators.plextv import FakeClock


async def test_advance_wakes_in_order() -> None:
    """advance() moves time, runs callbacks and wakes sleepers in the order they are due."""
    clock = FakeClock(start=10.0)
    seen: list[tuple[str, float]] = []
    clock.call_at(12.0, lambda: seen.append(("at 12", clock())))
    clock.call_later(1.0, lambda: seen.append(("after 1", clock())))
    sleeper = asyncio.ensure_future(clock.sleep(1.5))
    await asyncio.sleep(0)
    assert clock.sleepers == 1
    clock.advance(1.5)
    await asyncio.sleep(0)
    assert sleeper.done()
    assert seen == [("after 1", 11.0)]
    clock.advance(1.0)
    assert seen == [("after 1", 11.0), ("at 12", 12.0)]
    assert clock() == 12.5
    assert clock.sleeps == [1.5]
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


async def test_run_jumps_between_wakeups() -> None:
    """run() lets a task sleep for hours in no time and returns its result."""
    clock = FakeClock()

    async def napper() -> float:
        for delay in (60.0, 3600.0, 0.5):
            await clock.sleep(delay)
        return clock()

    assert await clock.run(napper()) == 1000.0 + 3660.5
    assert clock.sleeps == [60.0, 3600.0, 0.5]


async def test_run_until_a_moment() -> None:
    """run_until() with seconds stops at that moment, leaving the task asleep."""
    clock = FakeClock(start=0.0)
    task = asyncio.ensure_future(clock.sleep(5))
    await clock.run_until(task, seconds=2)
    assert clock() == 2
    assert not task.done()
    await clock.run_until(task)
    assert task.done()
    assert clock() == 5


async def test_cancelled_sleeper_leaves() -> None:
    """A cancelled sleeper is forgotten; cancel_sleepers() ends those left."""
    clock = FakeClock()
    first = asyncio.ensure_future(clock.sleep(1))
    second = asyncio.ensure_future(clock.sleep(2))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert clock.sleepers == 1
    assert clock.cancel_sleepers() == 1
    await asyncio.gather(second, return_exceptions=True)
    assert second.cancelled()
    assert clock.next_wakeup() is None


async def test_run_refuses_a_task_waiting_elsewhere() -> None:
    """A task waiting on something else than the clock is reported, not waited for forever."""
    clock = FakeClock()
    forever = asyncio.get_running_loop().create_future()
    with pytest.raises(TimeoutError):
        await clock.run(forever, limit=0.05)
