"""Child processes, and the plex.tv and Plex Media Server simulators as processes.

Every process is started in its own session, so that stopping it stops its children too,
with the loopback guard armed: it records, next to the process's log, every attempt to
resolve or reach a host off loopback.
"""

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Self

import httpx

from library import loopback
from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID, sample_resources
from library.simulators.pms.play import Control

ROOT = Path(__file__).resolve().parent.parent
PLEXTV_URL_ENV = "PLEX_ACCOUNT_PLEXTV_URL"
DISCOVER_URL_ENV = "PLEX_ACCOUNT_DISCOVER_URL"
METADATA_URL_ENV = "PLEX_ACCOUNT_METADATA_URL"
# The sample Living Room Server's local address: the server simulator stands in for it there.
SERVER_HOST = "127.0.0.2"
# What a simulator prints once it serves: one "<what> on <URL>" line per port.
_SERVING = re.compile(r"^(.+) on (http://\S+)$", re.MULTILINE)


class HarnessError(RuntimeError):
    """A process did not start, or answered something unexpected."""


def wait_for[T](
    check: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.1,
    what: str = "a condition",
) -> T:
    """Call check until it returns something other than None or False; return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout:.0f} s waiting for {what}"
            raise HarnessError(msg)
        time.sleep(interval)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Process:
    """A child process in its own session, its output in a file, the loopback guard armed."""

    def __init__(
        self, name: str, args: list[str], *, log_path: Path, env: Mapping[str, str] | None = None
    ) -> None:
        """Start args with stdout and stderr going to log_path, the guard's record beside it."""
        self.name = name
        self.log_path = log_path
        self.guard_record = log_path.with_name(f"{log_path.stem}-loopback-guard.log")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] = log_path.open("wb")
        self.popen = subprocess.Popen(  # noqa: S603 - our own commands
            args,
            cwd=ROOT,
            env=loopback.environment(self.guard_record, env),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        """Return whether the process has not exited yet."""
        return self.popen.poll() is None

    def output(self) -> str:
        """Return what the process has written so far."""
        return self.log_path.read_text(errors="replace")

    def refused(self) -> list[str]:
        """Return what the loopback guard refused the process, one line per attempt."""
        return loopback.records(self.guard_record)

    def serving(self, count: int, timeout: float = 30) -> dict[str, str]:
        """Wait until the process has printed count "<what> on <URL>" lines; return them."""

        def printed() -> dict[str, str] | None:
            if not self.running:
                msg = f"the {self.name} exited:\n{self.output()[-5000:]}"
                raise HarnessError(msg)
            urls = dict(_SERVING.findall(self.output()))
            return urls if len(urls) >= count else None

        try:
            urls = wait_for(printed, timeout=timeout, what=f"the {self.name}")
            self.refused()
        except BaseException:
            self.stop()
            raise
        return urls

    def stop(self, timeout: float = 20) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after timeout seconds."""
        try:
            if self.running:
                self._signal(signal.SIGTERM)
                try:
                    self.popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._signal(signal.SIGKILL)
                    self.popen.wait(5)
            # Children that outlived the leader (none expected) go too.
            self._signal(signal.SIGKILL)
        finally:
            self._log.close()

    def _signal(self, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)


def _json(response: httpx.Response) -> Any:  # noqa: ANN401 - any JSON
    """Return a response's JSON (None if empty); raise HarnessError on an error status."""
    if response.is_error:
        msg = f"{response.request.method} {response.request.url.path}: {response.status_code} "
        raise HarnessError(msg + response.text[:500])
    return response.json() if response.content else None


@dataclass
class Simulator:
    """The plex.tv simulator running as a process, and its /_sim/ control interface."""

    url: str
    discover_url: str
    metadata_url: str
    process: Process
    http: httpx.Client = field(repr=False)

    @classmethod
    def start(
        cls,
        log_path: Path,
        *,
        pin_expires_in: float | None = None,
        port: int = 0,
        command: Sequence[str] = ("-m", "library.simulators.plextv"),
    ) -> Self:
        """Start `python <command>` (the simulator) on 127.0.0.1; wait until it serves."""
        args = [sys.executable, *command, "--host", "127.0.0.1", "--port", str(port)]
        if pin_expires_in is not None:
            args += ["--pin-expires-in", str(pin_expires_in)]
        process = Process("plex.tv simulator", args, log_path=log_path)
        urls = process.serving(3)
        return cls(
            url=urls["plex.tv simulator"],
            discover_url=urls["discover simulator"],
            metadata_url=urls["metadata simulator"],
            process=process,
            http=httpx.Client(base_url=urls["plex.tv simulator"], timeout=10),
        )

    @property
    def link_url(self) -> str:
        """Return the page where the code is typed."""
        return f"{self.url}/link"

    def stop(self) -> None:
        """Stop the simulator."""
        self.http.close()
        self.process.stop()

    def state(self) -> dict[str, Any]:
        """Return GET /_sim/state: pins, tokens, signed_out."""
        result: dict[str, Any] = _json(self.http.get("/_sim/state"))
        return result

    def approve(self, code: str, account: str | dict[str, Any] | None = None) -> str:
        """Approve a pending code at plex.tv/link; return the token.

        The account is the sample account, or another one: one the simulator knows, by uuid
        or username (such as the household's second account), or a new one.
        """
        body = {"code": code} if account is None else {"code": code, "account": account}
        token: str = _json(self.http.post("/_sim/approve", json=body))["token"]
        return token

    def revoke(self, token: str, status: int = 401) -> None:
        """Make plex.tv refuse token from now on."""
        _json(self.http.post("/_sim/revoke", json={"token": token, "status": status}))

    def sign_in_device(self, **device: str) -> dict[str, Any]:
        """Sign a new device in to the sample account (name, product, platform...)."""
        entry: dict[str, Any] = _json(self.http.post("/_sim/devices", json=device))
        return entry

    def watchlist(self) -> list[str]:
        """Return the rating keys on the sample account's watchlist, newest first."""
        return [item["ratingKey"] for item in _json(self.http.get("/_sim/watchlist"))]

    def set_watchlist(self, rating_keys: list[str]) -> None:
        """Replace the sample account's watchlist, newest first."""
        _json(self.http.put("/_sim/watchlist", json=rating_keys))

    def environment(self) -> dict[str, str]:
        """Return the variables that point the integration at the simulator's hosts."""
        return {
            PLEXTV_URL_ENV: self.url,
            DISCOVER_URL_ENV: self.discover_url,
            METADATA_URL_ENV: self.metadata_url,
        }

    def secrets(self) -> list[str]:
        """Return every token the simulator handed out (pins' and accounts')."""
        state = self.state()
        found = {pin["authToken"] for pin in state["pins"] if pin["authToken"]}
        found |= {token["token"] for token in state["tokens"]}
        return sorted(found)


@dataclass
class ServerSimulator:
    """The sample Living Room Server: the PMS simulator as a process, and its control port."""

    url: str
    control_url: str
    token: str = field(repr=False)
    process: Process
    control: Control = field(repr=False)

    @classmethod
    def start(  # noqa: PLR0913 - all keyword-only but the log
        cls,
        log_path: Path,
        *,
        host: str = SERVER_HOST,
        port: int = 0,
        control_port: int = 0,
        token: str | None = None,
        command: Sequence[str] = ("-m", "library.simulators.pms"),
        films: int = 0,
    ) -> Self:
        """Start `python <command>` (the simulator) on host; wait until it serves.

        Port 0 (the default) picks free ports. The token, which every request but /identity
        must carry, is a fresh one unless given: wire() hands it to plex.tv's resource, so
        that the integration can only know it from there. films adds that many generated
        films to the Films library.
        """
        token = token or secrets.token_hex(10)  # 20 letters and digits, as plex.tv's
        args = [sys.executable, *command, "--host", host, "--port", str(port)]
        args += ["--control-port", str(control_port), "--token", token]
        args += ["--films", str(films)] if films else []
        process = Process("Plex Media Server simulator", args, log_path=log_path)
        urls = process.serving(2)
        control_url = urls["Plex Media Server simulator control"]
        return cls(
            url=urls["Plex Media Server simulator"],
            control_url=control_url,
            token=token,
            process=process,
            control=Control(control_url),
        )

    @property
    def host(self) -> str:
        """Return the address the server listens on."""
        return httpx.URL(self.url).host

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        port = httpx.URL(self.url).port
        assert port is not None
        return port

    def resources(self) -> list[dict[str, Any]]:
        """Return the sample plex.tv resources, the Living Room Server pointing at this server.

        Its local connection (uri, address, port) and its accessToken are this server's; its
        other connections stay as they are: nothing listens there, so they are refused at once.
        """
        resources = sample_resources()
        [server] = [r for r in resources if r["clientIdentifier"] == LIVING_ROOM_SERVER_ID]
        server["accessToken"] = self.token
        [local] = [c for c in server["connections"] if c["local"] and not c["relay"]]
        local.update(address=self.host, port=self.port, uri=f"http://{self.host}:{self.port}")
        return resources

    def wire(self, plextv: Simulator) -> None:
        """Make plex.tv list this server as the sample account's Living Room Server.

        Before the account signs in: the integration reads the resources then.
        """
        _json(plextv.http.put("/_sim/resources", json=self.resources()))

    def stop(self) -> None:
        """Stop the simulator."""
        self.control.close()
        self.process.stop()

    def requests(self) -> list[dict[str, Any]]:
        """Return the requests the server answered, oldest first."""
        result: list[dict[str, Any]] = _json(self.control.http.get("/_sim/requests"))
        return result

    def start_session(self, player: str = "living_room_tv", media: str = "film") -> str:
        """Start playing a sample item on a sample player; return the sessionKey."""
        return self.control.start(player, media)

    def stop_all(self) -> None:
        """Stop every session."""
        _json(self.control.http.delete("/_sim/sessions"))

    def forget_requests(self) -> None:
        """Clear the server's request log."""
        _json(self.control.http.delete("/_sim/requests"))

    def library(self) -> dict[str, Any]:
        """Return GET /_sim/library: the sections and their counts, scans, transcodes."""
        result: dict[str, Any] = _json(self.control.http.get("/_sim/library"))
        return result

    def add_items(self, section: str, kind: str, **fields: object) -> list[str]:
        """Add items to a library and announce them as a server does; return their keys.

        fields: title, year, show, season, episode, artist, album, duration, count, and
        processed=False to stop at the first notification (see the simulator's control).
        """
        body = {"section": section, "kind": kind, **fields}
        keys: list[str] = _json(self.control.http.post("/_sim/library/items", json=body))[
            "ratingKeys"
        ]
        return keys
