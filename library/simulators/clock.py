"""Virtual time: a clock that moves only when told to, and a sleep that waits on it.

Both simulators read the time from any `Callable[[], float]` (time.monotonic by default), and
sleep on its `sleep` when it has one. In tests they share a FakeClock with the code under test,
such as the pin poller, so that minutes of pin lifetime, back-off, rate limits, fault delays and
progress notifications pass in no time and every delay is exact.
"""

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(order=True)
class _Timer:
    when: float
    seq: int
    future: asyncio.Future[None] | None = field(compare=False)
    task: asyncio.Task[Any] | None = field(compare=False)
    callback: Callable[[], object] | None = field(compare=False)


class FakeClock:
    """Seconds on a monotonic clock that stands still until advance() or run() moves it.

    `clock()` reads it; `await clock.sleep(delay)` waits until the clock has moved `delay`
    seconds on and records the delay in `sleeps`; call_later() runs a callback then.
    advance() moves the clock by hand; run() lets a task run, jumping from one wake-up to the
    next whenever every woken task sleeps again.
    """

    def __init__(self, start: float = 1000.0) -> None:
        """Start at `start` seconds; a non-zero start catches code that assumes zero."""
        self._now = start
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self._changed: asyncio.Event | None = None
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        """Return the current time in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock on, waking the sleepers and running the callbacks now due, in order."""
        if seconds < 0:
            msg = "the clock only moves forward"
            raise ValueError(msg)
        target = self._now + seconds
        while self._timers and self._timers[0].when <= target:
            self._fire(heapq.heappop(self._timers))
        self._now = target

    def call_later(self, delay: float, callback: Callable[[], object]) -> None:
        """Run callback once the clock has moved `delay` seconds on."""
        heapq.heappush(
            self._timers, _Timer(self._now + delay, next(self._seq), None, None, callback)
        )

    async def sleep(self, delay: float) -> None:
        """Wait until the clock has moved `delay` seconds on; a drop-in for asyncio.sleep."""
        self.sleeps.append(delay)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        timer = _Timer(self._now + max(delay, 0.0), next(self._seq), future, None, None)
        timer.task = asyncio.current_task()
        heapq.heappush(self._timers, timer)
        self._notify()
        try:
            await future
        except asyncio.CancelledError:
            if timer in self._timers:
                self._timers.remove(timer)
                heapq.heapify(self._timers)
            raise

    @property
    def sleepers(self) -> int:
        """Return how many tasks are asleep on this clock."""
        return sum(1 for timer in self._timers if timer.future is not None)

    def next_wakeup(self) -> float | None:
        """Return when the next sleeper wakes or callback runs, or None if nothing waits."""
        return self._timers[0].when if self._timers else None

    async def run[T](self, awaitable: Awaitable[T], *, limit: float = 10.0) -> T:
        """Run an awaitable to its end on this clock and return its result.

        Raises TimeoutError when it takes more than `limit` seconds of real time: a task
        that waits on something else than this clock would otherwise hang the test.
        """
        task = asyncio.ensure_future(awaitable)
        await self.run_until(task, limit=limit)
        return await task

    async def run_until(
        self,
        task: asyncio.Future[Any],
        *,
        seconds: float | None = None,
        limit: float = 10.0,
    ) -> None:
        """Let task run until it ends, or until `seconds` have passed on this clock.

        Whenever task is asleep on this clock (and so is every task woken with it), the clock
        jumps to the next wake-up. Raises TimeoutError after `limit` seconds of real time.
        """
        deadline = None if seconds is None else self._now + seconds
        waiting = [task]
        async with asyncio.timeout(limit):
            while True:
                for other in waiting:
                    await self._until_asleep_or_done(other)
                if task.done():
                    return
                wakeup = self.next_wakeup()
                if wakeup is None:
                    msg = "the task waits on something other than this clock"
                    raise RuntimeError(msg)
                if deadline is not None and wakeup > deadline:
                    self._now = deadline
                    return
                timer = heapq.heappop(self._timers)
                self._now = max(self._now, timer.when)
                self._fire(timer)
                waiting = [task] if timer.task is None else [task, timer.task]

    def cancel_sleepers(self) -> int:
        """Cancel every sleeper (for a test's teardown); return how many there were."""
        sleepers = [timer for timer in self._timers if timer.future is not None]
        for timer in sleepers:
            if timer.future is not None:
                timer.future.cancel()
        return len(sleepers)

    def _fire(self, timer: _Timer) -> None:
        self._now = max(self._now, timer.when)
        if timer.future is not None:
            if not timer.future.done():
                timer.future.set_result(None)
        elif timer.callback is not None:
            timer.callback()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def _asleep(self, task: asyncio.Future[Any]) -> bool:
        return any(timer.task is task and timer.future is not None for timer in self._timers)

    async def _until_asleep_or_done(self, task: asyncio.Future[Any]) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        changed = self._changed
        task.add_done_callback(lambda _: changed.set())
        while not task.done() and not self._asleep(task):
            changed.clear()
            await changed.wait()
