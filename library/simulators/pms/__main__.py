"""Run the Plex Media Server simulator on its own: python -m library.simulators.pms --port 32400."""

import argparse
import asyncio
import signal
import sys

from .app import PMSSimulator
from .sample import SAMPLE_MACHINE_IDENTIFIER, SAMPLE_SERVER_NAME, SAMPLE_TOKEN


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m library.simulators.pms", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument(
        "--control-port", type=int, default=0, help="the control port (0: any free)"
    )
    parser.add_argument("--machine-identifier", default=SAMPLE_MACHINE_IDENTIFIER)
    parser.add_argument("--token", default=SAMPLE_TOKEN, help="the token requests must carry")
    parser.add_argument("--name", default=SAMPLE_SERVER_NAME, help="the server's friendlyName")
    parser.add_argument(
        "--progress-interval",
        type=float,
        default=None,
        metavar="S",
        help="send a progress notification of playing sessions every S seconds",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    simulator = PMSSimulator(
        machine_identifier=args.machine_identifier, token=args.token, name=args.name
    )
    url = await simulator.start(args.host, args.port, control_port=args.control_port)
    simulator.progress_interval = args.progress_interval
    # The server's line first, then the control port's, flushed, for a parent process.
    sys.stdout.write(
        f"Plex Media Server simulator on {url}\n"
        f"Plex Media Server simulator control on {simulator.control_url}\n"
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
