"""What polling an unchanged watchlist costs a day, with and without its ETag.

The plex.tv simulator runs in this process on a fake clock, moved one interval per poll; the
library's PlexTVClient signs in for real and reads a watchlist of generated titles in pages
of 100, once per interval for a simulated day: without the ETag every poll reads every page;
with it, each poll sends the first page's ETag and stops at the 304. Requests are counted in
the simulator's log (and checked against the client's); bytes on the client's side, as
aiohttp's tracing hooks see them (bodies by their Content-Length).
"""

import argparse
from dataclasses import dataclass
from types import SimpleNamespace

from aiohttp import (
    ClientSession,
    TraceConfig,
    TraceRequestEndParams,
    TraceRequestHeadersSentParams,
)
from aioplexaccount import PlexTVClient, Watchlist

from harness import runner
from library.simulators.plextv import FakeClock, PlexTVSimulator, generated_items

from .refresh_cost import IDENTITY

WATCHLIST = "/library/sections/watchlist/"
DAY = 86_400


@dataclass
class Traffic:
    """What crossed the connection, counted by aiohttp's tracing hooks."""

    requests: int = 0
    request_headers: int = 0
    response_headers: int = 0
    body: int = 0

    def trace_config(self) -> TraceConfig:
        """Return a trace config that adds every request and response to these counts."""
        config = TraceConfig()

        async def sent(
            _: ClientSession, __: SimpleNamespace, params: TraceRequestHeadersSentParams
        ) -> None:
            self.requests += 1
            line = len(f"{params.method} {params.url.raw_path_qs} HTTP/1.1\r\n")
            self.request_headers += (
                line + 2 + sum(len(k) + len(v) + 4 for k, v in params.headers.items())
            )

        async def ended(
            _: ClientSession, __: SimpleNamespace, params: TraceRequestEndParams
        ) -> None:
            answer = params.response
            # As sent: the client reads the body as a stream, which aiohttp does not trace.
            self.body += answer.content_length or 0
            line = len(f"HTTP/1.1 {answer.status} {answer.reason}\r\n")
            self.response_headers += (
                line + 2 + sum(len(k) + len(v) + 4 for k, v in answer.raw_headers)
            )

        config.on_request_headers_sent.append(sent)
        config.on_request_end.append(ended)
        return config


def size(value: float) -> str:
    """Format bytes as KiB, or MiB when large."""
    return f"{value / 2**20:,.2f} MiB" if value >= 2**20 else f"{value / 1024:,.1f} KiB"


async def poll_day(
    sim: PlexTVSimulator, clock: FakeClock, token: str, interval: float, *, etag: bool
) -> list[str]:
    """Poll the watchlist a day long, `interval` fake seconds apart; return the table's row."""
    traffic = Traffic()
    polls = max(1, round(DAY / interval))
    async with ClientSession(trace_configs=[traffic.trace_config()]) as session:
        client = PlexTVClient(
            identity=IDENTITY,
            session=session,
            token=token,
            base_url=sim.url,
            discover_url=sim.discover_url,
            metadata_url=sim.metadata_url,
        )
        sim.requests.clear()
        last: Watchlist | None = None
        for _ in range(polls):
            last = await client.watchlist(etag=last.etag if etag and last else None) or last
            if last is None:
                msg = "the first poll cannot be unchanged"
                raise runner.BenchmarkError(msg)
            clock.advance(interval)
    logged = len(sim.requests_to(WATCHLIST, host="discover"))
    if logged != traffic.requests:
        msg = f"the simulator logged {logged} requests, the client sent {traffic.requests}"
        raise runner.BenchmarkError(msg)
    total = traffic.body + traffic.response_headers + traffic.request_headers
    return [
        "with ETag" if etag else "without ETag", f"{polls:,}", f"{logged / polls:.2f}",
        f"{logged:,}", size(traffic.body), size(traffic.response_headers),
        size(traffic.request_headers), size(total),
    ]  # fmt: skip


async def run(args: argparse.Namespace) -> None:
    """Serve a watchlist of args.items titles; poll it for one simulated day each way."""
    print(
        f"An unchanged watchlist of {args.items} titles, polled every {args.interval:g} s for "
        "a day, through PlexTVClient.watchlist() (pages of 100) against the simulator."
    )
    clock = FakeClock()
    sim = PlexTVSimulator(clock=clock)
    items = generated_items(args.items)
    sim.library.add_items(items)
    sim.set_watchlist([item["ratingKey"] for item in items])
    async with sim, PlexTVClient(identity=IDENTITY, base_url=sim.url) as client:
        token = sim.approve((await client.create_pin()).code)
        rows = [
            await poll_day(sim, clock, token, args.interval, etag=etag) for etag in (False, True)
        ]
    columns = "<mode|polls/day|requests/poll|requests/day|body/day|resp. headers/day"
    print(runner.table(f"{columns}|req. headers/day|total/day", rows))
    print(
        "\nbody: response bodies as received; resp. headers: status line and header fields as "
        "received; req. headers: request line and header fields as sent (X-Plex-* identity "
        "and token included). TCP/IP overhead is not counted."
    )


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--interval", type=float, default=300.0, help="seconds between polls")
    parser.add_argument("--items", type=int, default=200, help="titles on the watchlist")


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"interval": 3600.0, "items": 150})


if __name__ == "__main__":
    main()
