"""Start, pause, resume and stop playback on a running Plex Media Server simulator.

    python -m library.simulators.pms.play start [--player living_room_tv] [--media film]
    python -m library.simulators.pms.play pause|resume|buffer|stop [SESSION]
    python -m library.simulators.pms.play list

It talks to the simulator's control port (--control, or PLEX_ACCOUNT_PMS_CONTROL, or the
one scripts/demo uses). Without a SESSION, an action applies to the newest session.
"""

import argparse
import os
import sys
from typing import Any
from urllib.parse import urlsplit

import httpx

from library.simulators.common import loopback

from .control import ACTIONS
from .sample import SAMPLE_MEDIA, SAMPLE_PLAYERS

# scripts/demo serves the simulator on the sample server's own address and port, and its
# control routes on the next port.
DEFAULT_CONTROL_URL = "http://127.0.0.2:32401"
CONTROL_URL_ENV = "PLEX_ACCOUNT_PMS_CONTROL"


class ControlError(RuntimeError):
    """The control port refused an action or could not be reached."""


def check_loopback(url: str) -> str:
    """Return url if its host is a loopback address or localhost; raise ValueError otherwise.

    The simulator only ever listens on loopback, so any other host is a mistake.
    """
    host = urlsplit(url).hostname or ""
    try:
        loopback("127.0.0.1" if host == "localhost" else host)
    except ValueError:
        msg = f"{url!r} is not on a loopback address"
        raise ValueError(msg) from None
    return url


class Control:
    """A client of the simulator's /_sim/ session routes."""

    def __init__(self, url: str, *, timeout: float = 10) -> None:
        """Talk to the control port at url (http://127.0.0.2:32401, say)."""
        self.url = check_loopback(url.rstrip("/"))
        self.http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()

    def sessions(self) -> list[dict[str, Any]]:
        """Return the current sessions, oldest first, as /status/sessions lists them."""
        result: list[dict[str, Any]] = self._call("GET", "/_sim/sessions")
        return result

    def start(self, player: str = "living_room_tv", media: str = "film") -> str:
        """Start playing a sample media item on a sample player; return the sessionKey."""
        answer = self._call("POST", "/_sim/sessions", {"player": player, "media": media})
        return str(answer["sessionKey"])

    def act(self, action: str, key: str | None = None) -> dict[str, Any]:
        """Pause, resume, buffer or stop a session (the newest one without a key)."""
        if key is None:
            current = self.sessions()
            if not current:
                msg = "nothing is playing"
                raise ControlError(msg)
            key = str(current[-1]["sessionKey"])
        result: dict[str, Any] = self._call("POST", f"/_sim/sessions/{key}/{action}")
        return result

    def _call(self, method: str, path: str, body: object = None) -> Any:  # noqa: ANN401
        try:
            response = self.http.request(method, path, json=body)
        except httpx.TransportError as err:
            msg = f"the simulator's control port {self.url} did not answer: {err}"
            raise ControlError(msg) from err
        if response.is_error:
            try:
                detail = response.json().get("error", response.text)
            except ValueError:
                detail = response.text
            msg = f"{method} {path}: {response.status_code} {detail}"
            raise ControlError(msg)
        return response.json()


def describe(session: dict[str, Any]) -> str:
    """Return one line for a session: key, state, title and player."""
    title = session["title"]
    if show := session.get("grandparentTitle"):
        title = f"{show}: {title}"
    player = session["Player"]
    return f"session {session['sessionKey']}: {player['state']} {title!r} on {player['title']}"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m library.simulators.pms.play",
        description="Drive playback on a running Plex Media Server simulator.",
    )
    parser.add_argument(
        "--control",
        default=os.environ.get(CONTROL_URL_ENV, DEFAULT_CONTROL_URL),
        metavar="URL",
        help=f"the simulator's control URL (default: ${CONTROL_URL_ENV} or %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start playing a sample item on a sample player")
    start.add_argument("--player", default="living_room_tv", choices=sorted(SAMPLE_PLAYERS))
    start.add_argument("--media", default="film", choices=sorted(SAMPLE_MEDIA))
    for action in ACTIONS:
        command = commands.add_parser(action, help=f"{action} a session (default: the newest)")
        command.add_argument("session", nargs="?", help="its sessionKey")
    commands.add_parser("list", help="list the current sessions")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run one command; print what it did."""
    args = _parse_args(argv)
    try:
        control = Control(args.control)
    except ValueError as err:
        sys.stderr.write(f"play: {err}\n")
        return 2
    try:
        if args.command == "list":
            lines = [describe(session) for session in control.sessions()]
        elif args.command == "start":
            key = control.start(args.player, args.media)
            lines = [describe(s) for s in control.sessions() if str(s["sessionKey"]) == key]
        elif args.command == "stop":
            lines = [f"session {control.act('stop', args.session)['sessionKey']}: stopped"]
        else:
            lines = [describe(control.act(args.command, args.session))]
    except ControlError as err:
        sys.stderr.write(f"play: {err}\n")
        return 1
    finally:
        control.close()
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
