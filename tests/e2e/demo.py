"""Run the plex.tv simulator and Home Assistant side by side until Ctrl-C (scripts/demo)."""

import argparse
import shutil
import signal
import socket
import sys
import threading
from pathlib import Path
from types import FrameType

from .harness import ROOT, HarnessError, HomeAssistant, Simulator

CONFIG = ROOT / ".cache" / "demo-config"
USERNAME = "demo"
PASSWORD = "demo-password"  # noqa: S105 - a local demo account


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__)
    parser.add_argument(
        "--plextv-port", type=int, default=8765, help="port of the plex.tv simulator"
    )
    parser.add_argument(
        "--pin-expires-in",
        type=float,
        default=None,
        metavar="S",
        help="lifetime of a code in seconds (default: plex.tv's 900)",
    )
    return parser.parse_args(argv)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))  # noqa: S104 - Home Assistant listens on all of them
        except OSError:
            return False
    return True


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Start both, print where they are, wait for Ctrl-C, stop both."""
    args = _parse_args(argv)
    # A closed terminal or a plain kill stops the demo as cleanly as Ctrl-C, which is also
    # handled when a parent shell started the demo with SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)

    for port, what in ((8123, "Home Assistant"), (args.plextv_port, "the simulator")):
        if not _port_free(port):
            _say(f"scripts/demo: port {port} for {what} is in use", error=True)
            return 1

    # A fresh Home Assistant each time: the simulator forgets its tokens when it stops.
    shutil.rmtree(CONFIG, ignore_errors=True)
    logs = ROOT / ".cache" / "demo-logs"
    simulator: Simulator | None = None
    hass: HomeAssistant | None = None
    try:
        _say("==> starting the plex.tv simulator")
        simulator = Simulator.start(
            logs / "simulator.log", pin_expires_in=args.pin_expires_in, port=args.plextv_port
        )
        _say("==> starting Home Assistant (about half a minute the first time)")
        hass = HomeAssistant.start(
            CONFIG,
            port=8123,
            simulator=simulator,
            write_config=False,
            username=USERNAME,
            password=PASSWORD,
        )
        hass.onboard(name="Demo")
        _print_instructions(simulator, CONFIG)
        while hass.process.running and simulator.process.running:
            threading.Event().wait(1)
    except KeyboardInterrupt:
        _say("\n==> stopping")
        return 0
    except HarnessError as err:
        _say(f"scripts/demo: {err}", error=True)
        return 1
    else:
        _say(f"scripts/demo: a process stopped by itself; logs in {logs} and {CONFIG}", error=True)
        return 1
    finally:
        # A second Ctrl-C must not cut the stopping short and leave a process behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if hass is not None:
            hass.stop()
        if simulator is not None:
            simulator.stop()


def _say(text: str, *, error: bool = False) -> None:
    stream = sys.stderr if error else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def _print_instructions(simulator: Simulator, config: Path) -> None:
    _say(
        f"""
Plex Account demo
  Home Assistant      http://localhost:8123   (user {USERNAME}, password {PASSWORD})
  plex.tv link page   {simulator.link_url}

1. In Home Assistant open Settings > Devices & services > Add integration and
   pick Plex Account; keep or change the two names and select Submit.
2. Open the link page above, type the four-character code Home Assistant shows,
   and select Link. Home Assistant adds the sample account within a second.
3. Open To-do lists in the sidebar and pick Plex watchlist: add "Dune 1984",
   or tick an item off (it is marked watched and leaves the watchlist).

The simulated account has Plex Pass, two servers of its own (one online, one
offline), one shared server, a few players and three titles on its watchlist.
Simulator state, for the curious:
  {simulator.url}/_sim/state
  {simulator.url}/_sim/watchlist
Home Assistant's files and log: {config.relative_to(ROOT)}/

Press Ctrl-C to stop both.
"""
    )


if __name__ == "__main__":
    sys.exit(main())
