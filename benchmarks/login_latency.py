"""Sign-in latency: the integration's link-code flow beside python-plexapi and plexauth.

One plex.tv simulator in this process (one check of a pin per second at most, as plex.tv) and
each client in turn: plex_account's config flow in a test Home Assistant, finished as the
frontend does; python-plexapi's MyPlexPinLogin thread; plexauth's token(), as core's Plex
integration uses it. Each code is approved after a random pause; timed from the approval to
the token (or the entry). Then three 503s, a dropped connection and a 429 are served to each
login's checks before the approval: who still signs in?
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
from dataclasses import dataclass
from typing import Any, NamedTuple

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

type Begin = Callable[[], Awaitable[tuple[str, asyncio.Future[float]]]]
"""Show a code; return it and the future moment of the token: cancelled, the client stops."""


async def plex_account(hass: HomeAssistant) -> tuple[str, asyncio.Future[float]]:
    """Open the integration's flow, submit the names; on each "progressed", fetch it again."""
    flows = hass.config_entries.flow
    flow_id = (await flows.async_init(DOMAIN, context={"source": SOURCE_USER}))["flow_id"]
    progressed = asyncio.Event()

    @callback
    def on_progressed(event: Event[Any]) -> None:
        if event.data.get("flow_id") == flow_id:
            progressed.set()

    unsubscribe = hass.bus.async_listen(EVENT_DATA_ENTRY_FLOW_PROGRESSED, on_progressed)
    shown = await flows.async_configure(flow_id, NAMES)

    async def finish() -> float:
        try:
            while True:
                await progressed.wait()
                progressed.clear()
                result = await flows.async_configure(flow_id)
                if result["type"] is FlowResultType.CREATE_ENTRY:
                    return time.monotonic()  # a new account each time: none aborts
                if result["type"] is not FlowResultType.SHOW_PROGRESS:
                    msg = f"{result['type']} {result.get('step_id')}"
                    raise runner.BenchmarkError(msg)
        finally:
            unsubscribe()
            with contextlib.suppress(Exception):
                flows.async_abort(flow_id)

    return (shown.get("description_placeholders") or {})["code"], asyncio.ensure_future(finish())


async def python_plexapi(sim: PlexTVSimulator) -> tuple[str, asyncio.Future[float]]:
    """Create python-plexapi's pin (blocking, so in a thread) and start its polling thread."""
    myplex = importlib.import_module("plexapi.myplex")
    myplex.MyPlexPinLogin.PINS = f"{sim.url}{PINS}"
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy from the environment
    login = myplex.MyPlexPinLogin(session=session)
    code = await asyncio.to_thread(lambda: login.pin)
    loop = asyncio.get_running_loop()
    token: asyncio.Future[float] = loop.create_future()

    def arrived(_: str) -> None:  # on python-plexapi's thread
        now = time.monotonic()
        loop.call_soon_threadsafe(lambda: None if token.done() else token.set_result(now))

    login.run(callback=arrived)

    async def wait() -> float:
        try:
            # It calls back on success only; any error just marks the login expired.
            while not token.done():
                if login.finished and not login.token:
                    raise runner.BenchmarkError("marked expired" if login.expired else "stopped")
                await asyncio.sleep(0.05)
            return await token
        finally:
            await asyncio.to_thread(login.stop)
            session.close()

    return code, asyncio.ensure_future(wait())


async def plexauth(
    sim: PlexTVSimulator, session: ClientSession
) -> tuple[str, asyncio.Future[float]]:
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

    async def wait() -> float:
        if not await auth.token():
            msg = "no token"
            raise runner.BenchmarkError(msg)
        return time.monotonic()

    return code, asyncio.ensure_future(wait())


@dataclass(kw_only=True)
class Login:
    """One login: its pin's checks path, when it was approved, and its latency (or error)."""

    path: str = ""
    approved: float = 0.0
    latency: float | None = None
    error: str = ""


async def login(begin: Begin, sim: PlexTVSimulator, delay: float, *, hiccups: bool) -> Login:
    """Show a code, approve it after delay (or after the injected faults), time the token."""
    try:
        code, token = await begin()
    except Exception as err:  # noqa: BLE001 - a failed login is a result, not a crash
        return Login(error=repr(err))
    result = Login(path=f"{PINS}/{sim.find_pending_pin(code).id}")
    try:
        if hiccups:
            sim.add_fault(result.path, method="GET", status=503, count=3)
            sim.add_fault(result.path, method="GET", drop=True)
            sim.add_fault(result.path, method="GET", status=429, headers={"Retry-After": "2"})
            deadline = time.monotonic() + HICCUP_TIMEOUT
            # Served as the client checks: look every 50 ms.
            while any(f.path == result.path for f in sim.faults) and time.monotonic() < deadline:
                await asyncio.wait([token], timeout=0.05)
                if token.done():
                    break
            sim.faults[:] = [f for f in sim.faults if f.path != result.path]
        else:
            await asyncio.sleep(delay)
        if not token.done():
            account = sample_account() | {
                "uuid": uuid.uuid4().hex,
                "username": uuid.uuid4().hex[:8],
            }
            sim.approve(code, account | {"id": secrets.randbelow(10**9)})
            result.approved = time.monotonic()
        async with asyncio.timeout(OUTCOME_TIMEOUT):
            arrived = await asyncio.shield(token)
        result.latency = arrived - result.approved if result.approved else None
        result.error = "" if result.approved else "ended before the approval"
    except TimeoutError:
        result.error = f"no token {OUTCOME_TIMEOUT:.0f} s after the approval"
    except Exception as err:  # noqa: BLE001 - why it failed is a result
        result.error = f"{type(err).__name__}: {err}"
    finally:
        token.cancel()
        with contextlib.suppress(BaseException):
            await token
    return result


class Answer(NamedTuple):
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
        arrived, status = time.monotonic(), None
        try:
            response = await handler(request)
            status = (
                None
                if request.transport is None or request.transport.is_closing()
                else response.status
            )
        except web.HTTPException as err:
            status = err.status
            raise
        finally:
            answers.append(Answer(arrived, request.method, request.path, status))
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
    begin: Begin,
    sim: PlexTVSimulator,
    delays: list[float],
    at_once: int,
    *,
    hiccups: bool,
) -> list[Login]:
    """Run one login per delay, `at_once` at a time; print how they ended."""
    began, gate = time.monotonic(), asyncio.Semaphore(max(at_once, 1))

    async def one(delay: float) -> Login:
        async with gate:
            return await login(begin, sim, delay, hiccups=hiccups)

    if not delays:
        return []
    results = list(await asyncio.gather(*(one(delay) for delay in delays)))
    failed = [r.error.splitlines()[0][:120] for r in results if r.latency is None]
    what = f"{name}{' with hiccups' if hiccups else ''}"
    print(
        f"  {what}: {len(results) - len(failed)}/{len(results)} in {time.monotonic() - began:.0f} s"
    )
    print(
        "".join(f"    {failed.count(reason)}x {reason}\n" for reason in sorted(set(failed))), end=""
    )
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
        clients: dict[str, Begin] = {
            "plex_account": lambda: plex_account(hass),
            f"python-plexapi {runner.version('plexapi')}": lambda: python_plexapi(sim),
            f"plexauth {runner.version('plexauth')}": lambda: plexauth(sim, session),
        }
        for name, begin in clients.items():
            first = len(answers)
            main = await logins(name, begin, sim, delays, args.concurrency, hiccups=False)
            seen, hiccups = answers[first:], [0.0] * args.hiccup_logins
            faulty = await logins(name, begin, sim, hiccups, len(hiccups), hiccups=True)
            rows.append(row(name, main, faulty, seen))
    columns = "<client|logins|ok|median|p95|to token|checks/min|429s|hiccups ok"
    print(f"\n{runner.table(columns, rows)}")


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--logins", type=int, default=30, help="logins per client (30)")
    parser.add_argument("--hiccup-logins", type=int, default=10, help="with faults; 0 skips (10)")
    parser.add_argument("--concurrency", type=int, default=8, help="logins at once per client (8)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the approval delays")
    parser.add_argument(
        "--longest-pause", type=float, default=5.0, help="approval after 0.5 s to this (5)"
    )


def main() -> None:
    """Run the benchmark."""
    # plexauth checks every 3 s: its hiccups alone would take 15 s.
    quick = {"logins": 2, "hiccup_logins": 0, "concurrency": 2, "longest_pause": 1.0}
    runner.main(__doc__, options, run, quick=quick)


if __name__ == "__main__":
    main()
