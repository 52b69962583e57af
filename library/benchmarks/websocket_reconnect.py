"""Does a notification websocket come back after a server outage: ours beside plexwebsocket.

Two clients follow one Plex Media Server simulator (in this process) at once: the library's
ServerFollower with its default FollowSettings, and plexwebsocket 0.0.14 as Home Assistant
core's Plex integration runs it (`PlexWebsocket(server, callback, subscriptions=["playing",
"status"], session=...)`, `listen()`). Each scenario starts both afresh, waits until both hold
the websocket (long enough for ours to count it as held), then breaks it: the websocket
dropped, the server asleep (`sleep()`, then `wake()`) for a while, or upgrades refused with
503 for a while; then waits until both are back, or have stopped, or a limit passes.

Time runs `--speed` times faster than real for both clients' waits alike: ours through the
follower's injectable clock and sleep, plexwebsocket through its module's asyncio, whose
sleep is patched to sleep `delay / speed`. Every time printed is in simulated seconds.
"""

import argparse
import asyncio
import contextlib
import importlib
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession, TraceConfig
from aioplexaccount import FollowSettings, Resource, ServerFollower

from harness import runner
from library.simulators.pms import SAMPLE_TOKEN, PMSSimulator

from .connection_choice import PREFERRED, server_resource

NOTIFICATIONS = "/:/websockets/notifications"
# After the server is back, how long (simulated) to wait for both at most: longer than
# plexwebsocket's longest pause (240 s) and ours (60 s).
SETTLE = 300.0
SETTINGS = FollowSettings()
# label, kind (dropped, asleep or refused), outage in simulated seconds
SCENARIOS = {
    "a": ("(a) websocket dropped", "dropped", 0),
    "b": ("(b) asleep 1 min", "asleep", 60),
    "c": ("(c) asleep 5 min", "asleep", 300),
    "d": ("(d) asleep 10 min", "asleep", 600),
    "e": ("(e) asleep 30 min", "asleep", 1800),
    "f": ("(f) ws refused 5 min", "refused", 300),
}


class ScaledTime:
    """Simulated seconds: `speed` of them pass per real second, for both clients alike."""

    def __init__(self, speed: float) -> None:
        """Start the simulated clock at zero now."""
        self.speed = speed
        self.origin = time.monotonic()

    def clock(self) -> float:
        """Return simulated seconds since the start."""
        return (time.monotonic() - self.origin) * self.speed

    async def sleep(self, seconds: float) -> None:
        """Sleep simulated seconds."""
        await asyncio.sleep(max(seconds, 0.0) / self.speed)

    async def until(self, done: Callable[[], bool], limit: float) -> None:
        """Look every quarter of a simulated second until done() or `limit` seconds passed."""
        deadline = self.clock() + limit
        while not done() and self.clock() < deadline:
            await self.sleep(0.25)


@dataclass(kw_only=True)
class Client:
    """What one client sent, as aiohttp's tracing saw it, on the simulated clock."""

    name: str
    clock: Callable[[], float]
    websocket: list[tuple[float, bool]] = field(default_factory=list)
    """(when, upgraded) per websocket attempt."""
    http: list[float] = field(default_factory=list)
    """When each other request was sent (ours reads the sessions while the websocket is down)."""
    gave_up: float | None = None

    def trace(self) -> TraceConfig:
        """Return aiohttp tracing that records every request and its outcome."""
        config = TraceConfig()

        def record(url: Any, upgraded: bool) -> None:  # noqa: ANN401, FBT001
            if url.path == NOTIFICATIONS:
                self.websocket.append((self.clock(), upgraded))
            else:
                self.http.append(self.clock())

        async def end(_: object, __: object, params: Any) -> None:  # noqa: ANN401
            record(params.url, params.response.status == 101)

        async def failed(_: object, __: object, params: Any) -> None:  # noqa: ANN401
            record(params.url, upgraded=False)

        config.on_request_end.append(end)
        config.on_request_exception.append(failed)
        return config

    def back(self, since: float) -> float | None:
        """Return when the first upgrade after `since` happened, if one did."""
        return next((when for when, ok in self.websocket if when >= since and ok), None)

    def settled(self, since: float) -> bool:
        """Return whether the client gave up, or holds the websocket again since `since`."""
        return self.gave_up is not None or (self.back(since) is not None and self.websocket[-1][1])


@contextlib.asynccontextmanager
async def ours(sim: PMSSimulator, scaled: ScaledTime) -> AsyncIterator[Client]:
    """Run a ServerFollower of the simulator, its sleep and clock scaled."""
    client = Client(name="aioplexaccount", clock=scaled.clock)
    resource = server_resource(sim.port or 0, sim.port or 0)
    resource["connections"] = resource["connections"][:1]
    async with ClientSession(trace_configs=[client.trace()]) as session:
        follower = ServerFollower(
            session=session,
            resource=Resource.from_dict(resource),
            on_sessions=lambda _: None,
            clock=scaled.clock,
            sleep=scaled.sleep,
        )
        task = asyncio.create_task(follower.run())
        try:
            yield client
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.asynccontextmanager
async def theirs(
    sim: PMSSimulator, plexwebsocket: ModuleType, scaled: ScaledTime
) -> AsyncIterator[Client]:
    """Run plexwebsocket's listen() on the simulator, as core runs it."""
    client = Client(name=f"plexwebsocket {runner.version('plexwebsocket')}", clock=scaled.clock)
    # plexwebsocket only reads the server's url(path, includeToken=True).
    server = SimpleNamespace(url=lambda path, **_: f"{sim.url}{path}?X-Plex-Token={SAMPLE_TOKEN}")

    def callback(kind: str, data: object, error: object) -> None:
        # Stopped with an error: it gave up (close() stops it without one).
        stopped = (
            kind == plexwebsocket.SIGNAL_CONNECTION_STATE and data == plexwebsocket.STATE_STOPPED
        )
        if stopped and error and client.gave_up is None:
            client.gave_up = scaled.clock()

    async with ClientSession(trace_configs=[client.trace()]) as session:
        socket = plexwebsocket.PlexWebsocket(
            server, callback, subscriptions=["playing", "status"], session=session
        )
        task = asyncio.create_task(socket.listen())
        try:
            yield client
        finally:
            socket.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def scenario(key: str, speed: float, plexwebsocket: ModuleType) -> list[list[object]]:
    """Start both clients, break the websocket, wait for both; return the table's rows."""
    label, kind, outage = SCENARIOS[key]
    sim = PMSSimulator(token=SAMPLE_TOKEN)
    await sim.start(PREFERRED)
    scaled = ScaledTime(speed)
    # plexwebsocket uses asyncio.sleep and asyncio.TimeoutError, nothing else of asyncio.
    scaled_asyncio = SimpleNamespace(sleep=scaled.sleep, TimeoutError=TimeoutError)
    try:
        with patch.object(plexwebsocket, "asyncio", scaled_asyncio):
            async with ours(sim, scaled) as mine, theirs(sim, plexwebsocket, scaled) as peer:
                await scaled.until(lambda: sim.open_websockets == 2, limit=60)
                if sim.open_websockets != 2:
                    msg = f"{label}: the clients did not both connect"
                    raise runner.BenchmarkError(msg)
                # Held long enough to count as working, before it breaks.
                await scaled.sleep(SETTINGS.stable_after + 1)
                broken = scaled.clock()
                if kind == "dropped":
                    sim.drop_websockets()
                elif kind == "asleep":
                    await sim.sleep()
                    await scaled.sleep(outage)
                    await sim.wake()
                else:
                    sim.refuse_websockets(refuse=True)
                    sim.drop_websockets()
                    await scaled.sleep(outage)
                    sim.refuse_websockets(refuse=False)
                restored = scaled.clock()
                await scaled.until(lambda: mine.settled(broken) and peer.settled(broken), SETTLE)
    finally:
        await sim.stop()
    rows = []
    for client in (mine, peer):
        back = client.back(broken)
        end = back if back is not None else float("inf")
        if back is not None:
            came_back, after = "yes", f"{max(back - restored, 0.0):.1f} s"
        elif client.gave_up is not None:
            came_back, after = f"no: stopped at {client.gave_up - broken:.0f} s", "-"
        else:
            came_back, after = f"not within {SETTLE:.0f} s", "-"
        tries = sum(broken <= when <= end for when, _ in client.websocket)
        requests = sum(broken <= when <= end for when in client.http)
        rows.append(
            [label, client.name, f"{restored - broken:.0f} s", came_back, after, tries, requests]
        )
    return rows


async def run(args: argparse.Namespace) -> None:
    """Run the chosen scenarios one after the other; print the table."""
    runner.ensure_peers()
    plexwebsocket = importlib.import_module("plexwebsocket")
    random.seed(args.seed)  # our back-off's jitter
    print(
        f"Ours backs off {SETTINGS.min_backoff:g} s doubling to {SETTINGS.max_backoff:g} s, "
        f"jitter {SETTINGS.jitter:.0%}, seed {args.seed}; time {args.speed:g}x faster than "
        "real for both clients' waits and for the outage."
    )
    rows = []
    for key in args.scenarios:
        started = time.monotonic()
        rows += await scenario(key, args.speed, plexwebsocket)
        print(f"  {SCENARIOS[key][0]}: {time.monotonic() - started:.0f} s real", flush=True)
    print()
    columns = "<scenario|<client|outage|<came back|after the server|ws attempts|HTTP requests"
    print(runner.table(columns, rows))
    print(
        "\nSimulated seconds. outage: from breaking the websocket to the server serving it "
        "again. came back: whether the client held the websocket again (or when, after the "
        "break, it stopped trying). after the server: from the server serving the websocket "
        "again to the client's upgrade. ws attempts: websocket connections tried from the "
        "break to the upgrade (the upgrade included). HTTP requests: other requests in that "
        "time (ours reads the sessions while the websocket is down, and asks who answers)."
    )


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--speed", type=float, default=30.0, help="simulated s per real s (30)")
    parser.add_argument("--seed", type=int, default=1, help="seed of our back-off's jitter (1)")
    parser.add_argument("--scenarios", default="".join(SCENARIOS), help="which, by letter")


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"speed": 120.0, "scenarios": "abf"})


if __name__ == "__main__":
    main()
