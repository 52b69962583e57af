"""Refresh cost: CPU time of reading an account's resources, ours beside python-plexapi.

The same resources (1,000 by default) read by the library's PlexTVClient.resources() (JSON
into Resource models) and by python-plexapi (its MyPlexResources built from the XML answer,
as MyPlexAccount.resources() builds them), in turn: CPU time per parse from the bytes already
fetched and with the HTTP fetch, and the ratio ours / python-plexapi. The plex.tv simulator
runs in its own process, so that the CPU time measured here is the clients' alone.
"""

import argparse
import asyncio
import copy
import importlib
import json
import statistics
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Self, cast
from unittest.mock import patch

import requests
from aiohttp import ClientSession
from aioplexaccount import PlexIdentity, PlexTVClient

from harness import Simulator, runner
from library.simulators.plextv import sample_account, sample_resources

WARMUP = 2  # rounds before the timed ones, not counted
RESOURCES = "/api/v2/resources"
# What both clients ask for.
QUERY = {"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"}
# python-plexapi's MyPlexAccount reads these with the account; plex.tv sends them.
PROFILE = {
    "autoSelectAudio": True,
    "defaultAudioLanguage": "en",
    "defaultSubtitleLanguage": "en",
    "autoSelectSubtitle": 0,
    "defaultSubtitleAccessibility": 0,
    "defaultSubtitleForced": 1,
}
IDENTITY = PlexIdentity(
    client_identifier="7f9d8e2a-5b1c-4c3d-9e8f-0a1b2c3d4e5f",
    client_name="Home Assistant",
    device_name="Benchmark",
    client_version="0.2.0",
    client_platform="Home Assistant",
)


def json_loads() -> tuple[str, Callable[[str | bytes], object]]:
    """Return the decoder Home Assistant hands the client (orjson), or json's without it."""
    try:
        orjson = importlib.import_module("orjson")
    except ImportError:
        return "json", json.loads
    return "orjson", cast("Callable[[str | bytes], object]", orjson.loads)


def make_resources(count: int) -> list[dict[str, Any]]:
    """Return `count` resources in plex.tv's shape: the sample's, over and over.

    Half are servers (a third of them shared by another account), half players; each has its
    own clientIdentifier, name and accessToken.
    """
    templates = sample_resources()
    resources = []
    for number in range(count):
        resource = copy.deepcopy(templates[number % len(templates)])
        resource["clientIdentifier"] = f"{resource['clientIdentifier'][:-6]}{number:06d}"
        resource["name"] = f"{resource['name']} {number}"
        resource["accessToken"] = f"{resource['accessToken'][:-6]}{number:06d}"
        resources.append(resource)
    return resources


class ReplaySession:
    """A stand-in for aiohttp's session, and its answer, that replays the same body.

    With it, PlexTVClient.resources() runs unchanged (headers, reading, decoding, the
    models) on the bytes the simulator sent before, without the HTTP exchange.
    """

    status = 200
    content_type = "application/json"
    headers: dict[str, str] = {}  # noqa: RUF012 - read, never written

    def __init__(self, body: bytes) -> None:
        """Answer with body."""
        self.body = body
        self.content = self

    def request(self, method: str, url: str, **kwargs: object) -> Self:
        """Return the recorded answer, whatever was asked."""
        return self

    async def __aenter__(self) -> Self:  # noqa: D105
        return self

    async def __aexit__(self, *exc: object) -> None:  # noqa: D105
        return None

    async def iter_chunked(self, size: int) -> AsyncIterator[bytes]:
        """Yield the body, as aiohttp's stream does."""
        for start in range(0, len(self.body), size):
            yield self.body[start : start + size]


@contextmanager
def plexapi_at(myplex: ModuleType, url: str) -> Iterator[None]:
    """Point python-plexapi's pin, account and resource URLs at the simulator."""
    query = "&".join(f"{key}={value}" for key, value in QUERY.items())
    with (
        patch.object(myplex.MyPlexPinLogin, "PINS", f"{url}/api/v2/pins"),
        patch.object(myplex.MyPlexAccount, "key", f"{url}/api/v2/user"),
        patch.object(myplex.MyPlexResource, "key", f"{url}{RESOURCES}?{query}"),
    ):
        yield


@dataclass(kw_only=True)
class Row:
    """One way of reading the resources: from the bytes, and with the fetch."""

    client: str
    what: str
    parse: Callable[[], Any]
    fetch: Callable[[], Any]
    from_bytes: runner.Timings = field(default_factory=runner.Timings)
    with_fetch: runner.Timings = field(default_factory=runner.Timings)


def rows(ours: PlexTVClient, body: bytes, account: Any, xml: bytes) -> list[Row]:  # noqa: ANN401
    """Return ours, then python-plexapi as resources() returns them and with connections."""
    myplex = importlib.import_module("plexapi.myplex")
    utils = importlib.import_module("plexapi.utils")
    replayed = replace(ours, session=cast("ClientSession", ReplaySession(body)))

    def plexapi_parse() -> list[Any]:
        # What MyPlexAccount.query() does with the answer, then MyPlexAccount.resources().
        return [myplex.MyPlexResource(account, e) for e in utils.parseXMLString(xml.decode())]

    def connections(resources: list[Any]) -> list[Any]:
        return [resource.connections for resource in resources]  # built on first access

    plexapi = f"python-plexapi {runner.version('plexapi')}"
    return [
        Row(client="aioplexaccount", what="PlexTVClient.resources(): JSON -> Resource",
            parse=replayed.resources, fetch=ours.resources),
        Row(client=plexapi, what="XML -> MyPlexResource, as resources() returns them",
            parse=plexapi_parse, fetch=account.resources),
        Row(client="", what="... and each one's .connections read",
            parse=lambda: connections(plexapi_parse()),
            fetch=lambda: connections(account.resources())),
    ]  # fmt: skip


async def sign_in(sim: Simulator, session: ClientSession) -> tuple[PlexTVClient, Any, bytes]:
    """Sign both clients in for real; return ours, python-plexapi's account and its XML body."""
    name, loads = json_loads()
    print(f"  ours decodes with {name}, as Home Assistant's client does", flush=True)
    client = PlexTVClient(identity=IDENTITY, session=session, base_url=sim.url, json_loads=loads)
    client.token = sim.approve((await client.create_pin()).code)
    myplex = importlib.import_module("plexapi.myplex")
    http = requests.Session()
    http.trust_env = False  # loopback: no proxy from the environment
    bodies: list[bytes] = []
    http.hooks["response"].append(
        lambda response, *_, **__: (
            bodies.append(response.content) if RESOURCES in response.url else None
        )
    )
    login = myplex.MyPlexPinLogin(session=http)
    code = await asyncio.to_thread(lambda: login.pin)
    account = await asyncio.to_thread(myplex.MyPlexAccount, token=sim.approve(code), session=http)
    await asyncio.to_thread(account.resources)
    return client, account, bodies[-1]


async def run(args: argparse.Namespace) -> None:
    """Serve the resources, read them both ways with both clients, print the table."""
    runner.ensure_peers()
    myplex = importlib.import_module("plexapi.myplex")
    with tempfile.TemporaryDirectory(prefix="plex-account-bench-") as folder:
        sim = Simulator.start(Path(folder) / "plextv.log")
        try:
            sim.http.put("/_sim/account", json=sample_account() | {"profile": PROFILE})
            sim.http.put("/_sim/resources", json=make_resources(args.resources))
            async with ClientSession() as session:
                with plexapi_at(myplex, sim.url):
                    ours, account, xml = await sign_in(sim, session)
                    headers = {**IDENTITY.headers(), "X-Plex-Token": ours.token or ""}
                    url = f"{sim.url}{RESOURCES}"
                    async with session.get(url, params=QUERY, headers=headers) as answer:
                        body = await answer.read()
                    timed = rows(ours, body, account, xml)
                    await measure(timed, args)
        finally:
            sim.stop()
    print_table(timed, args, len(body), len(xml))


async def measure(timed: list[Row], args: argparse.Namespace) -> None:
    """Check the counts, then time every way in turn, so that a change of load hits all alike."""
    counts = {len((await timed[0].parse()).resources), len(timed[1].parse()), len(timed[2].fetch())}
    if counts != {args.resources}:
        msg = f"expected {args.resources} resources, read {counts}"
        raise runner.BenchmarkError(msg)
    for round_number in range(WARMUP + args.parses):
        for row in timed:
            for timings, parse in ((row.from_bytes, row.parse), (row.with_fetch, row.fetch)):
                with (timings if round_number >= WARMUP else runner.Timings()).timed():
                    result = parse()
                    if asyncio.iscoroutine(result):
                        result = await result
                del result  # freed outside the timing: the parse's cost, not its clean-up


def print_table(timed: list[Row], args: argparse.Namespace, json_size: int, xml_size: int) -> None:
    """Print the table and the ratios under it."""

    def ratio(peer: Row, kind: str) -> str:
        ours, theirs = getattr(timed[0], kind).cpu, getattr(peer, kind).cpu
        return f"{statistics.median(ours) / statistics.median(theirs):.2f}x"

    cells = [
        [row.client, row.what, *runner.spread(row.from_bytes.cpu)[:2],
         runner.ms(statistics.median(row.with_fetch.cpu)),
         runner.ms(statistics.median(row.with_fetch.wall))]
        for row in timed
    ]  # fmt: skip
    print(f"\nReading {args.resources} resources, CPU time per parse, median of {args.parses}")
    print(runner.table("<client|<reads|bytes: CPU med|CPU p95|fetch: CPU med|wall med", cells))
    print(
        f"\nours/python-plexapi, CPU time per parse (medians): {ratio(timed[1], 'from_bytes')} "
        f"from the bytes, {ratio(timed[1], 'with_fetch')} with the fetch\n"
        f"  against python-plexapi with the connections read too: "
        f"{ratio(timed[2], 'from_bytes')} from the bytes, {ratio(timed[2], 'with_fetch')} with "
        f"the fetch\nthe same resources: {json_size / 1024:.0f} KiB of JSON for ours, "
        f"{xml_size / 1024:.0f} KiB of XML for python-plexapi"
    )


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--parses", type=int, default=20, help="timed parses per way (20)")
    parser.add_argument("--resources", type=int, default=1000, help="resources read (1000)")


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"parses": 3, "resources": 100})


if __name__ == "__main__":
    main()
