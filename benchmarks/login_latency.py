"""Sign-in latency: the integration's link-code flow beside python-plexapi and plexauth.

One plex.tv simulator in this process (real HTTP on loopback, one check of a pin per second at
most, as plex.tv) and each client in turn: plex_account, the real config flow in a test Home
Assistant finished as the frontend finishes it (on the flow's "progressed" event, fetch it
again); python-plexapi's MyPlexPinLogin thread (a check every second); plexauth 0.0.6's
token() (every three seconds), as Home Assistant core's Plex integration uses it. Each code is
approved after a random pause, and the time from the approval to the token (or the entry) is
measured. A second scenario serves three 503s, a dropped connection and a 429 to each login's
checks, and counts who still signs in.
"""

import argparse
import asyncio
import contextlib
import importlib
import random
import secrets
import statistics
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from aiohttp import ClientSession, web
from aiohttp.typedefs import Handler
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED, FlowResultType

from custom_components.plex_account.const import DOMAIN
from harness import runner
from library.simulators.plextv import PlexTVSimulator, sample_account

from .hass import NAMES, home_assistant

PINS = "/api/v2/pins"
OUTCOME_TIMEOUT = 30.0  # longest wait for the token once the code is approved
HICCUP_TIMEOUT = 60.0  # longest wait for a client to go through the injected faults
# What Home Assistant's core Plex integration hands to plexauth.
PLEXAUTH_PAYLOAD = {
    "X-Plex-Device-Name": "Home Assistant",
    "X-Plex-Version": "1.0",
    "X-Plex-Product": "Home Assistant",
    "X-Plex-Device": "Benchmark",
    "X-Plex-Platform": "Home Assistant",
    "X-Plex-Model": "Plex OAuth",
}


@dataclass(kw_only=True)
class Attempt:
    """A login that shows a code and waits for it to be approved."""

    code: str
    outcome: asyncio.Future[float | None]
    """The monotonic time the token (or entry) arrived; None if the login failed."""
    cancel: Callable[[], Awaitable[None]]
    errors: list[str] = field(default_factory=list)


def settle(future: asyncio.Future[float | None], value: float | None) -> None:
    """Resolve future unless it is done."""
    if not future.done():
        future.set_result(value)


def task_attempt(code: str, work: Awaitable[float | None], errors: list[str]) -> Attempt:
    """Return an attempt whose outcome is a task running work."""
    task = asyncio.ensure_future(work)

    async def cancel() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return Attempt(code=code, outcome=task, cancel=cancel, errors=errors)


async def plex_account(hass: HomeAssistant) -> Attempt:
    """Open the integration's flow, submit the names and finish it as the frontend does."""
    flows = hass.config_entries.flow
    flow_id = (await flows.async_init(DOMAIN, context={"source": SOURCE_USER}))["flow_id"]
    progressed = asyncio.Event()

    @callback
    def on_progressed(event: Event[Any]) -> None:
        if event.data.get("flow_id") == flow_id:
            progressed.set()

    unsubscribe = hass.bus.async_listen(EVENT_DATA_ENTRY_FLOW_PROGRESSED, on_progressed)
    result = await flows.async_configure(flow_id, NAMES)
    errors: list[str] = []

    async def finish() -> float | None:
        try:
            while True:
                await progressed.wait()
                progressed.clear()
                result = await flows.async_configure(flow_id)
                if result["type"] is FlowResultType.CREATE_ENTRY:
                    # Each login signs a new account in: none aborts as a duplicate.
                    return time.monotonic()
                if result["type"] is not FlowResultType.SHOW_PROGRESS:
                    errors.append(f"{result['type']} {result.get('step_id')}")
                    return None
        finally:
            unsubscribe()
            with contextlib.suppress(Exception):
                flows.async_abort(flow_id)

    return task_attempt(result["description_placeholders"]["code"], finish(), errors)


async def python_plexapi(sim: PlexTVSimulator) -> Attempt:
    """Create python-plexapi's pin (blocking, so in a thread) and start its polling thread."""
    myplex = importlib.import_module("plexapi.myplex")
    myplex.MyPlexPinLogin.PINS = f"{sim.url}{PINS}"
    loop = asyncio.get_running_loop()
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy from the environment
    login = myplex.MyPlexPinLogin(session=session)
    code = await asyncio.to_thread(lambda: login.pin)
    outcome: asyncio.Future[float | None] = loop.create_future()
    outcome.add_done_callback(lambda _: session.close())
    errors: list[str] = []

    async def watch() -> None:
        # It calls back on success only; any error just marks the login expired.
        while not outcome.done():
            if login.finished and not login.token:
                errors.append("marked expired" if login.expired else "stopped without token")
                settle(outcome, None)
            await asyncio.sleep(0.05)

    login.run(callback=lambda _: loop.call_soon_threadsafe(settle, outcome, time.monotonic()))
    watcher = asyncio.create_task(watch())

    async def cancel() -> None:
        watcher.cancel()
        await asyncio.to_thread(login.stop)
        settle(outcome, None)

    return Attempt(code=code, outcome=outcome, cancel=cancel, errors=errors)


async def plexauth(sim: PlexTVSimulator, session: ClientSession) -> Attempt:
    """Create plexauth's (strong) pin and start token(), as core's Plex flow does.

    plexauth posts to /api/v2/pins.json with its identity form-encoded; the simulator serves
    /api/v2/pins and reads X-Plex-* values from headers or the query, so they go there too.
    """
    module: Any = importlib.import_module("plexauth")
    module.CODES_URL = f"{sim.url}{PINS}?strong=true"
    module.TOKEN_URL = f"{sim.url}{PINS}/{{}}"
    headers: dict[str, str] = {}
    auth = module.PlexAuth(dict(PLEXAUTH_PAYLOAD), session, headers)
    headers |= PLEXAUTH_PAYLOAD | {"X-Plex-Client-Identifier": auth.client_identifier}
    headers["Accept"] = "application/json"
    await auth.initiate_auth()
    fragment = urllib.parse.urlsplit(auth.auth_url()).fragment
    code = urllib.parse.parse_qs(fragment.partition("?")[2])["code"][0]
    errors: list[str] = []

    async def wait() -> float | None:
        try:
            return time.monotonic() if await auth.token() else None
        except Exception as err:  # noqa: BLE001 - plexauth gives up on any error: count it
            errors.append(f"{type(err).__name__}: {err}")
            return None

    return task_attempt(code, wait(), errors)


@dataclass(kw_only=True)
class Login:
    """One login: its pin's checks path, when it was approved, and its latency (or error)."""

    path: str = ""
    approved: float = 0.0
    latency: float | None = None
    error: str = ""


async def login(
    begin: Callable[[], Awaitable[Attempt]], sim: PlexTVSimulator, delay: float, *, hiccups: bool
) -> Login:
    """Show a code, approve it after delay (or after the injected faults), time the token."""
    try:
        attempt = await begin()
    except Exception as err:  # noqa: BLE001 - a failed login is a result, not a crash
        return Login(error=repr(err))
    result = Login(path=f"{PINS}/{sim.find_pending_pin(attempt.code).id}")
    try:
        if hiccups:
            sim.add_fault(result.path, method="GET", status=503, count=3)
            sim.add_fault(result.path, method="GET", drop=True)
            sim.add_fault(result.path, method="GET", status=429, headers={"Retry-After": "2"})
            deadline = time.monotonic() + HICCUP_TIMEOUT
            # Served as the client checks: look every 50 ms.
            while any(f.path == result.path for f in sim.faults) and time.monotonic() < deadline:
                await asyncio.wait([attempt.outcome], timeout=0.05)
                if attempt.outcome.done():
                    break
            sim.faults[:] = [f for f in sim.faults if f.path != result.path]
        else:
            await asyncio.sleep(delay)
        if attempt.outcome.done():
            result.error = "; ".join(attempt.errors) or "gave up before the approval"
            return result
        account = sample_account() | {"uuid": uuid.uuid4().hex, "username": uuid.uuid4().hex[:8]}
        sim.approve(attempt.code, account | {"id": secrets.randbelow(10**9)})
        result.approved = time.monotonic()
        try:
            arrived = await asyncio.wait_for(asyncio.shield(attempt.outcome), OUTCOME_TIMEOUT)
        except TimeoutError:
            arrived = None
            attempt.errors.append(f"no token {OUTCOME_TIMEOUT:.0f} s after the approval")
        if arrived is None:
            result.error = "; ".join(attempt.errors) or "failed"
        else:
            result.latency = arrived - result.approved
        return result
    finally:
        await attempt.cancel()


@dataclass(kw_only=True)
class Answer:
    """One answer of the simulator: when the request arrived, and its status (None: dropped)."""

    time: float
    method: str
    path: str
    status: int | None


def record_answers(sim: PlexTVSimulator) -> list[Answer]:
    """Log every answer's status, 429s and faults included; call before sim.start()."""
    answers: list[Answer] = []

    @web.middleware
    async def recorder(request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived = time.monotonic()
        try:
            response = await handler(request)
        except web.HTTPException as err:
            answers.append(
                Answer(time=arrived, method=request.method, path=request.path, status=err.status)
            )
            raise
        dropped = request.transport is None or request.transport.is_closing()
        status = None if dropped else response.status
        answers.append(
            Answer(time=arrived, method=request.method, path=request.path, status=status)
        )
        return response

    sim.app.middlewares.insert(0, recorder)
    return answers


def row(
    name: str, logins: list[Login], hiccups: list[Login], answers: list[Answer]
) -> list[object]:
    """Count checks, 429s and the token's hand-out in the answers to one client's logins."""
    gaps, waited, token_seen = 0, 0.0, []
    for done in (login for login in logins if login.latency is not None):
        checks = [a for a in answers if a.method == "GET" and a.path == done.path]
        # The pace while waiting: checks after the first, over the time up to the token's.
        gaps += max(len(checks) - 1, 0)
        waited += checks[-1].time - checks[0].time if checks else 0.0
        handed = [a.time for a in checks if a.status == 200 and a.time >= done.approved]
        token_seen += [handed[0] - done.approved] if handed else []
    latencies = [login.latency for login in logins if login.latency is not None]
    return [
        name, len(logins), len(latencies),
        *(f"{v:.2f} s" for v in (statistics.median(latencies), runner.percentile(latencies, 0.95))),
        f"{statistics.median(token_seen):.2f} s" if token_seen else "-",
        f"{gaps / waited * 60:.0f}" if waited else "-",
        sum(answer.status == 429 for answer in answers),
        f"{sum(h.latency is not None for h in hiccups)}/{len(hiccups)}" if hiccups else "-",
    ]  # fmt: skip


async def logins(  # noqa: PLR0913
    name: str,
    begin: Callable[[], Awaitable[Attempt]],
    sim: PlexTVSimulator,
    delays: list[float],
    at_once: int,
    *,
    hiccups: bool,
) -> list[Login]:
    """Run one login per delay, `at_once` at a time; print how many succeeded, and why not."""
    began, gate = time.monotonic(), asyncio.Semaphore(max(at_once, 1))

    async def one(delay: float) -> Login:
        async with gate:
            return await login(begin, sim, delay, hiccups=hiccups)

    results = list(await asyncio.gather(*(one(delay) for delay in delays)))
    failed = [r.error.splitlines()[0][:120] for r in results if r.latency is None]
    print(
        f"  {name}{' with hiccups' if hiccups else ''}: {len(results) - len(failed)}/"
        f"{len(results)} in {time.monotonic() - began:.0f} s",
        flush=True,
    )
    for reason in sorted(set(failed)):
        print(f"    {failed.count(reason)}x {reason}")
    return results


async def run(args: argparse.Namespace) -> None:
    """Run both scenarios for the three clients; print the table."""
    runner.ensure_peers()
    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    rng = random.Random(seed)  # noqa: S311 - delays, not secrets
    delays = [rng.uniform(0.5, args.longest_pause) for _ in range(args.logins)]
    print(
        f"{args.logins} logins per client ({args.concurrency} at a time), approval after "
        f"0.5-{args.longest_pause:g} s (seed {seed}); {args.hiccup_logins} hiccup logins each"
    )
    sim = PlexTVSimulator(min_poll_interval=1.0)
    answers = record_answers(sim)
    rows = []
    async with sim, home_assistant(sim, set_up_entries=False) as hass, ClientSession() as session:
        clients: dict[str, Callable[[], Awaitable[Attempt]]] = {
            "plex_account": lambda: plex_account(hass),
            f"python-plexapi {runner.version('plexapi')}": lambda: python_plexapi(sim),
            f"plexauth {runner.version('plexauth')}": lambda: plexauth(sim, session),
        }
        for name, begin in clients.items():
            first = len(answers)
            main = await logins(name, begin, sim, delays, args.concurrency, hiccups=False)
            seen = answers[first:]
            hiccup = []
            if args.hiccup_logins:
                hiccups = [0.0] * args.hiccup_logins
                hiccup = await logins(name, begin, sim, hiccups, len(hiccups), hiccups=True)
            rows.append(row(name, main, hiccup, seen))
    columns = "<client|logins|ok|median|p95|to token|checks/min|429s|hiccups ok"
    print(f"\n{runner.table(columns, rows)}")


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--logins", type=int, default=30, help="logins per client (30)")
    parser.add_argument("--hiccup-logins", type=int, default=10, help="with faults; 0 skips (10)")
    parser.add_argument("--concurrency", type=int, default=8, help="logins at once per client (8)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the approval delays")
    parser.add_argument(
        "--longest-pause", type=float, default=5.0, help="approvals 0.5 s to this after the code"
    )


def main() -> None:
    """Run the benchmark."""
    # plexauth checks every 3 s: its hiccups alone would take 15 s.
    quick = {"logins": 2, "hiccup_logins": 0, "concurrency": 2, "longest_pause": 1.0}
    runner.main(__doc__, options, run, quick=quick)


if __name__ == "__main__":
    main()
