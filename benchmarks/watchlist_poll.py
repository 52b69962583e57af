"""What polling an unchanged watchlist costs a day, with and without its ETag.

The plex.tv simulator runs in this process (on 127.0.0.1, with a fake clock moved one poll
interval per poll); this integration's PlexTVClient signs in for real and reads a watchlist of
200 titles (by default) in pages of 100, once per interval for a simulated day:

- without the ETag, every poll reads every page;
- with it, each poll sends the first page's ETag in If-None-Match and stops at the 304.

Requests are counted in the simulator's request log (and checked against the client's);
bytes are counted on the client's side as aiohttp sees them on the loopback connection.

Run from the repository root:

    .venv/bin/python -m benchmarks.watchlist_poll [--interval 300] [--items 200]
"""

import argparse
import asyncio
from dataclasses import dataclass
from types import SimpleNamespace

from aiohttp import (
    ClientSession,
    TraceConfig,
    TraceRequestEndParams,
    TraceRequestHeadersSentParams,
    TraceResponseChunkReceivedParams,
)

from benchmarks.common import load_average, loopback_only, machine, render_table
from custom_components.plex_account.aioplexaccount import PlexIdentity, PlexTVClient, Watchlist
from library.simulators.plextv import FakeClock, PlexTVSimulator, generated_items

WATCHLIST = "/library/sections/watchlist/"
DAY = 86_400


@dataclass
class Traffic:
    """What crossed the connection, counted by aiohttp's tracing hooks."""

    requests: int = 0
    request_header_bytes: int = 0
    response_header_bytes: int = 0
    response_body_bytes: int = 0

    def trace_config(self) -> TraceConfig:
        """Return a trace config that adds every request and response to these counts."""
        config = TraceConfig()

        async def headers_sent(
            session: ClientSession, context: SimpleNamespace, params: TraceRequestHeadersSentParams
        ) -> None:
            self.requests += 1
            target = params.url.raw_path_qs
            line = len(f"{params.method} {target} HTTP/1.1\r\n")
            fields = sum(len(name) + len(value) + 4 for name, value in params.headers.items())
            self.request_header_bytes += line + fields + 2

        async def request_end(
            session: ClientSession, context: SimpleNamespace, params: TraceRequestEndParams
        ) -> None:
            response = params.response
            line = len(f"HTTP/1.1 {response.status} {response.reason}\r\n")
            fields = sum(len(name) + len(value) + 4 for name, value in response.raw_headers)
            self.response_header_bytes += line + fields + 2

        async def chunk(
            session: ClientSession,
            context: SimpleNamespace,
            params: TraceResponseChunkReceivedParams,
        ) -> None:
            self.response_body_bytes += len(params.chunk)

        config.on_request_headers_sent.append(headers_sent)
        config.on_request_end.append(request_end)
        config.on_response_chunk_received.append(chunk)
        return config


@dataclass
class Result:
    """One mode's day of polls."""

    mode: str
    polls: int
    logged_requests: int
    traffic: Traffic


async def poll_day(  # noqa: PLR0913 - the day to simulate, spelt out
    sim: PlexTVSimulator, clock: FakeClock, token: str, *, polls: int, interval: float, etag: bool
) -> Result:
    """Poll the watchlist `polls` times, `interval` virtual seconds apart."""
    traffic = Traffic()
    async with ClientSession(trace_configs=[traffic.trace_config()]) as session:
        client = PlexTVClient(
            identity=identity(),
            session=session,
            token=token,
            base_url=sim.url,
            discover_url=sim.discover_url,
            metadata_url=sim.metadata_url,
        )
        sim.requests.clear()
        last: Watchlist | None = None
        for _ in range(polls):
            answer = await client.watchlist(etag=last.etag if etag and last else None)
            if answer is not None:
                last = answer
            elif last is None:
                msg = "the first poll cannot be unchanged"
                raise RuntimeError(msg)
            clock.advance(interval)
        assert last is not None
        logged = len(sim.requests_to(WATCHLIST, host="discover"))
    if logged != traffic.requests:
        msg = f"the simulator logged {logged} requests, the client sent {traffic.requests}"
        raise RuntimeError(msg)
    return Result("with ETag" if etag else "without ETag", polls, logged, traffic)


def identity() -> PlexIdentity:
    """Return the identity a Home Assistant install sends."""
    return PlexIdentity(
        client_identifier="7f9d8e2a-5b1c-4c3d-9e8f-0a1b2c3d4e5f",
        client_name="Home Assistant",
        device_name="Benchmark",
        client_version="0.1.0",
        client_platform="Home Assistant",
    )


def kib(value: float) -> str:
    """Format bytes as KiB, or MiB when large."""
    if value >= 1024 * 1024:
        return f"{value / (1024 * 1024):,.2f} MiB"
    return f"{value / 1024:,.1f} KiB"


def table(results: list[Result]) -> str:
    """Return the side-by-side table."""
    columns = [
        ("mode", "<"),
        ("polls/day", ">"),
        ("requests/poll", ">"),
        ("requests/day", ">"),
        ("body/day", ">"),
        ("resp. headers/day", ">"),
        ("req. headers/day", ">"),
        ("total/day", ">"),
    ]
    rows = []
    for result in results:
        traffic = result.traffic
        total = (
            traffic.response_body_bytes
            + traffic.response_header_bytes
            + traffic.request_header_bytes
        )
        rows.append(
            [
                result.mode,
                f"{result.polls:,}",
                f"{result.logged_requests / result.polls:.2f}",
                f"{result.logged_requests:,}",
                kib(traffic.response_body_bytes),
                kib(traffic.response_header_bytes),
                kib(traffic.request_header_bytes),
                kib(total),
            ]
        )
    return render_table(columns, rows)


async def run(args: argparse.Namespace) -> list[Result]:
    """Serve a watchlist of args.items titles and poll it for one simulated day each way."""
    clock = FakeClock()
    sim = PlexTVSimulator(clock=clock)
    items = generated_items(args.items)
    sim.library.add_items(items)
    sim.set_watchlist([item["ratingKey"] for item in items])
    polls = max(1, round(DAY / args.interval))
    async with sim:
        async with PlexTVClient(identity=identity(), base_url=sim.url) as client:
            pin = await client.create_pin()
        token = sim.approve(pin.code)
        return [
            await poll_day(sim, clock, token, polls=polls, interval=args.interval, etag=False),
            await poll_day(sim, clock, token, polls=polls, interval=args.interval, etag=True),
        ]


def parse_args() -> argparse.Namespace:
    """Read the options."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.watchlist_poll")
    parser.add_argument(
        "--interval", type=float, default=300.0, metavar="S", help="seconds between polls"
    )
    parser.add_argument("--items", type=int, default=200, help="titles on the watchlist")
    args = parser.parse_args()
    if args.interval <= 0 or args.items < 0:
        parser.error("the interval must be positive and the item count not negative")
    return args


def main() -> None:
    """Print the figures."""
    args = parse_args()
    print(machine())
    print(
        f"An unchanged watchlist of {args.items} titles, polled every {args.interval:g} s "
        "for a day, through PlexTVClient.watchlist() (pages of 100) against the simulator."
    )
    with loopback_only():
        results = asyncio.run(run(args))
    print()
    print(table(results))
    print()
    print(
        "body: response bodies as received; resp. headers: status line and header fields as "
        "received; req. headers: request line and header fields as sent (X-Plex-* identity "
        "and token included). TCP/IP overhead is not counted."
    )
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
