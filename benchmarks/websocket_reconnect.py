"""Does a notification websocket come back after a server outage: ours beside plexwebsocket.

Two clients follow one Plex Media Server simulator (library/simulators/pms, in this process) at once:

- ours: `NotificationListener` (custom_components/plex_account/pms/notifications.py) with its
  defaults: the websocket is tried again after 1 s, doubling up to 60 s, less up to 20 %
  jitter, for as long as it runs; while it is down the sessions are read over HTTP;
- plexwebsocket 0.0.14, as Home Assistant core's Plex integration runs it
  (`PlexWebsocket(server, callback, subscriptions=["playing", "status"], session=...)`,
  `listen()`): 5 s after a websocket closes it connects again; after a failed connection it
  waits 15, 30, 60, 120, 240 s, and the sixth failure in a row stops it for good.

Each scenario starts both clients afresh, waits until both hold the websocket, then breaks it:
the websocket dropped (the server stays up), the server asleep (`PMSSimulator.sleep()`: its
port closed, every connection dropped; `wake()` serves again) for a while, or websocket
upgrades refused with 503 (HTTP still answers) for a while. Then it waits until both are
back, or have stopped, or a limit passes.

Time runs `--speed` times faster than real for both clients' own waits, alike: ours through
the listener's injectable `sleep` and `clock`, plexwebsocket through its module's
`asyncio.sleep`, patched to sleep `delay / speed`. Connection attempts themselves (refused at
once on loopback) and the server's outage are real time scaled the same way: an outage of
300 s lasts 300 / speed real seconds. Every time printed is in simulated seconds.

Run from the repository root:

    .venv/bin/python -m benchmarks.websocket_reconnect [--speed 30] [--seed 1]

plexwebsocket and python-plexapi are installed on first use into .cache/bench-peers.
"""

import argparse
import asyncio
import contextlib
import importlib
import importlib.metadata
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest.mock import patch

from aiohttp import (
    ClientSession,
    TraceConfig,
    TraceRequestEndParams,
    TraceRequestExceptionParams,
    TraceRequestStartParams,
)

from benchmarks.common import (
    ensure_peers,
    load_average,
    loopback_only,
    machine,
    render_table,
    setup_logging,
)
from custom_components.plex_account.aioplexaccount import NotificationListener, PMSClient, Session
from custom_components.plex_account.aioplexaccount import notifications as ours_module
from library.simulators.pms import SAMPLE_MACHINE_IDENTIFIER, SAMPLE_TOKEN, PMSSimulator

NOTIFICATIONS_PATH = "/:/websockets/notifications"
SWITCHING_PROTOCOLS = 101
# After the server is back, how long (simulated) to wait for both clients at most: longer
# than plexwebsocket's longest pause (240 s) and ours (60 s).
SETTLE = 300.0


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One way of breaking the websocket, and for how long (simulated seconds)."""

    key: str
    label: str
    kind: str
    """dropped, asleep or refused."""
    outage: float = 0.0


SCENARIOS = [
    Scenario(key="a", label="(a) websocket dropped", kind="dropped"),
    Scenario(key="b", label="(b) asleep 1 min", kind="asleep", outage=60),
    Scenario(key="c", label="(c) asleep 5 min", kind="asleep", outage=300),
    Scenario(key="d", label="(d) asleep 10 min", kind="asleep", outage=600),
    Scenario(key="e", label="(e) asleep 30 min", kind="asleep", outage=1800),
    Scenario(key="f", label="(f) ws refused 5 min", kind="refused", outage=300),
]


@dataclass(kw_only=True)
class Attempts:
    """What one client sent, as aiohttp's tracing saw it, on the simulated clock."""

    clock: Callable[[], float]
    websocket: list[tuple[float, bool]] = field(default_factory=list)
    """(when, upgraded) per websocket connection attempt."""
    http: list[tuple[float, bool]] = field(default_factory=list)
    """(when, answered) per plain HTTP request (ours reads the sessions while it is down)."""
    _pending: dict[int, bool] = field(default_factory=dict)

    def trace_config(self) -> TraceConfig:
        """Return aiohttp tracing that records every request's start and outcome."""
        config = TraceConfig()

        async def start(_: ClientSession, context: Any, params: TraceRequestStartParams) -> None:  # noqa: ANN401
            self._pending[id(context)] = params.url.path == NOTIFICATIONS_PATH

        async def end(_: ClientSession, context: Any, params: TraceRequestEndParams) -> None:  # noqa: ANN401
            websocket = self._pending.pop(id(context), False)
            if websocket:
                self.websocket.append((self.clock(), params.response.status == SWITCHING_PROTOCOLS))
            else:
                self.http.append((self.clock(), True))

        async def failed(
            _: ClientSession,
            context: Any,  # noqa: ANN401
            params: TraceRequestExceptionParams,
        ) -> None:
            websocket = self._pending.pop(id(context), False)
            (self.websocket if websocket else self.http).append((self.clock(), False))

        config.on_request_start.append(start)
        config.on_request_end.append(end)
        config.on_request_exception.append(failed)
        return config

    def connected(self) -> bool:
        """Return whether the last websocket attempt upgraded."""
        return bool(self.websocket) and self.websocket[-1][1]

    def first_upgrade_after(self, moment: float) -> float | None:
        """Return when the first websocket attempt after moment upgraded."""
        return next((when for when, ok in self.websocket if when >= moment and ok), None)


@dataclass(kw_only=True)
class Outcome:
    """One client in one scenario."""

    client: str
    attempts: Attempts
    gave_up: float | None = None
    """When the client stopped trying for good (simulated seconds), if it did."""


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

    async def until(self, moment: float) -> None:
        """Sleep until the simulated clock reads moment."""
        await self.sleep(moment - self.clock())


def plexwebsocket_asyncio(scaled: ScaledTime) -> SimpleNamespace:
    """Return what plexwebsocket reads of its module's `asyncio`, its sleep scaled.

    plexwebsocket 0.0.14 uses asyncio.sleep (its retry and reconnect delays) and
    asyncio.TimeoutError, nothing else.
    """
    return SimpleNamespace(sleep=scaled.sleep, TimeoutError=asyncio.TimeoutError)


@contextlib.asynccontextmanager
async def ours(sim: PMSSimulator, scaled: ScaledTime, rng: random.Random) -> AsyncIterator[Outcome]:
    """Run a NotificationListener on the simulator, its sleep and clock scaled."""
    outcome = Outcome(client="plex_account", attempts=Attempts(clock=scaled.clock))
    async with ClientSession(trace_configs=[outcome.attempts.trace_config()]) as session:
        client = PMSClient(session=session, base_url=sim.url, token=SAMPLE_TOKEN)

        def on_sessions(_: list[Session]) -> None:
            pass

        listener = NotificationListener(
            client=client,
            on_sessions=on_sessions,
            clock=scaled.clock,
            sleep=scaled.sleep,
            random=rng.random,
        )
        listener.start()
        try:
            yield outcome
        finally:
            await listener.stop()


@contextlib.asynccontextmanager
async def theirs(
    sim: PMSSimulator, scaled: ScaledTime, plexwebsocket: ModuleType
) -> AsyncIterator[Outcome]:
    """Run plexwebsocket's listen() on the simulator, as core runs it, its sleeps scaled."""
    outcome = Outcome(client="plexwebsocket 0.0.14", attempts=Attempts(clock=scaled.clock))
    # plexwebsocket only reads the server's url(path, includeToken=True).
    server = SimpleNamespace(
        url=lambda path, includeToken: f"{sim.url}{path}?X-Plex-Token={SAMPLE_TOKEN}"  # noqa: ARG005, N803
    )

    def callback(msgtype: str, data: object, error: object) -> None:
        stopped = (
            msgtype == plexwebsocket.SIGNAL_CONNECTION_STATE and data == plexwebsocket.STATE_STOPPED
        )
        # Stopped with an error: it gave up (close() stops it without one).
        if stopped and error and outcome.gave_up is None:
            outcome.gave_up = scaled.clock()

    async with ClientSession(trace_configs=[outcome.attempts.trace_config()]) as session:
        socket = plexwebsocket.PlexWebsocket(
            server, callback, subscriptions=["playing", "status"], session=session
        )
        task = asyncio.create_task(socket.listen())
        try:
            yield outcome
        finally:
            socket.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def wait_until(
    scaled: ScaledTime, done: Callable[[], bool], limit: float, step: float = 0.25
) -> None:
    """Check done every `step` simulated seconds until it holds or `limit` seconds passed."""
    deadline = scaled.clock() + limit
    while not done() and scaled.clock() < deadline:
        await scaled.sleep(step)


@dataclass(kw_only=True)
class Result:
    """Both clients in one scenario, with the moments of the outage."""

    scenario: Scenario
    broken: float
    restored: float
    outcomes: list[Outcome]


async def break_and_mend(sim: PMSSimulator, scenario: Scenario, scaled: ScaledTime) -> float:
    """Break the websocket as the scenario says, for its outage; return when it was mended."""
    if scenario.kind == "dropped":
        sim.drop_websockets()
    elif scenario.kind == "asleep":
        await sim.sleep()
        await scaled.sleep(scenario.outage)
        await sim.wake()
    else:
        sim.refuse_websockets(refuse=True)
        sim.drop_websockets()
        await scaled.sleep(scenario.outage)
        sim.refuse_websockets(refuse=False)
    return scaled.clock()


async def run_scenario(
    scenario: Scenario, speed: float, rng: random.Random, plexwebsocket: ModuleType
) -> Result:
    """Start both clients, break the websocket, wait for both to come back or stop."""
    sim = PMSSimulator(machine_identifier=SAMPLE_MACHINE_IDENTIFIER, token=SAMPLE_TOKEN)
    await sim.start("127.0.0.1")
    scaled = ScaledTime(speed)
    try:
        with patch.object(plexwebsocket, "asyncio", plexwebsocket_asyncio(scaled)):
            async with (
                ours(sim, scaled, rng) as ours_outcome,
                theirs(sim, scaled, plexwebsocket) as theirs_outcome,
            ):
                outcomes = [ours_outcome, theirs_outcome]
                await wait_until(scaled, lambda: sim.open_websockets == 2, limit=60)
                if sim.open_websockets != 2:
                    msg = f"{scenario.label}: the clients did not both connect"
                    raise RuntimeError(msg)
                # Leave the listener's first sessions read behind.
                await scaled.sleep(1)
                broken = scaled.clock()
                restored = await break_and_mend(sim, scenario, scaled)

                def settled() -> bool:
                    return all(
                        outcome.gave_up is not None
                        or (
                            outcome.attempts.first_upgrade_after(broken) is not None
                            and outcome.attempts.connected()
                        )
                        for outcome in outcomes
                    )

                await wait_until(scaled, settled, limit=SETTLE)
    finally:
        await sim.stop()
    return Result(scenario=scenario, broken=broken, restored=restored, outcomes=outcomes)


def row(result: Result, outcome: Outcome) -> list[str]:
    """Return one table row: did it come back, how long after, how many attempts."""
    attempts = outcome.attempts
    back = attempts.first_upgrade_after(result.broken)
    websocket_tries = [when for when, _ in attempts.websocket if when >= result.broken]
    if back is not None:
        websocket_tries = [when for when in websocket_tries if when <= back]
    http_tries = [when for when, _ in attempts.http if when >= result.broken]
    if back is not None:
        http_tries = [when for when in http_tries if when <= back]
    if back is not None:
        came_back = "yes"
        after = f"{max(back - result.restored, 0.0):.1f} s"
    elif outcome.gave_up is not None:
        came_back = f"no: stopped at {outcome.gave_up - result.broken:.0f} s"
        after = "-"
    else:
        came_back = f"not within {SETTLE:.0f} s"
        after = "-"
    outage = result.restored - result.broken
    return [
        result.scenario.label,
        outcome.client,
        f"{outage:.0f} s",
        came_back,
        after,
        str(len(websocket_tries)),
        str(len(http_tries)),
    ]


def table(results: list[Result]) -> str:
    """Return the table: one row per scenario and client."""
    columns = [
        ("scenario", "<"),
        ("client", "<"),
        ("outage", ">"),
        ("came back", "<"),
        ("after the server", ">"),
        ("ws attempts", ">"),
        ("HTTP requests", ">"),
    ]
    return render_table(
        columns, [row(result, outcome) for result in results for outcome in result.outcomes]
    )


async def run(args: argparse.Namespace, plexwebsocket: ModuleType) -> list[Result]:
    """Run the chosen scenarios one after the other."""
    rng = random.Random(args.seed)  # noqa: S311 - jitter, not secrets
    results = []
    for scenario in SCENARIOS:
        if scenario.key in args.scenarios:
            started = time.monotonic()
            results.append(await run_scenario(scenario, args.speed, rng, plexwebsocket))
            print(f"  {scenario.label}: {time.monotonic() - started:.0f} s real", flush=True)
    return results


def parse_args() -> argparse.Namespace:
    """Read the options."""
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--speed",
        type=float,
        default=30.0,
        help="simulated seconds per real second, for both clients' waits (default 30)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of our back-off's jitter")
    parser.add_argument(
        "--scenarios",
        default="".join(scenario.key for scenario in SCENARIOS),
        help="which scenarios to run, by letter (default all)",
    )
    args = parser.parse_args()
    if args.speed <= 0:
        parser.error("--speed must be positive")
    known = {scenario.key for scenario in SCENARIOS}
    if not args.scenarios or set(args.scenarios) - known:
        parser.error(f"--scenarios takes letters among {''.join(sorted(known))}")
    return args


def main() -> None:
    """Print the figures."""
    args = parse_args()
    setup_logging()
    ensure_peers()
    plexwebsocket = importlib.import_module("plexwebsocket")
    # plexwebsocket logs each failed connection as an error; the table counts them.
    logging.getLogger("plexwebsocket").setLevel(logging.CRITICAL)
    print(machine())
    print(
        f"plexwebsocket {importlib.metadata.version('plexwebsocket')} beside ours "
        f"(back-off {ours_module.MIN_BACKOFF:g} s doubling to {ours_module.MAX_BACKOFF:g} s, "
        f"jitter {ours_module.DEFAULT_JITTER:.0%}, seed {args.seed}); time {args.speed:g}x "
        "faster than real for both clients' waits and for the outage."
    )
    with loopback_only():
        results = asyncio.run(run(args, plexwebsocket))
    print()
    print(table(results))
    print()
    print(
        "Simulated seconds. outage: from breaking the websocket to the server serving it "
        "again. came back: whether the client held the websocket again (or when, after the "
        "break, it stopped trying). after the server: from the server serving the websocket "
        "again to the client's upgrade. ws attempts: websocket connections tried from the "
        "break to the upgrade (the upgrade included). HTTP requests: other requests in that "
        "time (ours reads the sessions while the websocket is down)."
    )
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
