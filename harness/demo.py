"""Run the simulators and Home Assistant side by side until Ctrl-C (scripts/demo).

The plex.tv simulator lists the Plex Media Server simulator as the sample account's Living
Room Server, so that playback started there (python -m library.simulators.pms.play) shows in Home
Assistant's media players.
"""

import argparse
import shutil
import signal
import socket
import sys
import threading
from pathlib import Path
from types import FrameType

from library import loopback
from library.simulators.pms.play import DEFAULT_CONTROL_URL

from .home_assistant import HomeAssistant
from .processes import ROOT, SERVER_HOST, HarnessError, ServerSimulator, Simulator

CONFIG = ROOT / ".cache" / "demo-config"
USERNAME = "demo"
PASSWORD = "demo-password"  # noqa: S105 - a local demo account


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__)
    for option, default, what in (
        ("--plextv-port", 8765, "the plex.tv simulator"),
        ("--pms-port", 32400, f"the Plex Media Server simulator on {SERVER_HOST}"),
        (
            "--pms-control-port",
            int(DEFAULT_CONTROL_URL.rsplit(":", 1)[1]),
            "its control routes, which python -m library.simulators.pms.play talks to",
        ),
    ):
        parser.add_argument(option, type=int, default=default, help=f"port of {what}")
    parser.add_argument(
        "--pin-expires-in", type=float, metavar="S", help="lifetime of a code (default: 900 s)"
    )
    parser.add_argument(
        "--films",
        type=int,
        default=0,
        metavar="N",
        help="generated films more in the server's Films library (default: none; try 20000)",
    )
    return parser.parse_args(argv)


def _ports_free(args: argparse.Namespace) -> bool:
    """Say which port is taken, if one is."""
    wanted = (
        (8123, "0.0.0.0", "Home Assistant"),  # noqa: S104 - it listens on all of them
        (args.plextv_port, "127.0.0.1", "the plex.tv simulator"),
        (args.pms_port, SERVER_HOST, "the Plex Media Server simulator"),
        (args.pms_control_port, SERVER_HOST, "the Plex Media Server simulator's control"),
    )
    for port, host, what in wanted:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                _say(f"scripts/demo: port {port} for {what} is in use", error=True)
                return False
    return True


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Start them all, print where they are, wait for Ctrl-C, stop them all."""
    args = _parse_args(argv)
    loopback.arm()
    # A closed terminal or a plain kill stops the demo as cleanly as Ctrl-C, which is also
    # handled when a parent shell started the demo with SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)

    if not _ports_free(args):
        return 1

    # A fresh Home Assistant each time: the simulator forgets its tokens when it stops.
    shutil.rmtree(CONFIG, ignore_errors=True)
    logs = ROOT / ".cache" / "demo-logs"
    simulator: Simulator | None = None
    server: ServerSimulator | None = None
    hass: HomeAssistant | None = None
    try:
        _say("==> starting the plex.tv simulator")
        simulator = Simulator.start(
            logs / "simulator.log", pin_expires_in=args.pin_expires_in, port=args.plextv_port
        )
        _say("==> starting the Plex Media Server simulator (the Living Room Server)")
        server = ServerSimulator.start(
            logs / "media-server.log",
            port=args.pms_port,
            control_port=args.pms_control_port,
            films=args.films,
        )
        server.wire(simulator)
        _say("==> starting Home Assistant (about half a minute the first time)")
        hass = HomeAssistant.start(
            CONFIG,
            port=8123,
            simulator=simulator,
            configuration=None,
            username=USERNAME,
            password=PASSWORD,
        )
        hass.onboard(name="Demo")
        _print_instructions(simulator, server, CONFIG)
        while hass.process.running and simulator.process.running and server.process.running:
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
        if server is not None:
            server.stop()
        if simulator is not None:
            simulator.stop()


def _say(text: str, *, error: bool = False) -> None:
    stream = sys.stderr if error else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def _print_instructions(simulator: Simulator, server: ServerSimulator, config: Path) -> None:
    play = ".venv/bin/python -m library.simulators.pms.play"
    if server.control_url != DEFAULT_CONTROL_URL:
        play += f" --control {server.control_url}"
    _say(
        f"""
Plex Account demo
  Home Assistant      http://localhost:8123   (user {USERNAME}, password {PASSWORD})
  plex.tv link page   {simulator.link_url}
  Living Room Server  {server.url}   (the Plex Media Server simulator)

1. In Home Assistant open Settings > Devices & services > Add integration and
   pick Plex Account; keep or change the two names and select Submit.
2. Open the link page above, type the four-character code Home Assistant shows,
   and select Link. Home Assistant adds the sample account within a second.
3. Open To-do lists in the sidebar and pick Plex watchlist: add "Dune 1984",
   or tick an item off (it is marked watched and leaves the watchlist).
4. Play something on the Living Room TV: in a second terminal, in this folder,
   run the lines below one by one and watch media_player.living_room_tv follow
   (Overview, or Settings > Devices & services > Entities):
     {play} start
     {play} pause
     {play} resume
     {play} stop
   start --media episode|track plays something else; list shows what plays.
   The Living Room TV takes remote control: start a film on it (the first
   line), then press pause on its card (Overview > Media players) or in its
   dialog; play, stop, seek, next, previous and volume work too. The command
   goes through the server to the TV, and the card changes once the server
   says the TV paused: list (as above) shows the session paused there.
5. Sign a new device in to the account, then ask Home Assistant to read the
   list now (or wait ten minutes) and watch the Sign-ins event fire:
     curl -s -X POST {simulator.url}/_sim/devices -d '{{"name": "Bedroom TV"}}'
   then, in Developer tools > Actions, homeassistant.update_entity on the
   account's Authorized devices sensor; plex_account.revoke_device with the
   event's client_identifier signs the device out again.
6. Browse the Living Room Server's libraries: open Media in the sidebar, then
   Plex > Plex Fan > Living Room Server. Its tracks (Music) play in this
   browser; a Films library of more than 300 films (scripts/demo --films 20000)
   is grouped by first letter.
7. Add an episode to the server and watch event.living_room_server_library
   fire with its title (and sensor.living_room_server_tv_shows count it):
     curl -s -X POST {server.control_url}/_sim/library/items -d '{{"section": "2",
       "kind": "episode", "show": "Northern Lines", "season": 2, "title": "Harbour Ice"}}'
   "kind": "movie" with "section": "1" adds a film, "track" with "section": "3"
   (and "artist", "album") a track; {server.control_url}/_sim/library
   shows the sections and their counts.

The simulated account has Plex Pass, two servers of its own (the Living Room
Server above, online, and the Attic NAS, offline), one shared server, a few
players and three titles on its watchlist.
Simulator state, for the curious:
  {simulator.url}/_sim/state
  {simulator.url}/_sim/watchlist
  {server.control_url}/_sim/state
Home Assistant's files and log: {config.relative_to(ROOT)}/
The simulators' logs: {(ROOT / ".cache" / "demo-logs").relative_to(ROOT)}/

Press Ctrl-C to stop them all.
"""
    )


if __name__ == "__main__":
    sys.exit(main())
