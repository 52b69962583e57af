"""A real Home Assistant, started by scripts/develop as a process, driven over HTTP."""

import asyncio
import json
import os
import re
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any, Self

import aiohttp
import httpx

from .processes import ROOT, HarnessError, Process, Simulator, _json, wait_for

DEVELOP = ROOT / "scripts" / "develop"
DOMAIN = "plex_account"
NAMES = {"client_name": "Home Assistant", "device_name": "E2E Home"}
# The virtual environment whose Home Assistant scripts/develop starts (default: .venv), and
# the release it must report; scripts/e2e --ha sets both.
HA_VENV_ENV = "PLEX_ACCOUNT_HA_VENV"
HA_VERSION_ENV = "PLEX_ACCOUNT_HA_VERSION"
# What Home Assistant tries whatever its configuration says, which the guard refuses as it
# refuses everything else and a run tolerates: on every start, the network integration
# (which http loads) finds the machine's own address by connecting a UDP socket to 8.8.8.8
# and to mDNS's 224.0.0.251 and reading the socket's address back. Such a connect sends no
# packet; refused, Home Assistant logs that it could not tell and carries on.
UNSTOPPABLE = re.compile(
    r" connect '(8\.8\.8\.8|224\.0\.0\.251)' refused; "
    r"homeassistant/components/network/util\.py:\d+ async_get_source_ip <"
)
# The first release that tries HTTP settings from YAML and asks to confirm them.
HTTP_CONFIG_TRIAL_SINCE = (2026, 8)
# Integrations that every start loads whatever configuration.yaml says, and that reach the
# Internet once loaded: each gets a config entry disabled by the user before the first start,
# which they respect. Marketplace (since 2026.11) fetches the catalogue of custom
# integrations from data-v2.hacs.xyz as soon as Home Assistant has started.
DISABLED_INTEGRATIONS = ("marketplace",)
# The images the web interface asks Home Assistant's brands proxy for, per integration.
BRAND_IMAGES = [
    "".join(name) + ".png" for name in product(("", "dark_"), ("icon", "logo"), ("", "@2x"))
]


def unstoppable(line: str) -> bool:
    """Return whether a refused attempt is one Home Assistant makes whatever it is told."""
    return UNSTOPPABLE.search(line) is not None


def home_assistant_venv() -> Path:
    """Return the virtual environment whose Home Assistant scripts/develop starts."""
    return Path(os.environ.get(HA_VENV_ENV) or ROOT / ".venv").resolve()


def expected_version() -> str:
    """Return the release the started process must report: HA_VERSION_ENV's, or the venv's."""
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


def config_yaml(port: int, *, level: str = "info", integration: str = "debug") -> str:
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
  default: {level}
  logs:
    custom_components.plex_account: {integration}
"""


def _package(venv: Path) -> Path:
    [package] = venv.glob("lib/python*/site-packages/homeassistant")
    return package


def seed_brands_cache(config_dir: Path, venv: Path) -> None:
    """Mark every integration's brand images as absent in Home Assistant's brands cache.

    Since 2026.3 the web interface asks Home Assistant for integrations' icons and logos,
    and Home Assistant fetches each from brands.home-assistant.io unless its cache has it:
    the Add integration dialog alone asks for a hundred. An empty file is the cache's mark
    for an image the CDN does not have, so Home Assistant answers 404 without asking; this
    integration's own images come from its brand folder, before the cache.
    """
    package = _package(venv)
    domains = {path.parent.name for path in package.glob("components/*/manifest.json")}
    generated = json.loads((package / "generated" / "integrations.json").read_text())
    for group in ("integration", "helper"):
        for domain, entry in generated.get(group, {}).items():
            domains |= {domain, *(entry.get("integrations") or {})}
    cache = config_dir / ".cache" / "brands" / "integrations"
    for domain in sorted(domains | {"_placeholder"}):
        (cache / domain).mkdir(parents=True, exist_ok=True)
        for image in BRAND_IMAGES:
            (cache / domain / image).touch()


def seed_disabled_entries(config_dir: Path, venv: Path) -> None:
    """Write disabled config entries for the DISABLED_INTEGRATIONS the release has.

    In the config entries store's first format, which every release migrates from; only
    before the first start (a store already there is left alone).
    """
    package = _package(venv)
    store = config_dir / ".storage" / "core.config_entries"
    domains = [d for d in DISABLED_INTEGRATIONS if (package / "components" / d).is_dir()]
    if not domains or store.exists():
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
    store.parent.mkdir(parents=True, exist_ok=True)
    data = {"entries": entries}
    store.write_text(
        json.dumps({"version": 1, "minor_version": 1, "key": store.name, "data": data})
    )


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
        configuration: str | None = "",
        env: Mapping[str, str] | None = None,
        username: str = "e2e",
        password: str = "e2e-password",  # noqa: S107 - a throwaway test user
    ) -> Self:
        """Start Home Assistant on 127.0.0.1:port and wait until its web server answers.

        configuration.yaml is config_yaml(port) when configuration is "", the text given
        otherwise, and scripts/develop's own when None. env adds to the process's variables.
        """
        config_dir.mkdir(parents=True, exist_ok=True)
        if configuration is not None:
            (config_dir / "configuration.yaml").write_text(configuration or config_yaml(port))
        seed_brands_cache(config_dir, home_assistant_venv())
        seed_disabled_entries(config_dir, home_assistant_venv())
        variables = {**os.environ, "PLEX_ACCOUNT_CONFIG_DIR": str(config_dir)}
        variables |= {**simulator.environment(), **(env or {})}
        log = config_dir / "hass-output.log"
        process = Process("Home Assistant", [str(DEVELOP)], log_path=log, env=variables)
        hass = cls(f"http://127.0.0.1:{port}", config_dir, process, username, password)
        try:
            hass.wait_until_serving(timeout=120)
            process.refused()
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
        user = {"client_id": self.client_id, "name": name, "language": "en"}
        user |= {"username": self.username, "password": self.password}
        self._exchange_code(self.post("/api/onboarding/users", user)["auth_code"])
        for step in ("core_config", "analytics"):
            self.post(f"/api/onboarding/{step}")
        redirect = f"{self.url}/?auth_callback=1"
        self.post(
            "/api/onboarding/integration", {"client_id": self.client_id, "redirect_uri": redirect}
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
            stable = bool(seen) and seen[-1] == states
            seen.append(states)
            pending = {"not_loaded", "setup_in_progress"}
            if not stable or any(state in pending for _, state in states):
                return None
            return entries

        entries = wait_for(settled, timeout=30, interval=1, what="onboarding's integrations")
        for entry in entries:
            if entry["state"] == "setup_error" and entry["domain"] != DOMAIN:
                self.delete(f"/api/config/config_entries/entry/{entry['entry_id']}")

    def _exchange_code(self, code: str) -> dict[str, Any]:
        grant = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        tokens: dict[str, Any] = _json(self.http.post("/auth/token", data=grant))
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

    @property
    def websocket_url(self) -> str:
        """Return the websocket API's URL."""
        return self.url.replace("http", "ws", 1) + "/api/websocket"

    def get(self, path: str, **params: str) -> Any:  # noqa: ANN401 - any JSON
        """GET a JSON resource; fail on an error status."""
        return _json(self.http.get(path, params=params))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:  # noqa: ANN401
        """POST JSON; fail on an error status; return the JSON answer."""
        return _json(self.http.post(path, json=body or {}))

    def delete(self, path: str) -> Any:  # noqa: ANN401 - any JSON
        """DELETE a resource; fail on an error status."""
        return _json(self.http.delete(path))

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """Return an entity's state object, or None while it has none."""
        response = self.http.get(f"/api/states/{entity_id}")
        return None if response.status_code == httpx.codes.NOT_FOUND else _json(response)

    def ws(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one websocket command; return its result message."""
        token = self.tokens["access_token"]
        # A private event loop in a worker thread, so it works under any caller.
        with ThreadPoolExecutor(max_workers=1) as pool:
            command = _ws_command(self.websocket_url, token, message)
            return pool.submit(asyncio.run, command).result(timeout=60)

    # The integration

    def entries(self) -> list[dict[str, Any]]:
        """Return the integration's config entries."""
        entries: list[dict[str, Any]] = self.get("/api/config/config_entries/entry", domain=DOMAIN)
        return entries

    def flows_in_progress(self) -> list[dict[str, Any]]:
        """Return the plex_account flows in progress that no user started (such as reauth)."""
        flows: list[dict[str, Any]] = self.ws({"type": "config_entries/flow/progress"})["result"]
        return [flow for flow in flows if flow["handler"] == DOMAIN]

    def start_flow(self, domain: str = DOMAIN) -> dict[str, Any]:
        """Start a domain's user flow, as Add integration does."""
        body = {"handler": domain, "show_advanced_options": False}
        result: dict[str, Any] = self.post("/api/config/config_entries/flow", body)
        self._started_flows.add(result["flow_id"])
        return result

    def flow_step(self, flow_id: str, user_input: dict[str, Any] | None = None) -> dict[str, Any]:
        """Submit user_input to a flow (or, with None, fetch its current step)."""
        path = f"/api/config/config_entries/flow/{flow_id}"
        result: dict[str, Any] = (
            self.get(path) if user_input is None else self.post(path, user_input)
        )
        return result

    def link(self, names: dict[str, str] = NAMES) -> dict[str, Any]:
        """Start a flow and submit the names; return the progress step that shows the code."""
        step = self.flow_step(self.start_flow()["flow_id"], names)
        if step["type"] != "progress" or step["step_id"] != "link":
            msg = f"the sign-in did not show a code: {step}"
            raise HarnessError(msg)
        return step

    def wait_for_entry(
        self, flow_id: str, timeout: float = 30
    ) -> tuple[dict[str, Any], float, float]:
        """Poll the flow until it ends and an entry exists; return the result and both times.

        As the frontend does, each fetch of the flow moves it on once the code is approved.
        Home Assistant also finishes the flow by itself when the wait ends, so a poll may
        find the flow already gone; the result is then {"type": "finished"}.
        """
        started = time.monotonic()

        def finished() -> dict[str, Any] | None:
            response = self.http.get(f"/api/config/config_entries/flow/{flow_id}")
            if response.status_code == httpx.codes.NOT_FOUND:
                return {"type": "finished"}
            step: dict[str, Any] = _json(response)
            return None if step["type"] == "progress" else step

        result = wait_for(finished, timeout=timeout, interval=0.02, what="the flow to finish")
        flow_done = time.monotonic() - started
        wait_for(self.entries, timeout=10, interval=0.02, what="the entry")
        return result, flow_done, time.monotonic() - started

    def sign_in(
        self, plextv: Simulator, account: str | None = None, names: dict[str, str] = NAMES
    ) -> tuple[dict[str, Any], str]:
        """Add an account (the sample one by default); return its loaded entry and its token."""
        known = {entry["entry_id"] for entry in self.entries()}
        step = self.link(names)
        token = plextv.approve(step["description_placeholders"]["code"], account)
        self.wait_for_entry(step["flow_id"])
        entry = wait_for(
            lambda: next(
                (
                    e
                    for e in self.entries()
                    if e["entry_id"] not in known and e["state"] == "loaded"
                ),
                None,
            ),
            timeout=30,
            what="the entry to load",
        )
        return entry, token

    def remove_all(self) -> None:
        """Abort every plex_account flow and remove every plex_account entry."""
        flow_ids = self._started_flows | {flow["flow_id"] for flow in self.flows_in_progress()}
        self._started_flows.clear()
        for flow_id in flow_ids:
            # 404 for the flows that have finished.
            self.http.delete(f"/api/config/config_entries/flow/{flow_id}")
        for entry in self.entries():
            self.delete(f"/api/config/config_entries/entry/{entry['entry_id']}")


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
