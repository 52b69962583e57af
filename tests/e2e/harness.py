"""Run the plex.tv simulator and a real Home Assistant as processes, and talk to them over HTTP.

Used by the end-to-end tests and by scripts/demo. Every process is started in its own session,
so stopping it stops its children too.
"""

import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import string
import subprocess
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Self

import aiohttp
import httpx

from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID, sample_resources
from library.simulators.pms.play import Control

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
DEVELOP = ROOT / "scripts" / "develop"
DOMAIN = "plex_account"
PLEXTV_URL_ENV = "PLEX_ACCOUNT_PLEXTV_URL"
DISCOVER_URL_ENV = "PLEX_ACCOUNT_DISCOVER_URL"
METADATA_URL_ENV = "PLEX_ACCOUNT_METADATA_URL"
# The virtual environment whose Home Assistant scripts/develop starts (default: .venv), and
# the release it must report; scripts/e2e --ha sets both.
HA_VENV_ENV = "PLEX_ACCOUNT_HA_VENV"
HA_VERSION_ENV = "PLEX_ACCOUNT_HA_VERSION"
# The folder whose sitecustomize.py refuses and records, in every process started here, each
# attempt to resolve or reach a host outside loopback; the variable names the record file.
LOOPBACK_GUARD = Path(__file__).resolve().parent / "loopback_guard"
LOOPBACK_GUARD_ENV = "PLEX_ACCOUNT_LOOPBACK_GUARD"
GUARD_RECORD_NAME = "loopback-guard.log"
# What Home Assistant tries whatever its configuration says, which the guard refuses as it
# refuses everything else and the run tolerates: on every start, the network integration
# (which http loads) finds the machine's own address by connecting a UDP socket to 8.8.8.8
# and to mDNS's 224.0.0.251 and reading the socket's address back. Such a connect sends no
# packet; refused, Home Assistant logs that it could not tell and carries on.
UNSTOPPABLE_REFUSALS = (
    re.compile(
        r" connect '(8\.8\.8\.8|224\.0\.0\.251)' refused; "
        r"homeassistant/components/network/util\.py:\d+ async_get_source_ip <"
    ),
)
# The first release that tries HTTP settings from YAML and asks to confirm them.
HTTP_CONFIG_TRIAL_SINCE = (2026, 8)

# The simulator prints one line per host it serves: plex.tv, discover and metadata.
_SIMULATOR_LINE = re.compile(
    r"^(plex\.tv|discover|metadata) simulator on (http://\S+)$", re.MULTILINE
)

# The Plex Media Server simulator prints its URL, then its control port's.
_SERVER_LINE = re.compile(r"^Plex Media Server simulator on (http://\S+)$", re.MULTILINE)
_SERVER_CONTROL_LINE = re.compile(
    r"^Plex Media Server simulator control on (http://\S+)$", re.MULTILINE
)
# The sample Living Room Server's local address: the simulator stands in for it there.
SERVER_HOST = "127.0.0.2"


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


def home_assistant_venv() -> Path:
    """Return the virtual environment whose Home Assistant scripts/develop starts."""
    return Path(os.environ.get(HA_VENV_ENV) or ROOT / ".venv").resolve()


def expected_version() -> str:
    """Return the Home Assistant release that the started process must report.

    PLEX_ACCOUNT_HA_VERSION when set, otherwise the release installed in the environment
    that scripts/develop starts it from.
    """
    if wanted := os.environ.get(HA_VERSION_ENV):
        return wanted
    venv = home_assistant_venv()
    found = sorted(venv.glob("lib/python*/site-packages/homeassistant-*.dist-info"))
    if len(found) != 1:
        msg = f"expected one homeassistant in {venv}, found {len(found)}"
        raise HarnessError(msg)
    return found[0].name.removeprefix("homeassistant-").removesuffix(".dist-info")


def release_tuple(version: str) -> tuple[int, ...]:
    """Return (year, month, patch) of a release number such as 2026.3.0 or 2026.11.0b1."""
    return tuple(int(re.sub(r"\D.*", "", part) or 0) for part in version.split(".")[:3])


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def guarded_environment(record: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return env (os.environ by default) with the loopback guard armed, recording to record.

    The guard's folder goes first on PYTHONPATH, so that its sitecustomize is the one Python
    imports. The guard creates the record file, empty, when it arms: none is left from before.
    """
    env = dict(os.environ if env is None else env)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.unlink(missing_ok=True)
    paths = [str(LOOPBACK_GUARD), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return {**env, "PYTHONPATH": os.pathsep.join(paths), LOOPBACK_GUARD_ENV: str(record)}


def unstoppable(line: str) -> bool:
    """Return whether a refused attempt is one Home Assistant makes whatever it is told."""
    return any(pattern.search(line) for pattern in UNSTOPPABLE_REFUSALS)


def guard_records(record: Path) -> list[str]:
    """Return the attempts the guard refused, one line each; fail if it never armed."""
    if not record.exists():
        msg = f"the loopback guard did not arm: no {record}"
        raise HarnessError(msg)
    return [line for line in record.read_text(errors="replace").splitlines() if line.strip()]


class Process:
    """A child process in its own session, its output in a file."""

    def __init__(
        self, name: str, args: list[str], *, log_path: Path, env: Mapping[str, str] | None = None
    ) -> None:
        """Start args with stdout and stderr going to log_path."""
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] = log_path.open("wb")
        self.popen = subprocess.Popen(  # noqa: S603 - our own commands
            args,
            cwd=ROOT,
            env=dict(os.environ if env is None else env),
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


@dataclass
class Simulator:
    """The plex.tv simulator running as a process, and its /_sim/ control interface."""

    url: str
    discover_url: str
    metadata_url: str
    process: Process
    http: httpx.Client = field(repr=False)
    guard_record: Path = field(repr=False)

    @classmethod
    def start(cls, log_path: Path, *, pin_expires_in: float | None = None, port: int = 0) -> Self:
        """Start `python -m library.simulators.plextv` on 127.0.0.1 and wait until it serves.

        The loopback guard records what it refused next to log_path.
        """
        args = [str(PYTHON), "-m", "library.simulators.plextv", "--host", "127.0.0.1", "--port", str(port)]
        if pin_expires_in is not None:
            args += ["--pin-expires-in", str(pin_expires_in)]
        record = log_path.with_name(f"{log_path.stem}-loopback-guard.log")
        process = Process(
            "plex.tv simulator", args, log_path=log_path, env=guarded_environment(record)
        )

        def started() -> dict[str, str] | None:
            if not process.running:
                msg = f"the simulator exited:\n{process.output()}"
                raise HarnessError(msg)
            urls = dict(_SIMULATOR_LINE.findall(process.output()))
            return urls if len(urls) == 3 else None

        try:
            urls = wait_for(started, timeout=30, what="the simulator")
            guard_records(record)
        except BaseException:
            process.stop()
            raise
        return cls(
            url=urls["plex.tv"],
            discover_url=urls["discover"],
            metadata_url=urls["metadata"],
            process=process,
            http=httpx.Client(base_url=urls["plex.tv"], timeout=10),
            guard_record=record,
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
        response = self.http.get("/_sim/state")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def approve(self, code: str, account: str | None = None) -> str:
        """Approve a pending code at plex.tv/link; return the token.

        The account is the sample account, or another one the simulator knows by uuid or
        username (such as the household's second account).
        """
        body = {"code": code} if account is None else {"code": code, "account": account}
        response = self.http.post("/_sim/approve", json=body)
        response.raise_for_status()
        token: str = response.json()["token"]
        return token

    def revoke(self, token: str, status: int = 401) -> None:
        """Make plex.tv refuse token from now on."""
        self.http.post("/_sim/revoke", json={"token": token, "status": status}).raise_for_status()

    def watchlist(self, account: str | None = None) -> list[str]:
        """Return the rating keys on an account's watchlist (the sample account's by default)."""
        params = {} if account is None else {"account": account}
        response = self.http.get("/_sim/watchlist", params=params)
        response.raise_for_status()
        return [item["ratingKey"] for item in response.json()]

    def set_watchlist(self, rating_keys: list[str], account: str | None = None) -> None:
        """Replace an account's watchlist (the sample account's by default), newest first."""
        params = {} if account is None else {"account": account}
        self.http.put("/_sim/watchlist", params=params, json=rating_keys).raise_for_status()

    def environment(self) -> dict[str, str]:
        """Return the variables that point the integration at the simulator's hosts."""
        return {
            PLEXTV_URL_ENV: self.url,
            DISCOVER_URL_ENV: self.discover_url,
            METADATA_URL_ENV: self.metadata_url,
        }

    def refused(self) -> list[str]:
        """Return what the loopback guard refused the simulator, one line per attempt."""
        return guard_records(self.guard_record)

    def secrets(self) -> list[str]:
        """Return every token the simulator handed out (pins' and accounts')."""
        state = self.state()
        found = {pin["authToken"] for pin in state["pins"] if pin["authToken"]}
        found |= {token["token"] for token in state["tokens"]}
        return sorted(found)


def fresh_token() -> str:
    """Return a new token in plex.tv's shape: 20 letters and digits."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20))


@dataclass
class ServerSimulator:
    """The sample Living Room Server: the PMS simulator as a process, and its control port."""

    url: str
    control_url: str
    token: str = field(repr=False)
    process: Process
    control: Control = field(repr=False)
    guard_record: Path = field(repr=False)

    @classmethod
    def start(
        cls,
        log_path: Path,
        *,
        host: str = SERVER_HOST,
        port: int = 0,
        control_port: int = 0,
        token: str | None = None,
    ) -> Self:
        """Start `python -m library.simulators.pms` on host and wait until it serves.

        Port 0 (the default) picks free ports. The token, which every request but /identity
        must carry, is a fresh one unless given: wire() hands it to plex.tv's resource, so
        that the integration can only know it from there. The loopback guard records what it
        refused next to log_path.
        """
        token = token or fresh_token()
        args = [
            *(str(PYTHON), "-m", "library.simulators.pms", "--host", host, "--port", str(port)),
            *("--control-port", str(control_port), "--token", token),
        ]
        record = log_path.with_name(f"{log_path.stem}-loopback-guard.log")
        process = Process(
            "Plex Media Server simulator", args, log_path=log_path, env=guarded_environment(record)
        )

        def started() -> tuple[str, str] | None:
            if not process.running:
                msg = f"the Plex Media Server simulator exited:\n{process.output()}"
                raise HarnessError(msg)
            output = process.output()
            server, control = _SERVER_LINE.search(output), _SERVER_CONTROL_LINE.search(output)
            return (server[1], control[1]) if server and control else None

        try:
            url, control_url = wait_for(started, timeout=30, what="the Plex Media Server simulator")
            guard_records(record)
        except BaseException:
            process.stop()
            raise
        return cls(
            url=url,
            control_url=control_url,
            token=token,
            process=process,
            control=Control(control_url),
            guard_record=record,
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
        plextv.http.put("/_sim/resources", json=self.resources()).raise_for_status()

    def stop(self) -> None:
        """Stop the simulator."""
        self.control.close()
        self.process.stop()

    def state(self) -> dict[str, Any]:
        """Return GET /_sim/state: sessions, websockets, faults."""
        response = self.control.http.get("/_sim/state")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def requests(self) -> list[dict[str, Any]]:
        """Return the requests the server answered, oldest first."""
        response = self.control.http.get("/_sim/requests")
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    def sessions(self) -> list[dict[str, Any]]:
        """Return the current sessions as /status/sessions lists them."""
        return self.control.sessions()

    def start_session(self, player: str = "living_room_tv", media: str = "film") -> str:
        """Start playing a sample item on a sample player; return the sessionKey."""
        return self.control.start(player, media)

    def pause(self, key: str) -> None:
        """Pause a session."""
        self.control.act("pause", key)

    def resume(self, key: str) -> None:
        """Resume a paused session."""
        self.control.act("resume", key)

    def stop_session(self, key: str) -> None:
        """Stop a session: it leaves /status/sessions."""
        self.control.act("stop", key)

    def stop_all(self) -> None:
        """Stop every session."""
        self.control.http.delete("/_sim/sessions").raise_for_status()

    def refused(self) -> list[str]:
        """Return what the loopback guard refused the simulator, one line per attempt."""
        return guard_records(self.guard_record)

    def secrets(self) -> list[str]:
        """Return the server's token."""
        return [self.token]


# The images the web interface asks Home Assistant's brands proxy for, per integration.
BRAND_IMAGES = tuple(
    f"{dark}{kind}{scale}.png"
    for dark in ("", "dark_")
    for kind in ("icon", "logo")
    for scale in ("", "@2x")
)


def integration_domains(venv: Path) -> set[str]:
    """Return every integration domain the release in venv knows, virtual ones included."""
    [package] = venv.glob("lib/python*/site-packages/homeassistant")
    domains = {path.parent.name for path in package.glob("components/*/manifest.json")}
    generated = json.loads((package / "generated" / "integrations.json").read_text())
    for group in ("integration", "helper"):
        for domain, entry in generated.get(group, {}).items():
            domains.add(domain)
            domains.update(entry.get("integrations") or {})
    return domains


def seed_brands_cache(config_dir: Path, venv: Path) -> None:
    """Mark every integration's brand images as absent in Home Assistant's brands cache.

    Since 2026.3 the web interface asks Home Assistant for integrations' icons and logos,
    and Home Assistant fetches each from brands.home-assistant.io unless its cache has it:
    the Add integration dialog alone asks for a hundred. An empty file is the cache's mark
    for an image the CDN does not have, so Home Assistant answers 404 without asking; this
    integration's own images come from its brand folder, before the cache.
    """
    cache = config_dir / ".cache" / "brands" / "integrations"
    for domain in sorted(integration_domains(venv) | {"_placeholder"}):
        folder = cache / domain
        folder.mkdir(parents=True, exist_ok=True)
        for image in BRAND_IMAGES:
            (folder / image).touch()


# Integrations that every start loads whatever configuration.yaml says, and that reach the
# Internet once loaded: each gets a config entry disabled by the user before the first start,
# which they respect. Marketplace (since 2026.11) fetches the catalogue of custom
# integrations from data-v2.hacs.xyz as soon as Home Assistant has started.
DISABLED_INTEGRATIONS = ("marketplace",)


def seed_disabled_entries(config_dir: Path, venv: Path) -> None:
    """Write disabled config entries for the DISABLED_INTEGRATIONS the release has.

    In the config entries store's first format, which every release migrates from; only
    before the first start (a store already there is left alone).
    """
    [package] = venv.glob("lib/python*/site-packages/homeassistant")
    domains = [d for d in DISABLED_INTEGRATIONS if (package / "components" / d).is_dir()]
    if not domains:
        return
    entries = [
        {
            "entry_id": f"e2e{domain}disabled",
            "version": 1,
            "domain": domain,
            "title": domain.title(),
            "data": {},
            "source": "system",
            "disabled_by": "user",
        }
        for domain in domains
    ]
    storage = config_dir / ".storage"
    if (storage / "core.config_entries").exists():
        return
    storage.mkdir(parents=True, exist_ok=True)
    store = {
        "version": 1,
        "minor_version": 1,
        "key": "core.config_entries",
        "data": {"entries": entries},
    }
    (storage / "core.config_entries").write_text(json.dumps(store))


def config_yaml(port: int) -> str:
    """Return scripts/develop's configuration.yaml with an http section for another port."""
    return f"""\
homeassistant:
  name: Home
  time_zone: UTC
  unit_system: metric

frontend:
config:
history:
logbook:
system_health:
# Assist, for the watchlist's list sentences: not every release loads it by itself.
conversation:

http:
  server_host: 127.0.0.1
  server_port: {port}

logger:
  default: info
  logs:
    custom_components.plex_account: debug
"""


@dataclass
class HomeAssistant:
    """A Home Assistant process started by scripts/develop, and a signed-in HTTP client."""

    url: str
    config_dir: Path
    process: Process
    username: str
    password: str
    tokens: dict[str, Any] = field(default_factory=dict, repr=False)
    version: str = field(default="", init=False)
    http: httpx.Client = field(init=False, repr=False)
    _started_flows: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        """Open the HTTP client; requests carry the access token once signed in."""
        self.http = httpx.Client(base_url=self.url, timeout=30)

    @classmethod
    def start(  # noqa: PLR0913 - all keyword-only but the folder
        cls,
        config_dir: Path,
        *,
        port: int,
        simulator: Simulator,
        write_config: bool = True,
        username: str = "e2e",
        password: str = "e2e-password",  # noqa: S107 - a throwaway test user
    ) -> Self:
        """Start Home Assistant on 127.0.0.1:port and wait until its web server answers."""
        config_dir.mkdir(parents=True, exist_ok=True)
        if write_config:
            (config_dir / "configuration.yaml").write_text(config_yaml(port))
        seed_brands_cache(config_dir, home_assistant_venv())
        seed_disabled_entries(config_dir, home_assistant_venv())
        env = guarded_environment(
            config_dir / GUARD_RECORD_NAME,
            {**os.environ, "PLEX_ACCOUNT_CONFIG_DIR": str(config_dir), **simulator.environment()},
        )
        process = Process(
            "Home Assistant", [str(DEVELOP)], log_path=config_dir / "hass-output.log", env=env
        )
        hass = cls(
            url=f"http://127.0.0.1:{port}",
            config_dir=config_dir,
            process=process,
            username=username,
            password=password,
        )
        try:
            hass.wait_until_serving(timeout=120)
            hass.refused()
        except BaseException:
            hass.stop()
            raise
        return hass

    @property
    def log_file(self) -> Path:
        """Return Home Assistant's own log file."""
        return self.config_dir / "home-assistant.log"

    @property
    def client_id(self) -> str:
        """Return the client_id the web interface uses on this address."""
        return f"{self.url}/"

    @property
    def guard_record(self) -> Path:
        """Return the file where the loopback guard records what it refused."""
        return self.config_dir / GUARD_RECORD_NAME

    def refused(self) -> list[str]:
        """Return what the loopback guard refused Home Assistant, one line per attempt."""
        return guard_records(self.guard_record)

    def logs(self) -> str:
        """Return everything Home Assistant logged: its log file and its console output."""
        text = self.process.output()
        if self.log_file.exists():
            text += self.log_file.read_text(errors="replace")
        return text

    def stop(self) -> None:
        """Stop Home Assistant (it saves its state on SIGTERM)."""
        self.http.close()
        self.process.stop(timeout=30)

    def wait_until_serving(self, timeout: float) -> None:
        """Wait for the onboarding status page, which answers without a sign-in."""

        def serving() -> bool:
            if not self.process.running:
                msg = f"Home Assistant exited:\n{self.logs()[-5000:]}"
                raise HarnessError(msg)
            try:
                return self.http.get("/api/onboarding").status_code == httpx.codes.OK
            except httpx.TransportError:
                return False

        wait_for(serving, timeout=timeout, interval=0.25, what="Home Assistant's web server")

    # Onboarding and sign-in

    def onboard(self, name: str = "E2E Tester") -> None:
        """Create the owner and finish every onboarding step, as the first-run screens do."""
        response = self.http.post(
            "/api/onboarding/users",
            json={
                "client_id": self.client_id,
                "name": name,
                "username": self.username,
                "password": self.password,
                "language": "en",
            },
        )
        _expect(response)
        self._exchange_code(response.json()["auth_code"])
        for step in ("core_config", "analytics"):
            _expect(self.http.post(f"/api/onboarding/{step}", json={}))
        _expect(
            self.http.post(
                "/api/onboarding/integration",
                json={"client_id": self.client_id, "redirect_uri": f"{self.url}/?auth_callback=1"},
            )
        )
        wait_for(
            lambda: self.get("/api/config").get("state") == "RUNNING",
            timeout=60,
            what="Home Assistant to finish starting",
        )
        self.check_version()
        self.confirm_http_config()
        self._remove_failed_onboarding_entries()

    def check_version(self) -> str:
        """Read the running release from /api/config; fail unless it is the expected one.

        So that a run can never test another release than the one it was asked for.
        """
        self.version = self.get("/api/config")["version"]
        wanted = expected_version()
        if self.version != wanted:
            msg = f"Home Assistant {self.version} is running, but {wanted} was expected"
            raise HarnessError(msg)
        return self.version

    def _remove_failed_onboarding_entries(self) -> None:
        """Remove what onboarding added but cannot run without its requirements.

        Onboarding adds Google Translate and others, whose packages --skip-pip leaves out;
        their "Failed to set up" cards would only distract on the integrations page.
        """
        seen: list[list[tuple[str, str]]] = []

        def settled() -> list[dict[str, Any]] | None:
            # Onboarding sets them up in the background: wait until two reads agree.
            # Disabled entries (those the harness disables) stay not loaded.
            entries: list[dict[str, Any]] = [
                entry
                for entry in self.get("/api/config/config_entries/entry")
                if entry.get("disabled_by") is None
            ]
            states = sorted((entry["entry_id"], entry["state"]) for entry in entries)
            pending = {"not_loaded", "setup_in_progress"}
            stable = bool(seen) and seen[-1] == states
            seen.append(states)
            if not stable or any(state in pending for _, state in states):
                return None
            return entries

        entries = wait_for(
            settled, timeout=30, interval=1, what="onboarding's integrations to load"
        )
        for entry in entries:
            if entry["state"] == "setup_error" and entry["domain"] != DOMAIN:
                self.delete(f"/api/config/config_entries/entry/{entry['entry_id']}")

    def login(self) -> dict[str, Any]:
        """Sign in with the login flow the login page uses; return fresh tokens."""
        response = self.http.post(
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.url}/?auth_callback=1",
            },
        )
        _expect(response)
        response = self.http.post(
            f"/auth/login_flow/{response.json()['flow_id']}",
            json={
                "client_id": self.client_id,
                "username": self.username,
                "password": self.password,
            },
        )
        _expect(response)
        return self._exchange_code(response.json()["result"])

    def _exchange_code(self, code: str) -> dict[str, Any]:
        response = self.http.post(
            "/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        )
        _expect(response)
        tokens: dict[str, Any] = response.json()
        self.tokens = tokens
        self.http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        return tokens

    def confirm_http_config(self) -> None:
        """Keep the http settings from configuration.yaml.

        Home Assistant tries HTTP settings from YAML as a trial, asks in the web interface to
        confirm them, and restarts with the previous ones five minutes later if nobody does.
        Releases before 2026.8 apply them at once and have nothing to confirm.
        """
        if release_tuple(self.version) < HTTP_CONFIG_TRIAL_SINCE:
            return
        result = self.ws({"type": "http/config/promote"})
        if not result["success"] and "No pending" not in result["error"]["message"]:
            msg = f"confirming the HTTP settings failed: {result}"
            raise HarnessError(msg)

    # REST and websocket

    def get(self, path: str, **params: str) -> Any:  # noqa: ANN401 - any JSON
        """GET a JSON resource; fail on an error status."""
        return _json(self.http.get(path, params=params))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:  # noqa: ANN401
        """POST JSON; fail on an error status; return the JSON answer."""
        return _json(self.http.post(path, json=body or {}))

    def delete(self, path: str) -> Any:  # noqa: ANN401 - any JSON
        """DELETE a resource; fail on an error status."""
        return _json(self.http.delete(path))

    def ws(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one websocket command; return its result message."""
        url = self.url.replace("http", "ws", 1) + "/api/websocket"
        token = self.tokens["access_token"]
        # A private event loop in a worker thread, so it works under any caller.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, _ws_command(url, token, message)).result(timeout=60)

    # The integration

    def entries(self) -> list[dict[str, Any]]:
        """Return the plex_account config entries."""
        entries: list[dict[str, Any]] = self.get("/api/config/config_entries/entry", domain=DOMAIN)
        return entries

    def flows_in_progress(self) -> list[dict[str, Any]]:
        """Return the plex_account flows in progress that no user started (such as reauth)."""
        flows: list[dict[str, Any]] = self.ws({"type": "config_entries/flow/progress"})["result"]
        return [flow for flow in flows if flow["handler"] == DOMAIN]

    def start_flow(self) -> dict[str, Any]:
        """Start the user flow, as Add integration does."""
        result: dict[str, Any] = self.post(
            "/api/config/config_entries/flow",
            {"handler": DOMAIN, "show_advanced_options": False},
        )
        self._started_flows.add(result["flow_id"])
        return result

    def flow_step(self, flow_id: str, user_input: dict[str, Any] | None = None) -> dict[str, Any]:
        """Submit user_input to a flow (or, with None, fetch its current step)."""
        path = f"/api/config/config_entries/flow/{flow_id}"
        if user_input is None:
            result: dict[str, Any] = self.get(path)
        else:
            result = self.post(path, user_input)
        return result

    def flow_status(self, flow_id: str) -> dict[str, Any] | None:
        """Fetch a flow's current step; None once the flow has ended."""
        response = self.http.get(f"/api/config/config_entries/flow/{flow_id}")
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        result: dict[str, Any] = _json(response)
        return result

    def remove_all(self) -> None:
        """Abort every plex_account flow and remove every plex_account entry."""
        flow_ids = self._started_flows | {flow["flow_id"] for flow in self.flows_in_progress()}
        self._started_flows.clear()
        for flow_id in flow_ids:
            # 404 for the flows that have finished.
            self.http.delete(f"/api/config/config_entries/flow/{flow_id}")
        for entry in self.entries():
            self.delete(f"/api/config/config_entries/entry/{entry['entry_id']}")

    def entity_ids(self) -> list[str]:
        """Return the enabled entities the integration registered (disabled ones have no state)."""
        result = self.ws({"type": "config/entity_registry/list"})
        return sorted(
            entity["entity_id"]
            for entity in result["result"]
            if entity["platform"] == DOMAIN and entity["disabled_by"] is None
        )


async def _ws_command(url: str, token: str, message: dict[str, Any]) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as websocket:
        await websocket.receive_json()  # auth_required
        await websocket.send_json({"type": "auth", "access_token": token})
        answer = await websocket.receive_json()
        if answer.get("type") != "auth_ok":
            msg = f"websocket sign-in failed: {answer}"
            raise HarnessError(msg)
        await websocket.send_json({"id": 1, **message})
        while True:
            reply: dict[str, Any] = await websocket.receive_json()
            if reply.get("id") == 1 and reply.get("type") == "result":
                return reply


def _expect(response: httpx.Response) -> None:
    if response.is_error:
        msg = f"{response.request.method} {response.request.url.path}: {response.status_code} "
        msg += response.text[:500]
        raise HarnessError(msg)


def _json(response: httpx.Response) -> Any:  # noqa: ANN401 - any JSON
    _expect(response)
    return json.loads(response.text) if response.content else None
