"""Sign-in latency: this integration's link-code flow beside python-plexapi and plexauth.

One run starts one plex.tv simulator on the loopback interface (real HTTP, one check of a pin
per second at most, as plex.tv) and signs in with each client in turn:

- plex_account: the real config flow in a test Home Assistant instance, finished the way the
  frontend finishes it (on the flow's "progressed" event, fetch the flow again);
- python-plexapi: MyPlexPinLogin's polling thread (a check every second);
- plexauth 0.0.6: PlexAuth.token() (a check every three seconds), as Home Assistant's core Plex
  integration uses it.

For every login the code is approved after a random pause and the time from the approval to
the token (or, for plex_account, to the config entry) is measured. A second scenario injects
503s, a dropped connection and a 429 into each login's wait and counts who still signs in.

Run from the repository root:

    .venv/bin/python -m benchmarks.login_latency [--logins 30] [--hiccup-logins 10]

The peers are installed on first use into .cache/bench-peers (see requirements-peers.txt).
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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

import requests
from aiohttp import ClientSession, web
from aiohttp.typedefs import Handler
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import (
    EVENT_DATA_ENTRY_FLOW_PROGRESSED,
    FlowResultType,
    UnknownFlow,
)

from benchmarks.common import (
    ensure_peers,
    home_assistant,
    load_average,
    loopback_only,
    machine,
    percentile,
    render_table,
    setup_logging,
)
from custom_components.plex_account.const import CONF_CLIENT_NAME, CONF_DEVICE_NAME, DOMAIN
from library.simulators.plextv import PlexTVSimulator, sample_account

PINS = "/api/v2/pins"
MIN_POLL_INTERVAL = 1.0  # plex.tv answers 429 to a pin checked more often than this
APPROVE_DELAY = (0.5, 5.0)  # seconds between showing the code and approving it
OUTCOME_TIMEOUT = 30.0  # longest wait for the token once the code is approved
HICCUP_TIMEOUT = 60.0  # longest wait for a client to go through the injected faults
NAMES = {CONF_CLIENT_NAME: "Home Assistant", CONF_DEVICE_NAME: "Benchmark"}
# What Home Assistant's core Plex integration hands to plexauth.
PLEXAUTH_PAYLOAD = {
    "X-Plex-Device-Name": "Home Assistant",
    "X-Plex-Version": "1.0",
    "X-Plex-Product": "Home Assistant",
    "X-Plex-Device": "Benchmark",
    "X-Plex-Platform": "Home Assistant",
    "X-Plex-Model": "Plex OAuth",
}


class NoCodeError(Exception):
    """A login could not even show a code."""


# The simulator's answers


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of the simulator: when the request arrived and what it got."""

    time: float
    method: str
    path: str
    status: int | None
    """The HTTP status, or None when the connection was dropped without an answer."""


def record_answers(sim: PlexTVSimulator) -> list[Answer]:
    """Log every answer's status: the simulator's own log has the requests only.

    A middleware placed before the simulator's own sees its rate-limit 429s, the injected
    faults and the normal answers alike. Call before sim.start().
    """
    answers: list[Answer] = []

    @web.middleware
    async def recorder(request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived = time.monotonic()
        try:
            response = await handler(request)
        except web.HTTPException as err:
            answers.append(Answer(arrived, request.method, request.path, err.status))
            raise
        transport = request.transport
        dropped = transport is None or transport.is_closing()
        status = None if dropped else response.status
        answers.append(Answer(arrived, request.method, request.path, status))
        return response

    sim.app.middlewares.insert(0, recorder)
    return answers


def pin_path(pin_id: int) -> str:
    """Return the path that checks one pin."""
    return f"{PINS}/{pin_id}"


def inject_hiccups(sim: PlexTVSimulator, pin_id: int) -> None:
    """Queue three 503s, a dropped connection and a 429 (Retry-After: 2) on a pin's checks."""
    path = pin_path(pin_id)
    sim.add_fault(path, method="GET", status=503, count=3)
    sim.add_fault(path, method="GET", drop=True)
    sim.add_fault(path, method="GET", status=429, headers={"Retry-After": "2"})


def hiccups_pending(sim: PlexTVSimulator, pin_id: int) -> bool:
    """Return whether some of a pin's injected faults have not been served yet."""
    path = pin_path(pin_id)
    return any(fault.path == path for fault in sim.faults)


def clear_hiccups(sim: PlexTVSimulator, pin_id: int) -> None:
    """Drop a pin's unserved faults (its client gave up before reaching them)."""
    path = pin_path(pin_id)
    sim.faults[:] = [fault for fault in sim.faults if fault.path != path]


def fresh_account(number: int) -> dict[str, Any]:
    """Return a new plex.tv account: one account signs in once (a second entry would abort)."""
    account = sample_account()
    account["id"] = 90_000_000 + number
    account["uuid"] = uuid.uuid4().hex
    account["username"] = f"bench{number}"
    account["title"] = f"bench{number}"
    return account


# The clients


@dataclass(kw_only=True)
class Attempt:
    """A login that shows a code and waits for it to be approved."""

    code: str
    pin_id: int
    outcome: asyncio.Future[float | None]
    """Resolves to the monotonic time the token (or entry) arrived, or None if the login failed."""
    cancel: Callable[[], Awaitable[None]]
    errors: list[str] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        """Return whether the client is still waiting for the code to be approved."""
        return not self.outcome.done()


class Client(Protocol):
    """One of the compared sign-in clients."""

    name: str

    async def begin(self) -> Attempt:
        """Create a pin, start waiting for its approval and return the code shown."""


def _settle(future: asyncio.Future[float | None], value: float | None) -> None:
    if not future.done():
        future.set_result(value)


class PlexAccountClient:
    """This integration: the config flow in a Home Assistant instance."""

    name = "plex_account"

    def __init__(self, hass: HomeAssistant, sim: PlexTVSimulator) -> None:
        """Drive flows in hass; pins are looked up in sim."""
        self.hass = hass
        self.sim = sim

    async def begin(self) -> Attempt:
        """Open the flow, submit the names and read the code from the progress step."""
        flows = self.hass.config_entries.flow
        result = await flows.async_init(DOMAIN, context={"source": SOURCE_USER})
        flow_id = result["flow_id"]
        progressed = asyncio.Event()

        @callback
        def on_progressed(event: Event[Any]) -> None:
            if event.data.get("flow_id") == flow_id:
                progressed.set()

        unsubscribe = self.hass.bus.async_listen(EVENT_DATA_ENTRY_FLOW_PROGRESSED, on_progressed)
        result = await flows.async_configure(flow_id, NAMES)
        placeholders = result.get("description_placeholders") or {}
        if result["type"] is not FlowResultType.SHOW_PROGRESS or "code" not in placeholders:
            unsubscribe()
            msg = f"the flow showed {result['type']} {result.get('step_id')}, not the code"
            raise NoCodeError(msg)
        code = placeholders["code"]
        errors: list[str] = []

        async def finish() -> float | None:
            """React as the frontend does: on each "progressed" event, fetch the flow."""
            try:
                while True:
                    await progressed.wait()
                    progressed.clear()
                    result = await flows.async_configure(flow_id)
                    if result["type"] is FlowResultType.SHOW_PROGRESS:
                        continue
                    if result["type"] is not FlowResultType.CREATE_ENTRY:
                        errors.append(f"{result['type']} {result.get('step_id')}")
                        return None
                    entry_id = result["result"].entry_id
                    entries = self.hass.config_entries.async_entries(DOMAIN)
                    if not any(entry.entry_id == entry_id for entry in entries):
                        errors.append("no config entry")
                        return None
                    # The entry stays: every login signs in a new account, so none aborts
                    # as a duplicate.
                    return time.monotonic()
            finally:
                unsubscribe()

        task = asyncio.create_task(finish())

        async def cancel() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(UnknownFlow):
                flows.async_abort(flow_id)

        return Attempt(
            code=code,
            pin_id=self.sim.find_pending_pin(code).id,
            outcome=task,
            cancel=cancel,
            errors=errors,
        )


class PlexAPIClient:
    """python-plexapi's MyPlexPinLogin: a thread that checks the pin every second."""

    name = "python-plexapi"

    def __init__(self, myplex: ModuleType, sim: PlexTVSimulator) -> None:
        """Point MyPlexPinLogin at the simulator."""
        self.login_class: Any = myplex.MyPlexPinLogin
        self.login_class.PINS = f"{sim.url}{PINS}"
        self.sim = sim

    async def begin(self) -> Attempt:
        """Create the pin (blocking HTTP, so in a worker thread) and start the thread."""
        loop = asyncio.get_running_loop()
        session = requests.Session()
        session.trust_env = False  # loopback: no proxy from the environment
        login = self.login_class(session=session)
        code: str | None = await asyncio.to_thread(lambda: login.pin)
        if not code:
            session.close()
            msg = "MyPlexPinLogin got no code"
            raise NoCodeError(msg)
        outcome: asyncio.Future[float | None] = loop.create_future()
        errors: list[str] = []

        def on_token(token: str) -> None:  # on plexapi's thread
            arrived = time.monotonic()
            loop.call_soon_threadsafe(_settle, outcome, arrived)

        async def watch() -> None:
            """Notice a login that ends without a token: plexapi calls back on success only."""
            while not outcome.done():
                if login.finished and not login.token:
                    # plexapi keeps no reason: any error just marks the login expired.
                    errors.append("marked expired" if login.expired else "stopped without token")
                    _settle(outcome, None)
                await asyncio.sleep(0.05)

        login.run(callback=on_token)
        watcher = asyncio.create_task(watch())
        outcome.add_done_callback(lambda _: session.close())

        async def cancel() -> None:
            watcher.cancel()
            await asyncio.to_thread(login.stop)
            _settle(outcome, None)

        return Attempt(
            code=code,
            pin_id=self.sim.find_pending_pin(code).id,
            outcome=outcome,
            cancel=cancel,
            errors=errors,
        )


class PlexAuthClient:
    """plexauth 0.0.6: PlexAuth.token(), a check every three seconds."""

    name = "plexauth 0.0.6"

    def __init__(self, plexauth: ModuleType, sim: PlexTVSimulator, session: ClientSession) -> None:
        """Point plexauth at the simulator.

        plexauth posts to /api/v2/pins.json, which the simulator does not serve: /api/v2/pins
        with Accept: application/json gets the same JSON answer.
        """
        module: Any = plexauth
        module.CODES_URL = f"{sim.url}{PINS}?strong=true"
        module.TOKEN_URL = f"{sim.url}{PINS}/{{}}"
        self.auth_class: Any = module.PlexAuth
        self.sim = sim
        self.session = session

    async def begin(self) -> Attempt:
        """Create the (strong) pin and start token(), as Home Assistant's Plex flow does."""
        # plexauth sends the identity form-encoded when it creates the pin; the simulator reads
        # X-Plex-* values from headers or the query only, so they go in its headers too.
        headers: dict[str, str] = {}
        auth = self.auth_class(dict(PLEXAUTH_PAYLOAD), self.session, headers)
        headers.update(PLEXAUTH_PAYLOAD)
        headers["X-Plex-Client-Identifier"] = auth.client_identifier
        headers["Accept"] = "application/json"
        await auth.initiate_auth()
        fragment = urllib.parse.urlsplit(auth.auth_url()).fragment
        code = urllib.parse.parse_qs(fragment.partition("?")[2])["code"][0]
        errors: list[str] = []

        async def wait() -> float | None:
            try:
                token = await auth.token()
            except Exception as err:  # noqa: BLE001 - plexauth gives up on any error: count it
                errors.append(f"{type(err).__name__}: {err}")
                return None
            return time.monotonic() if token else None

        task = asyncio.create_task(wait())

        async def cancel() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        return Attempt(
            code=code,
            pin_id=self.sim.find_pending_pin(code).id,
            outcome=task,
            cancel=cancel,
            errors=errors,
        )


# Running logins


@dataclass(kw_only=True)
class Login:
    """The result of one login."""

    pin_id: int | None
    approved_at: float | None
    latency: float | None
    """Seconds from the approval to the token (or config entry); None if it never came."""
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether the client got the token."""
        return self.latency is not None


async def run_login(
    client: Client, sim: PlexTVSimulator, number: int, delay: float, *, hiccups: bool
) -> Login:
    """Show a code, approve it after delay (or after the injected faults), time the token."""
    try:
        attempt = await client.begin()
    except Exception as err:  # noqa: BLE001 - a failed login is a result, not a crash
        return Login(pin_id=None, approved_at=None, latency=None, error=repr(err))
    try:
        if hiccups:
            inject_hiccups(sim, attempt.pin_id)
            deadline = time.monotonic() + HICCUP_TIMEOUT
            # Served by the simulator as the client checks: look every 50 ms.
            while hiccups_pending(sim, attempt.pin_id) and time.monotonic() < deadline:
                await asyncio.wait([attempt.outcome], timeout=0.05)
                if not attempt.alive:
                    break
            clear_hiccups(sim, attempt.pin_id)
        else:
            await asyncio.sleep(delay)
        if not attempt.alive:
            reason = "; ".join(attempt.errors) or "gave up before the approval"
            return Login(pin_id=attempt.pin_id, approved_at=None, latency=None, error=reason)
        sim.approve(attempt.code, fresh_account(number))
        approved_at = time.monotonic()
        try:
            arrived = await asyncio.wait_for(asyncio.shield(attempt.outcome), OUTCOME_TIMEOUT)
        except TimeoutError:
            arrived = None
            attempt.errors.append(f"no token {OUTCOME_TIMEOUT:.0f} s after the approval")
        latency = None if arrived is None else arrived - approved_at
        error = None if arrived is not None else "; ".join(attempt.errors) or "failed"
        return Login(pin_id=attempt.pin_id, approved_at=approved_at, latency=latency, error=error)
    finally:
        await attempt.cancel()


async def run_logins(
    client: Client,
    sim: PlexTVSimulator,
    delays: Sequence[float],
    *,
    concurrency: int,
    hiccups: bool,
) -> list[Login]:
    """Run one login per delay, at most `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(number: int, delay: float) -> Login:
        async with gate:
            return await run_login(client, sim, number, delay, hiccups=hiccups)

    return list(await asyncio.gather(*(one(n, d) for n, d in enumerate(delays))))


# Figures


@dataclass(kw_only=True)
class Figures:
    """What the table shows for one client."""

    name: str
    logins: list[Login]
    checks_per_minute: float | None
    rate_limited: int
    token_seen: list[float]
    hiccup_logins: list[Login] = field(default_factory=list)


def figures(
    name: str, sim: PlexTVSimulator, logins: list[Login], answers: Sequence[Answer]
) -> Figures:
    """Count checks, 429s and the token's hand-out in the simulator's answers to one client."""
    checks_by_pin: dict[str, list[Answer]] = {}
    for answer in answers:
        if answer.method == "GET" and answer.path.startswith(f"{PINS}/"):
            checks_by_pin.setdefault(answer.path, []).append(answer)
    gaps = 0
    waited = 0.0
    token_seen: list[float] = []
    for login in logins:
        if login.pin_id is None or not login.ok or login.approved_at is None:
            continue
        pin_checks = checks_by_pin.get(pin_path(login.pin_id), [])
        # The pace of checking while waiting: checks after the first, over the time from the
        # first check to the one that handed out the token.
        gaps += max(len(pin_checks) - 1, 0)
        if pin_checks:
            waited += pin_checks[-1].time - pin_checks[0].time
        handed = [a.time for a in pin_checks if a.status == 200 and a.time >= login.approved_at]
        if handed:
            token_seen.append(handed[0] - login.approved_at)
    return Figures(
        name=name,
        logins=logins,
        checks_per_minute=gaps / waited * 60 if waited > 0 else None,
        rate_limited=sum(1 for answer in answers if answer.status == 429),
        token_seen=token_seen,
    )


def render_logins(rows: list[Figures], *, hiccup_logins: int) -> str:
    """Return the side-by-side table."""

    def seconds(values: list[float], fraction: float | None) -> str:
        if not values:
            return "-"
        value = statistics.median(values) if fraction is None else percentile(values, fraction)
        return f"{value:.2f} s"

    cells = []
    for row in rows:
        latencies = [login.latency for login in row.logins if login.latency is not None]
        survived = sum(login.ok for login in row.hiccup_logins)
        cells.append(
            [
                row.name,
                str(len(row.logins)),
                str(len(latencies)),
                seconds(latencies, None),
                seconds(latencies, 0.95),
                seconds(row.token_seen, None),
                "-" if row.checks_per_minute is None else f"{row.checks_per_minute:.0f}",
                str(row.rate_limited),
                f"{survived}/{len(row.hiccup_logins)}" if hiccup_logins else "-",
            ]
        )
    columns = [("client", "<"), ("logins", ">"), ("ok", ">"), ("median", ">"), ("p95", ">")]
    columns += [("to token", ">"), ("checks/min", ">"), ("429s", ">"), ("hiccups ok", ">")]
    return render_table(columns, cells)


def print_failures(name: str, scenario: str, logins: list[Login]) -> None:
    """Print why logins failed, each reason once with its count."""
    reasons: dict[str, int] = {}
    for login in logins:
        if not login.ok:
            reason = (login.error or "failed").splitlines()[0][:120]
            reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        print(f"    {name} {scenario}: {count}x {reason}")


# Main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.login_latency", description=__doc__.partition("\n")[0]
    )
    parser.add_argument("--logins", type=int, default=30, help="logins per client (30)")
    parser.add_argument(
        "--hiccup-logins",
        type=int,
        default=10,
        help="logins per client with injected faults; 0 skips the scenario (10)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="logins in flight at once per client (8)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the approval delays")
    args = parser.parse_args(argv)
    if args.logins < 1 or args.hiccup_logins < 0 or args.concurrency < 1:
        parser.error("--logins and --concurrency must be at least 1, --hiccup-logins at least 0")
    return args


async def run(args: argparse.Namespace) -> None:
    """Run both scenarios for the three clients and print the table."""
    ensure_peers()
    myplex = importlib.import_module("plexapi.myplex")
    plexauth = importlib.import_module("plexauth")
    print(machine(), flush=True)
    started = time.monotonic()
    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    rng = random.Random(seed)  # noqa: S311 - delays, not secrets
    # Every client waits through the same approval delays.
    delays = [rng.uniform(*APPROVE_DELAY) for _ in range(args.logins)]
    print(
        f"{args.logins} logins per client ({args.concurrency} at a time), approval after "
        f"{APPROVE_DELAY[0]}-{APPROVE_DELAY[1]} s (seed {seed}); "
        f"{args.hiccup_logins} hiccup logins per client"
    )

    sim = PlexTVSimulator(min_poll_interval=MIN_POLL_INTERVAL)
    answers = record_answers(sim)
    await sim.start()
    try:
        async with (
            home_assistant(sim, set_up_entries=False) as hass,
            ClientSession() as plexauth_session,
        ):
            clients: list[Client] = [
                PlexAccountClient(hass, sim),
                PlexAPIClient(myplex, sim),
                PlexAuthClient(plexauth, sim, plexauth_session),
            ]
            rows: list[Figures] = []
            for client in clients:
                phase_start = len(answers)
                began = time.monotonic()
                logins = await run_logins(
                    client, sim, delays, concurrency=args.concurrency, hiccups=False
                )
                rows.append(figures(client.name, sim, logins, answers[phase_start:]))
                ok = sum(login.ok for login in logins)
                print(f"  {client.name}: {ok}/{len(logins)} in {time.monotonic() - began:.0f} s")
                print_failures(client.name, "login", logins)
            if args.hiccup_logins:
                for client, row in zip(clients, rows, strict=True):
                    began = time.monotonic()
                    row.hiccup_logins = await run_logins(
                        client,
                        sim,
                        [0.0] * args.hiccup_logins,
                        concurrency=args.hiccup_logins,
                        hiccups=True,
                    )
                    ok = sum(login.ok for login in row.hiccup_logins)
                    print(
                        f"  {client.name} with hiccups: {ok}/{args.hiccup_logins} "
                        f"in {time.monotonic() - began:.0f} s"
                    )
                    print_failures(client.name, "hiccups", row.hiccup_logins)
    finally:
        await sim.stop()
    print()
    print(render_logins(rows, hiccup_logins=args.hiccup_logins))
    print(
        f"\nwall time {time.monotonic() - started:.0f} s; load average {load_average()} at the end"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark."""
    args = parse_args(argv)
    setup_logging()
    with loopback_only():
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
