"""Run the plex.tv simulator on its own: python -m library.simulators.plextv --port 8765."""

import argparse
import asyncio
import signal
import sys

from .app import PlexTVSimulator


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m library.simulators.plextv", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument(
        "--discover-port", type=int, default=0, help="the discover host's port (0: any free)"
    )
    parser.add_argument(
        "--metadata-port", type=int, default=0, help="the metadata host's port (0: any free)"
    )
    parser.add_argument(
        "--pin-expires-in",
        type=float,
        default=900,
        metavar="S",
        help="lifetime of a 4-character pin, in seconds",
    )
    parser.add_argument(
        "--min-poll-interval",
        type=float,
        default=1.0,
        metavar="S",
        help="shortest accepted gap between two checks of one pin",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    simulator = PlexTVSimulator(
        pin_expires_in=args.pin_expires_in, min_poll_interval=args.min_poll_interval
    )
    url = await simulator.start(
        args.host, args.port, discover_port=args.discover_port, metadata_port=args.metadata_port
    )
    # One line per host on stdout, plex.tv's first, flushed, so a parent process can read them.
    sys.stdout.write(
        f"plex.tv simulator on {url}\n"
        f"discover simulator on {simulator.discover_url}\n"
        f"metadata simulator on {simulator.metadata_url}\n"
    )
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await simulator.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM."""
    asyncio.run(_serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
