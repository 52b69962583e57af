"""Time to a working connection to a server: ours beside python-plexapi's connect().

One server resource, in plex.tv's shape, lists two connections on loopback addresses: a local
one (127.0.0.2) and a remote one (127.0.0.3), both plain http. Behind them, Plex Media Server
simulators (library/simulators/pms) run in this process with the resource's clientIdentifier as their
machineIdentifier and its accessToken as their token. Four scenarios:

- (a) healthy: both connections reach the server;
- (b) local blackholed: the local one accepts connections and never answers;
- (c) local refused: nothing listens at the local one;
- (d) local impostor: the local one is another server (another machineIdentifier) that
  takes the same token, as another server of the same owner would.

In each, the remote connection reaches the server. Timed, one after the other, on the same
resource:

- ours: `choose_connection(session, resource)` with its default grace and timeout, on a
  fresh aiohttp session;
- python-plexapi: `MyPlexResource.connect()` on a `MyPlexResource` built from the resource's
  XML as `MyPlexAccount.resources()` builds it, on a fresh requests session, run in a
  thread: with its default timeout, and with `timeout=10` as Home Assistant core's Plex
  integration calls it.

Run from the repository root:

    .venv/bin/python -m benchmarks.connection_choice [--repeats 5] [--slow-repeats 1]

python-plexapi is installed on first use into .cache/bench-peers (see requirements-peers.txt).
"""

import argparse
import asyncio
import contextlib
import importlib
import importlib.metadata
import logging
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace
from typing import Any

import requests
from aiohttp import ClientSession

from benchmarks.common import (
    ensure_peers,
    load_average,
    loopback_only,
    machine,
    render_table,
    setup_logging,
)
from custom_components.plex_account.aioplexaccount import Resource
from custom_components.plex_account.aioplexaccount import connection as pms_connection
from custom_components.plex_account.aioplexaccount import candidates, choose_connection
from library.simulators.plextv.render import to_xml
from library.simulators.pms import (
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_SERVER_NAME,
    SAMPLE_TOKEN,
    PMSSimulator,
    blackhole,
    closed_port,
)

LOCAL_HOST = "127.0.0.2"
REMOTE_HOST = "127.0.0.3"
IMPOSTOR_IDENTIFIER = "0e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5"
HA_CORE_TIMEOUT = 10  # Home Assistant core's Plex integration: resource.connect(timeout=10)

SCENARIOS = {
    "a": "(a) healthy",
    "b": "(b) local blackholed",
    "c": "(c) local refused",
    "d": "(d) local impostor",
}


def connection(host: str, port: int, *, local: bool) -> dict[str, Any]:
    """Return one of the resource's connections, as plex.tv lists it in JSON."""
    return {
        "protocol": "http",
        "address": host,
        "port": port,
        "uri": f"http://{host}:{port}",
        "local": local,
        "relay": False,
        "IPv6": False,
    }


def server_resource(local_port: int, remote_port: int) -> dict[str, Any]:
    """Return the owned server's entry of /api/v2/resources, as plex.tv's JSON has it."""
    return {
        "name": SAMPLE_SERVER_NAME,
        "product": "Plex Media Server",
        "productVersion": "1.41.3.9314-a0bfb8370",
        "platform": "Linux",
        "platformVersion": "6.8.0",
        "device": "Docker Container",
        "clientIdentifier": SAMPLE_MACHINE_IDENTIFIER,
        "createdAt": "2021-03-14T09:26:53Z",
        "lastSeenAt": "2026-11-26T21:04:17Z",
        "provides": "server",
        "publicAddress": REMOTE_HOST,
        "accessToken": SAMPLE_TOKEN,
        "owned": True,
        "home": False,
        "synced": False,
        "relay": False,
        "presence": True,
        "httpsRequired": False,
        "publicAddressMatches": True,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": True,
        "connections": [
            connection(LOCAL_HOST, local_port, local=True),
            connection(REMOTE_HOST, remote_port, local=False),
        ],
    }


@dataclass(kw_only=True)
class Setup:
    """A scenario's resource and what stands behind each of its URLs."""

    resource: dict[str, Any]
    labels: dict[str, str]
    """Base URL → "local", "remote" or "impostor"."""


async def serve(stack: contextlib.AsyncExitStack, host: str, identifier: str) -> PMSSimulator:
    """Start a server simulator on a free port of host, stopped when the stack closes."""
    sim = PMSSimulator(machine_identifier=identifier, token=SAMPLE_TOKEN)
    stack.push_async_callback(sim.stop)
    await sim.start(host)
    return sim


@contextlib.asynccontextmanager
async def scenario(key: str) -> AsyncIterator[Setup]:
    """Serve what stands behind a scenario's two connections."""
    async with contextlib.AsyncExitStack() as stack:
        remote = await serve(stack, REMOTE_HOST, SAMPLE_MACHINE_IDENTIFIER)
        local_label = "local"
        if key == "a":
            local_port = (await serve(stack, LOCAL_HOST, SAMPLE_MACHINE_IDENTIFIER)).port
        elif key == "b":
            url = await stack.enter_async_context(blackhole(LOCAL_HOST))
            local_port = int(url.rpartition(":")[2])
        elif key == "c":
            local_port = closed_port(LOCAL_HOST)
        else:
            local_port = (await serve(stack, LOCAL_HOST, IMPOSTOR_IDENTIFIER)).port
            local_label = "impostor"
        assert local_port is not None
        assert remote.port is not None
        yield Setup(
            resource=server_resource(local_port, remote.port),
            labels={
                f"http://{LOCAL_HOST}:{local_port}": local_label,
                f"http://{REMOTE_HOST}:{remote.port}": "remote",
            },
        )


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """One timed attempt: how long, and which URL (None: it failed) at which server."""

    seconds: float
    url: str | None
    machine_identifier: str | None


@dataclass(kw_only=True)
class Row:
    """One client in one scenario."""

    scenario: str
    client: str
    timeout: str
    tried: int = 0
    attempts: list[Attempt] = field(default_factory=list)


async def ours(setup: Setup) -> Attempt:
    """Time choose_connection() with its defaults on a fresh session."""
    resource = Resource.from_dict(setup.resource)
    async with ClientSession() as session:
        start = time.perf_counter()
        try:
            chosen = await choose_connection(session, resource)
        except Exception:  # noqa: BLE001 - a failure is a figure too
            return Attempt(seconds=time.perf_counter() - start, url=None, machine_identifier=None)
        seconds = time.perf_counter() - start
    return Attempt(
        seconds=seconds, url=chosen.base_url, machine_identifier=chosen.machine_identifier
    )


def plexapi_resource(plexapi: ModuleType, setup: Setup, session: requests.Session) -> Any:  # noqa: ANN401
    """Build a MyPlexResource from the resource's XML, as MyPlexAccount.resources() does.

    The account it belongs to is a stand-in holding the session: connect() reads only
    `_server._session` from it.
    """
    utils = importlib.import_module("plexapi.utils")
    myplex = importlib.import_module("plexapi.myplex")
    data = utils.parseXMLString(to_xml("resources", [setup.resource]))
    account = SimpleNamespace(_session=session)
    return myplex.MyPlexResource(account, data[0])


def plexapi_connect(plexapi: ModuleType, setup: Setup, timeout: int | None) -> Attempt:
    """Time MyPlexResource.connect() on a fresh session (in the calling thread)."""
    with requests.Session() as session:
        session.trust_env = False  # loopback: no proxy from the environment
        resource = plexapi_resource(plexapi, setup, session)
        start = time.perf_counter()
        try:
            server = resource.connect(timeout=timeout)
        except Exception:  # noqa: BLE001 - a failure is a figure too
            return Attempt(seconds=time.perf_counter() - start, url=None, machine_identifier=None)
        seconds = time.perf_counter() - start
    url: str = server._baseurl  # noqa: SLF001 - python-plexapi keeps the URL it chose there
    return Attempt(seconds=seconds, url=url, machine_identifier=server.machineIdentifier)


def chosen(row: Row, labels: dict[str, str]) -> str:
    """Return which connections were chosen, and how often if not always the same."""
    counts = Counter(
        "failed" if attempt.url is None else labels.get(attempt.url, attempt.url)
        for attempt in row.attempts
    )
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{label} {count}" for label, count in counts.most_common())


def impostor_accepted(row: Row, key: str) -> str:
    """Return whether an attempt settled on a server other than the resource's."""
    if key != "d":
        return "-"
    accepted = any(
        attempt.machine_identifier not in (None, SAMPLE_MACHINE_IDENTIFIER)
        for attempt in row.attempts
    )
    return "yes" if accepted else "no"


@dataclass(kw_only=True)
class Results:
    """Every row, and what was chosen in each, by scenario."""

    rows: list[Row] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)
    impostor: list[str] = field(default_factory=list)


async def run(args: argparse.Namespace, plexapi: ModuleType) -> Results:
    """Run every scenario; each client in turn, `repeats` times."""
    results = Results()
    default_timeout = f"{plexapi.TIMEOUT} s (default)"
    for key in args.scenarios:
        async with scenario(key) as setup:
            name = SCENARIOS[key]
            with requests.Session() as session:
                listed = plexapi_resource(plexapi, setup, session).preferred_connections()
            theirs_tried = len(listed)
            ours_row = Row(
                scenario=name,
                client="plex_account",
                timeout=(
                    f"{pms_connection.DEFAULT_TIMEOUT:g} s a candidate, "
                    f"grace {pms_connection.DEFAULT_GRACE:g} s"
                ),
                tried=len(candidates(Resource.from_dict(setup.resource))),
            )
            default_row = Row(
                scenario=name,
                client="python-plexapi",
                timeout=default_timeout,
                tried=theirs_tried,
            )
            core_row = Row(
                scenario=name,
                client="python-plexapi",
                timeout=f"{HA_CORE_TIMEOUT} s (as HA core)",
                tried=theirs_tried,
            )
            # In (b) every python-plexapi attempt waits its whole timeout for the silent one.
            default_repeats = min(args.repeats, args.slow_repeats) if key == "b" else args.repeats
            timed: list[tuple[Row, int, Callable[[], Awaitable[Attempt]]]] = [
                (ours_row, args.repeats, lambda: ours(setup)),
                (
                    default_row,
                    default_repeats,
                    lambda: asyncio.to_thread(plexapi_connect, plexapi, setup, None),
                ),
                (
                    core_row,
                    args.repeats,
                    lambda: asyncio.to_thread(plexapi_connect, plexapi, setup, HA_CORE_TIMEOUT),
                ),
            ]
            for repeat in range(args.repeats):
                for row, repeats, attempt in timed:
                    if repeat < repeats:
                        row.attempts.append(await attempt())
            for row, _, _ in timed:
                results.rows.append(row)
                results.chosen.append(chosen(row, setup.labels))
                results.impostor.append(impostor_accepted(row, key))
            print(f"  {name}: done", flush=True)
    return results


def table(results: Results) -> str:
    """Return the table: one row per scenario and client."""
    columns = [
        ("scenario", "<"),
        ("client", "<"),
        ("timeout", "<"),
        ("URLs", ">"),
        ("runs", ">"),
        ("median", ">"),
        ("max", ">"),
        ("chosen", "<"),
        ("impostor accepted", "<"),
    ]
    rows = []
    for row, chosen_label, impostor in zip(
        results.rows, results.chosen, results.impostor, strict=True
    ):
        seconds = [attempt.seconds for attempt in row.attempts]
        rows.append(
            [
                row.scenario,
                row.client,
                row.timeout,
                str(row.tried),
                str(len(seconds)),
                f"{statistics.median(seconds) * 1000:.0f} ms",
                f"{max(seconds) * 1000:.0f} ms",
                chosen_label,
                impostor,
            ]
        )
    return render_table(columns, rows)


def parse_args() -> argparse.Namespace:
    """Read the options."""
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed attempts per client and scenario"
    )
    parser.add_argument(
        "--slow-repeats",
        type=int,
        default=1,
        help="attempts of python-plexapi with its default timeout in (b), "
        "where each waits that timeout (at most --repeats)",
    )
    parser.add_argument(
        "--scenarios",
        default="abcd",
        help="which scenarios to run, by letter (default abcd)",
    )
    args = parser.parse_args()
    if args.repeats < 1 or args.slow_repeats < 1:
        parser.error("--repeats and --slow-repeats must be at least 1")
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown or not args.scenarios:
        parser.error(f"--scenarios takes letters among {''.join(SCENARIOS)}")
    args.scenarios = list(dict.fromkeys(args.scenarios))
    return args


def main() -> None:
    """Print the figures."""
    args = parse_args()
    setup_logging()
    ensure_peers()
    plexapi = importlib.import_module("plexapi")
    # python-plexapi logs every connection that failed as an error (its import sets the
    # level, so this comes after it); the table counts the failures.
    logging.getLogger("plexapi").setLevel(logging.CRITICAL)
    print(machine())
    print(
        f"One owned server, its local connection on {LOCAL_HOST} and its remote one on "
        f"{REMOTE_HOST} (plain http); the remote one always reaches the server. "
        f"{args.repeats} attempts per client and scenario"
        + (
            f", {min(args.repeats, args.slow_repeats)} for python-plexapi with its default "
            "timeout in (b)."
            if "b" in args.scenarios
            else "."
        )
    )
    print(
        f"python-plexapi {importlib.metadata.version('plexapi')}: timeout "
        f"{plexapi.TIMEOUT} s by default (requests' connect and read timeouts, per URL), "
        f"fast connect {'on' if plexapi.X_PLEX_ENABLE_FAST_CONNECT else 'off'}."
    )
    with loopback_only():
        results = asyncio.run(run(args, plexapi))
    print()
    print(table(results))
    print()
    print(
        "URLs: how many each client tries at once (python-plexapi lists an http connection "
        "twice, as its uri and its httpuri). median, max: from the call to a server object "
        "(ours: the chosen connection). chosen: which connection it settled on; impostor "
        "accepted: whether it settled on a server whose machineIdentifier is not the "
        "resource's clientIdentifier."
    )
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
