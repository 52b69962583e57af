"""Time to a working connection to a server: ours beside python-plexapi's connect().

One owned server resource, in plex.tv's JSON shape, lists two local plain-http connections, as
a server on two networks does: the preferred one on 127.0.0.2, the other on 127.0.0.3. Behind
the other, always, a Plex Media Server simulator with the resource's clientIdentifier and
token. Behind the preferred one: (a) another simulator of the same server, (b) a socket that
accepts and never answers, (c) nothing (refused at once), (d) another server that takes the
same token. The simulators run
in this process. Timed in turn: ours, `choose_connection(session, resource)` with its
defaults; python-plexapi's `MyPlexResource.connect()` in a thread, with its default timeout
and with the 10 s Home Assistant core's Plex integration passes.
"""

import argparse
import asyncio
import contextlib
import importlib
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import requests
from aiohttp import ClientSession
from aioplexaccount import Resource, candidates, choose_connection
from aioplexaccount.connection import DEFAULT_GRACE, DEFAULT_TIMEOUT

from harness import runner
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, sample_resources, to_xml
from library.simulators.pms import (
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_TOKEN,
    PMSSimulator,
    blackhole,
    closed_port,
)

PREFERRED = "127.0.0.2"
OTHER = "127.0.0.3"
IMPOSTOR = "0e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5"
CORE_TIMEOUT = 10  # Home Assistant core's Plex integration: resource.connect(timeout=10)
SCENARIOS = {
    "a": "(a) healthy",
    "b": "(b) preferred blackholed",
    "c": "(c) preferred refused",
    "d": "(d) preferred impostor",
}


def server_resource(preferred: int, other: int) -> dict[str, Any]:
    """Return the sample Living Room Server's plex.tv resource, with the two connections."""
    [resource] = [r for r in sample_resources() if r["clientIdentifier"] == LIVING_ROOM_SERVER_ID]
    resource["connections"] = [
        {"protocol": "http", "address": host, "port": port, "uri": f"http://{host}:{port}",
         "local": True, "relay": False, "IPv6": False}
        for host, port in ((PREFERRED, preferred), (OTHER, other))
    ]  # fmt: skip
    return resource


@contextlib.asynccontextmanager
async def scenario(key: str) -> AsyncIterator[tuple[dict[str, Any], dict[str, str]]]:
    """Serve what stands behind a scenario's connections; yield the resource and URL labels."""
    async with contextlib.AsyncExitStack() as stack:

        async def serve(host: str, identifier: str) -> int:
            sim = PMSSimulator(machine_identifier=identifier, token=SAMPLE_TOKEN)
            stack.push_async_callback(sim.stop)
            await sim.start(host)
            assert sim.port is not None
            return sim.port

        other = await serve(OTHER, SAMPLE_MACHINE_IDENTIFIER)
        label = "impostor" if key == "d" else "preferred"
        if key == "b":
            url = await stack.enter_async_context(blackhole(PREFERRED))
            preferred = int(url.rpartition(":")[2])
        elif key == "c":
            preferred = closed_port(PREFERRED)
        else:
            preferred = await serve(
                PREFERRED, IMPOSTOR if key == "d" else SAMPLE_MACHINE_IDENTIFIER
            )
        labels = {f"http://{PREFERRED}:{preferred}": label, f"http://{OTHER}:{other}": "other"}
        yield server_resource(preferred, other), labels


@dataclass(kw_only=True)
class Row:
    """One client in one scenario: its attempts' seconds, chosen URLs and servers."""

    scenario: str
    client: str
    timeout: str
    urls: int
    attempts: list[tuple[float, str | None, str | None]] = field(default_factory=list)

    def cells(self, labels: dict[str, str]) -> list[str]:
        """Return the row's cells."""
        seconds = [attempt[0] for attempt in self.attempts]
        chosen = Counter(labels.get(url or "", "failed") for _, url, _ in self.attempts)
        shown = next(iter(chosen)) if len(chosen) == 1 else ", ".join(
            f"{label} {count}" for label, count in chosen.most_common()
        )  # fmt: skip
        impostor = any(m not in (None, SAMPLE_MACHINE_IDENTIFIER) for *_, m in self.attempts)
        accepted = ("yes" if impostor else "no") if "impostor" in self.scenario else "-"
        return [self.scenario, self.client, self.timeout, str(self.urls), str(len(seconds)),
                f"{statistics.median(seconds) * 1000:.0f} ms", f"{max(seconds) * 1000:.0f} ms",
                shown, accepted]  # fmt: skip


async def ours(resource: dict[str, Any]) -> tuple[float, str | None, str | None]:
    """Time choose_connection() with its defaults on a fresh session."""
    async with ClientSession() as session:
        start = time.perf_counter()
        try:
            chosen = await choose_connection(session, Resource.from_dict(resource))
        except Exception:  # noqa: BLE001 - a failure is a figure too
            return time.perf_counter() - start, None, None
        return time.perf_counter() - start, chosen.base_url, chosen.machine_identifier


def plexapi_resource(resource: dict[str, Any], session: requests.Session) -> Any:  # noqa: ANN401
    """Build a MyPlexResource from the resource's XML, as MyPlexAccount.resources() does.

    Its account is a stand-in holding the session: connect() reads only that from it.
    """
    myplex = importlib.import_module("plexapi.myplex")
    [element] = importlib.import_module("plexapi.utils").parseXMLString(
        to_xml("resources", [resource])
    )
    return myplex.MyPlexResource(SimpleNamespace(_session=session), element)


def plexapi_connect(
    resource: dict[str, Any], timeout: int | None
) -> tuple[float, str | None, str | None]:
    """Time MyPlexResource.connect() on a fresh session (in the calling thread)."""
    with requests.Session() as session:
        session.trust_env = False  # loopback: no proxy from the environment
        peer = plexapi_resource(resource, session)
        start = time.perf_counter()
        try:
            server = peer.connect(timeout=timeout)
        except Exception:  # noqa: BLE001 - a failure is a figure too
            return time.perf_counter() - start, None, None
        # python-plexapi keeps the URL it chose in _baseurl.
        return time.perf_counter() - start, server._baseurl, server.machineIdentifier  # noqa: SLF001


async def run(args: argparse.Namespace) -> None:
    """Run every scenario: each client in turn, `repeats` times; print the table."""
    runner.ensure_peers()
    plexapi = importlib.import_module("plexapi")
    print(
        f"python-plexapi {runner.version('plexapi')}: timeout {plexapi.TIMEOUT} s by default "
        f"(requests' connect and read timeouts, per URL), fast connect "
        f"{'on' if plexapi.X_PLEX_ENABLE_FAST_CONNECT else 'off'}."
    )
    cells = []
    for key in args.scenarios:
        async with scenario(key) as (resource, labels):
            with requests.Session() as session:
                urls = len(plexapi_resource(resource, session).preferred_connections())
            name = SCENARIOS[key]
            ours_timeout = f"{DEFAULT_TIMEOUT:g} s a candidate, grace {DEFAULT_GRACE:g} s"
            ways: list[tuple[Row, int, Callable[[], Awaitable[Any]]]] = [
                (Row(scenario=name, client="aioplexaccount", timeout=ours_timeout,
                     urls=len(candidates(Resource.from_dict(resource)))),
                 args.repeats, lambda: ours(resource)),
                # In (b) every attempt with the default timeout waits all of it.
                (Row(scenario=name, client="python-plexapi", timeout=f"{plexapi.TIMEOUT} s",
                     urls=urls), args.slow_repeats if key == "b" else args.repeats,
                 lambda: asyncio.to_thread(plexapi_connect, resource, None)),
                (Row(scenario=name, client="python-plexapi", timeout=f"{CORE_TIMEOUT} s (core)",
                     urls=urls), args.repeats,
                 lambda: asyncio.to_thread(plexapi_connect, resource, CORE_TIMEOUT)),
            ]  # fmt: skip
            for repeat in range(args.repeats):
                for row, repeats, attempt in ways:
                    if repeat < repeats:
                        row.attempts.append(await attempt())
            cells += [row.cells(labels) for row, _, _ in ways if row.attempts]
        print(f"  {SCENARIOS[key]}: done", flush=True)
    print()
    columns = "<scenario|<client|<timeout|URLs|runs|median|max|<chosen|<impostor accepted"
    print(runner.table(columns, cells))
    print(
        "\nURLs: how many each client tries at once (python-plexapi lists an http connection "
        "twice, as its uri and its httpuri). median, max: from the call to a server object. "
        "chosen: the connection it settled on; impostor accepted: whether it settled on a "
        "server whose machineIdentifier is not the resource's clientIdentifier."
    )


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--repeats", type=int, default=5, help="attempts per client (5)")
    parser.add_argument(
        "--slow-repeats",
        type=int,
        default=1,
        help="attempts of python-plexapi with its default timeout in (b), each waiting it (1)",
    )
    parser.add_argument("--scenarios", default="abcd", help="which to run, by letter (abcd)")


def main() -> None:
    """Run the benchmark."""
    # (b) waits python-plexapi's timeouts: 10 s at least, too long for a quick run.
    runner.main(__doc__, options, run, quick={"repeats": 1, "slow_repeats": 0, "scenarios": "acd"})


if __name__ == "__main__":
    main()
