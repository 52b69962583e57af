"""End-to-end fixtures: the simulator and a real Home Assistant as processes, and a browser.

These tests run only with PLEX_ACCOUNT_E2E=1 (scripts/e2e sets it); otherwise every test in
this folder is skipped, so the unit test run stays fast and needs no browser.
"""

import asyncio
import contextlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness import ROOT, HomeAssistant, ServerSimulator, Simulator, free_port, unstoppable
from harness.home_assistant import expected_version, home_assistant_venv
from library.simulators.plextv.sample import sample_resources, second_account_resources

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Playwright

ENABLE_ENV = "PLEX_ACCOUNT_E2E"
ARTIFACTS = Path(os.environ.get("PLEX_ACCOUNT_E2E_ARTIFACTS", ROOT / "artifacts" / "e2e"))
# Short enough to wait for, long enough to type a code in the browser.
SHORT_PIN_SECONDS = 12.0
# The release each started Home Assistant reported, by pair name, for the summary.
_RAN: dict[str, str] = {}
# What the loopback guard refused but Home Assistant cannot be told not to try, by pair name.
_UNSTOPPABLE: dict[str, list[str]] = {}

# One line per request would bury a failure's output.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the end-to-end tests unless asked for."""
    if os.environ.get(ENABLE_ENV) == "1":
        return
    for item in items:
        if Path(__file__).parent in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=f"end-to-end: set {ENABLE_ENV}=1"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Name the Home Assistant the end-to-end tests start, before they start it."""
    if os.environ.get(ENABLE_ENV) != "1":
        return []
    venv = home_assistant_venv()
    shown = venv.relative_to(ROOT) if venv.is_relative_to(ROOT) else venv
    return [f"end-to-end: Home Assistant {expected_version()} from {shown}/"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which release each started Home Assistant reported (checked when it started)."""
    if _RAN:
        ran = ", ".join(f"{name} {version}" for name, version in _RAN.items())
        terminalreporter.write_line(f"end-to-end: Home Assistant that ran: {ran}")
    for name, lines in _UNSTOPPABLE.items():
        if lines:
            terminalreporter.write_line(
                f"end-to-end: {name}: the loopback guard refused, as on every start "
                f"(Home Assistant's source-address detection; no packet is sent): {len(lines)}"
            )
            for line in lines:
                terminalreporter.write_line(f"  {line}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Return the folder for screenshots, timings and logs (emptied at the start)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@dataclass
class Pair:
    """The simulators and the Home Assistant pointed at them, started for the whole run."""

    name: str
    simulator: Simulator
    hass: HomeAssistant
    server: ServerSimulator | None = None
    """The sample Living Room Server, where the pair has one."""

    @property
    def running(self) -> list[HomeAssistant | Simulator | ServerSimulator]:
        """Return Home Assistant and the simulators."""
        return [self.hass, self.simulator, *([self.server] if self.server else [])]


def _start_pair(
    tmp: Path, artifacts: Path, name: str, pin_expires_in: float | None, *, server: bool = False
) -> Pair:
    """Start the plex.tv simulator (and the server, wired in), then Home Assistant."""
    simulator = Simulator.start(tmp / "simulator.log", pin_expires_in=pin_expires_in)
    media_server: ServerSimulator | None = None
    try:
        if server:
            media_server = ServerSimulator.start(tmp / "media-server.log")
            media_server.wire(simulator)
        started = time.monotonic()
        hass = HomeAssistant.start(tmp / "config", port=free_port(), simulator=simulator)
        hass.onboard()
        _RAN[name] = hass.version
        (artifacts / "home-assistant-version.txt").write_text(hass.version + "\n")
        ready = time.monotonic() - started
        print(f"\n{name}: Home Assistant {hass.version} ready in {ready:.1f} s")  # noqa: T201
    except BaseException:
        try:
            if media_server is not None:
                media_server.stop()
        finally:
            simulator.stop()
        raise
    return Pair(name, simulator, hass, media_server)


def _stop_pair(pair: Pair, artifacts: Path) -> None:
    """Stop the pair's processes, each whatever the others do; keep their logs."""
    with contextlib.ExitStack() as stack:
        for server in pair.running:
            stack.callback(server.stop)
    processes = [server.process for server in pair.running]
    logs = artifacts / "logs" / pair.name
    logs.mkdir(parents=True, exist_ok=True)
    paths = [pair.hass.log_file] + [process.log_path for process in processes]
    for path in paths + [process.guard_record for process in processes]:
        if path.exists():
            shutil.copy(path, logs / path.name)


def check_loopback_only(pair: Pair) -> None:
    """Fail, listing each attempt, if any process tried to reach outside loopback.

    The attempts Home Assistant makes whatever it is configured to do (harness.unstoppable)
    were refused too; they are listed in the summary instead of failing the run.
    """
    processes = [server.process for server in pair.running]
    records = [process.guard_record.name for process in processes]
    refused = [f"{process.name}: {line}" for process in processes for line in process.refused()]
    _UNSTOPPABLE[pair.name] = [line for line in refused if unstoppable(line)]
    failures = [line for line in refused if not unstoppable(line)]
    if failures:
        pytest.fail(
            f"{pair.name}: the loopback guard refused {len(failures)} attempt(s) to resolve or "
            f"reach a host outside 127.0.0.0/8 and ::1 (in {', '.join(records)}):\n"
            + "\n".join(failures),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def pairs(
    tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[dict[str, Future[Pair]]]:
    """Start both pairs, each in a thread: the second starts beside the first's tests.

    main: codes valid 15 minutes, the Living Room Server; short: codes that expire after
    SHORT_PIN_SECONDS. After the run, what the guard refused while they stopped fails it.
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pair") as pool:
        started = {
            name: pool.submit(
                _start_pair, tmp_path_factory.mktemp(name), artifacts, name, pin, server=server
            )
            for name, pin, server in (("main", None, True), ("short", SHORT_PIN_SECONDS, False))
        }
        try:
            yield started
        finally:
            ready = [f.result() for f in started.values() if f.exception() is None]
            with contextlib.ExitStack() as stack:
                for pair in ready:
                    stack.callback(_stop_pair, pair, artifacts)
            for pair in ready:
                check_loopback_only(pair)


@pytest.fixture(scope="session")
def main_setup(pairs: dict[str, Future[Pair]]) -> Pair:
    """Return the main pair, once started."""
    return pairs["main"].result()


@pytest.fixture(scope="session")
def short_setup(pairs: dict[str, Future[Pair]]) -> Pair:
    """Return the pair whose codes expire quickly, once started."""
    return pairs["short"].result()


@pytest.fixture
def media_server(main_setup: Pair) -> Iterator[ServerSimulator]:
    """Return the main pair's Living Room Server with nothing playing; stop all after."""
    server = main_setup.server
    assert server is not None
    server.stop_all()
    yield server
    server.stop_all()


@pytest.fixture
def plextv(main_setup: Pair) -> Simulator:
    """Return the main simulator."""
    return main_setup.simulator


def _cleaned(pair: Pair) -> Iterator[HomeAssistant]:
    """Yield the pair's Home Assistant with no plex_account flow or entry; clean up after."""
    pair.hass.remove_all()
    yield pair.hass
    pair.hass.remove_all()


@pytest.fixture
def hass_server(main_setup: Pair) -> Iterator[HomeAssistant]:
    """Return the main Home Assistant, clean."""
    yield from _cleaned(main_setup)


@pytest.fixture
def short_hass(short_setup: Pair) -> Iterator[HomeAssistant]:
    """Return the Home Assistant pointed at the quickly-expiring simulator, clean."""
    yield from _cleaned(short_setup)


CHROMIUM = os.environ.get("PLEX_ACCOUNT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = """--headless --no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --disable-sync --disable-quic --no-first-run"""


class Browser:
    """Chromium driven by Playwright from a thread of its own.

    Playwright's synchronous API leaves its event loop marked as running in the thread that
    started it, which would stop Home Assistant's test plugin from running its own fixtures.
    """

    def __init__(self, profile: Path) -> None:
        """Start Chromium with a fresh profile in profile."""
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright: Playwright | None = None
        self.requested: list[str] = []
        """Every URL any page of the browser requested, oldest first (see url_guard)."""
        self._context = self._pool.submit(self._start, profile).result()

    def _start(self, profile: Path) -> BrowserContext:
        # Imported here: the unit test run does not need the browser driver.
        from playwright.sync_api import sync_playwright  # noqa: PLC0415

        self._playwright = sync_playwright().start()
        # Playwright's loop (marked running in this thread) would start executor threads
        # during a test, which the test plugin reports as left behind: start its only one now.
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium-io")
        executor.submit(lambda: None).result()
        asyncio.get_running_loop().set_default_executor(executor)
        context = self._playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS.split(),
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(30_000)
        # Every page's requests, those of pages opened later included.
        context.on("request", lambda request: self.requested.append(request.url))
        return context

    def run[T](self, scenario: Callable[[BrowserContext], T]) -> T:
        """Run scenario with the browser in the browser's thread; return what it returns."""
        return self._pool.submit(scenario, self._context).result()

    def close(self) -> None:
        """Close Chromium and the thread."""

        def stop() -> None:
            try:
                self._context.close()
            finally:
                if self._playwright is not None:
                    self._playwright.stop()

        try:
            self._pool.submit(stop).result(timeout=60)
        finally:
            self._pool.shutdown()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Start Chromium with a fresh profile, for the whole run."""
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        chromium.close()


def browser_secrets(pairs: dict[str, Future[Pair]]) -> list[str]:
    """Return every token a URL the browser loads must not carry.

    The tokens plex.tv issued (the accounts'), and every server's access token: the Living
    Room Server's and the other servers' of the sample resources. The transient tokens a
    server hands out for playback are meant for URLs, and are not among them.
    """
    found: set[str] = set()
    for resources in (sample_resources(), second_account_resources()):
        found |= {r["accessToken"] for r in resources if r.get("accessToken")}
    for started in pairs.values():
        if not started.done() or started.exception() is not None:
            continue
        pair = started.result()
        found |= set(pair.simulator.secrets())
        if pair.server is not None:
            found.add(pair.server.token)
    return sorted(found)


@pytest.fixture(autouse=True)
def url_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test with the browser if any URL the browser requested carried a token.

    Every request of every page counts (context-wide), whatever the test looked at; the
    check runs after the test, against the tokens that exist by then.
    """
    if "browser" not in request.fixturenames:
        yield
        return
    chromium: Browser = request.getfixturevalue("browser")
    pairs: dict[str, Future[Pair]] = request.getfixturevalue("pairs")
    first = len(chromium.requested)
    yield
    requested = chromium.requested[first:]
    secrets = browser_secrets(pairs)
    leaked = [url for url in requested if any(secret in url for secret in secrets)]
    if leaked:
        shown = []
        for url in leaked:
            for secret in secrets:
                url = url.replace(secret, "<TOKEN>")  # noqa: PLW2901 - never print one
            shown.append(url)
        pytest.fail(
            f"the browser requested {len(leaked)} URL(s) that carry a token of the account "
            "or of a server:\n" + "\n".join(shown),
            pytrace=False,
        )
    assert requested, "the browser requested nothing: is the URL guard listening?"
