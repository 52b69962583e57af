"""What both simulators share, tried on both: lifecycle, command line, faults, request log."""

import asyncio
import json
import re
import select
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from library.simulators.common import Simulator
from library.simulators.plextv import FakeClock, PlexTVFactory, PlexTVSimulator
from library.simulators.plextv.__main__ import main as plextv_main
from library.simulators.pms import PMSFactory, PMSSimulator
from library.simulators.pms.__main__ import main as pms_main
from library.tests.plextv_sim.helpers import JSON_HEADERS, Reply, call, plex_error

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Served:
    """A started simulator and a request it serves without a token, and its status."""

    sim: Simulator
    method: str
    path: str
    headers: dict[str, str]
    ok: int

    async def send(self, session: aiohttp.ClientSession, **kwargs: object) -> Reply:
        """Send the request (with aiohttp's keyword arguments)."""
        url = f"{self.sim.url}{self.path}"
        return await call(session, self.method, url, headers=self.headers, **kwargs)


# plex.tv's request is a POST, which aiohttp does not send again when the connection drops.
@pytest.fixture(params=["plextv", "pms"])
async def served(
    request: pytest.FixtureRequest,
    plextv_factory: PlexTVFactory,
    pms_factory: PMSFactory,
    clock: FakeClock,
) -> Served:
    """Return either simulator, started on the test's clock."""
    if request.param == "plextv":
        return Served(await plextv_factory(clock=clock), "POST", "/api/v2/pins", JSON_HEADERS, 201)
    json = {"Accept": "application/json"}
    return Served(await pms_factory(clock=clock), "GET", "/identity", json, 200)


@pytest.mark.parametrize("kind", [PlexTVSimulator, PMSSimulator])
async def test_lifecycle(kind: type[Simulator], session: aiohttp.ClientSession) -> None:
    """The URL is known once started; the context manager serves on loopback and stops."""
    sim = kind()
    with pytest.raises(RuntimeError, match="not been started"):
        _ = sim.url
    async with sim:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
        assert (await call(session, "GET", f"{sim.url}/_sim/state")).body["url"] == sim.url
    await sim.stop()  # stopping twice is harmless
    with pytest.raises(ValueError, match="not a loopback address"):
        await sim.start("192.0.2.1")


async def test_failed_start_serves_nothing() -> None:
    """A port that is taken fails start() and leaves nothing served, no URL known."""
    async with PlexTVSimulator() as first:
        second = PlexTVSimulator()
        with pytest.raises(OSError, match="address already in use"):
            await second.start(metadata_port=int(first.metadata_url.rpartition(":")[2]))
        assert second._runners == {}
        with pytest.raises(RuntimeError):
            _ = second.discover_url


@pytest.mark.parametrize(
    ("args", "lines", "state"),
    [
        (["library.simulators.plextv"], ["plex.tv", "discover", "metadata"], {}),
        (
            ["library.simulators.pms", "--name", "Den"],
            ["Plex Media Server", "Plex Media Server simulator control"],
            {"name": "Den"},
        ),
    ],
)
def test_command_line(args: list[str], lines: list[str], state: dict[str, str]) -> None:
    """`python -m` prints a line per URL, the main one first, serves, and stops on SIGTERM."""
    with subprocess.Popen(  # noqa: S603 - this interpreter, a module of the project
        [sys.executable, "-m", *args, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        try:
            assert select.select([process.stdout], [], [], 15)[0], "the simulator printed nothing"
            urls = []
            for name in lines:
                line = process.stdout.readline()
                url = re.fullmatch(rf"{name}( simulator)? on (http://127\.0\.0\.1:\d+)\n", line)
                assert url, line
                urls.append(url[2])
            assert len(set(urls)) == len(lines)
            with urllib.request.urlopen(f"{urls[0]}/_sim/state", timeout=5) as answer:  # noqa: S310
                served = json.loads(answer.read())
            assert served == served | state | {"url": urls[0]}
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("main", [plextv_main, pms_main])
def test_command_line_refuses_other_hosts(
    main: Callable[[list[str]], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """--host takes loopback addresses only."""
    with pytest.raises(SystemExit) as exit_:
        main(["--host", "192.0.2.1"])
    assert exit_.value.code == 2
    assert "192.0.2.1 is not a loopback address" in capsys.readouterr().err


async def test_fault_status_and_body(session: aiohttp.ClientSession, served: Served) -> None:
    """A status answers the error page and headers; a body answers as is; once each."""
    sim = served.sim
    sim.add_fault(served.path, status=503, headers={"Retry-After": "7"})
    sim.add_fault(served.path, body='{"broken": ')
    sim.add_fault(served.path, status=502, body=b"<html>Bad gateway</html>")
    status, body, headers = await served.send(session)
    assert (status, headers["Retry-After"]) == (503, "7")
    if isinstance(sim, PlexTVSimulator):
        plex_error(body, 503, 503)
    else:
        assert "<h1>503 Service Unavailable</h1>" in body
    status, body, headers = await served.send(session)
    assert (status, body, headers["Content-Type"]) == (200, '{"broken": ', "application/json")
    assert (await served.send(session)).body == "<html>Bad gateway</html>"
    assert sim.faults == []
    assert (await served.send(session)).status == served.ok


async def test_fault_count_method_and_host(session: aiohttp.ClientSession, served: Served) -> None:
    """A fault applies `count` times, to its method only, on its host if given; or is cleared."""
    sim = served.sim
    sim.add_fault(served.path, status=500, count=2, method=served.method.lower())
    sim.add_fault("/", status=500, method="PATCH")
    assert [(await served.send(session)).status for _ in range(3)] == [500, 500, served.ok]
    sim.clear_faults()
    assert sim.faults == []
    with pytest.raises(ValueError, match="count"):
        sim.add_fault("/", count=0)
    with pytest.raises(ValueError, match="host must be one of"):
        sim.add_fault("/", host="elsewhere")
    if isinstance(sim, PlexTVSimulator):
        sim.add_fault("/", status=500, host="discover")
        assert (await served.send(session)).status == served.ok
        assert len(sim.faults) == 1


async def test_fault_drop(session: aiohttp.ClientSession, served: Served) -> None:
    """A drop closes the connection unanswered (aiohttp sends a GET twice: drop both)."""
    served.sim.add_fault(served.path, drop=True, count=1 if served.method == "POST" else 2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await served.send(session)
    assert (await served.send(session)).status == served.ok


async def until_logged(sim: Simulator, count: int = 1) -> None:
    """Let the event loop run until sim has logged `count` requests (a second at most)."""
    async with asyncio.timeout(1):
        while len(sim.requests) < count:  # noqa: ASYNC110 - polls the simulator's log
            await asyncio.sleep(0.005)


async def test_fault_delay_on_the_clock(
    session: aiohttp.ClientSession, served: Served, clock: FakeClock
) -> None:
    """A delay holds the answer until the simulator's clock has moved that far."""
    served.sim.add_fault(served.path, delay=30)
    answer = asyncio.ensure_future(served.send(session))
    async with asyncio.timeout(1):
        while not clock.sleepers:  # noqa: ASYNC110 - polls the clock
            await asyncio.sleep(0.005)
    clock.advance(29.9)
    assert clock.sleepers == 1  # the request still sleeps: its answer is not sent
    clock.advance(0.1)
    assert (await answer).status == served.ok


async def test_fault_hold_and_stop(session: aiohttp.ClientSession, served: Served) -> None:
    """A held request waits for its release while others pass; stop() ends a held one."""
    release = asyncio.Event()
    served.sim.add_fault(served.path, hold=release)
    held = asyncio.ensure_future(served.send(session))
    await until_logged(served.sim)
    assert (await served.send(session)).status == served.ok
    assert not held.done()
    release.set()
    assert (await held).status == served.ok
    served.sim.add_fault(served.path, hold=asyncio.Event())
    held = asyncio.ensure_future(served.send(session))
    await until_logged(served.sim, 3)
    async with asyncio.timeout(2):
        await served.sim.stop()
    with pytest.raises(aiohttp.ClientError):
        await held


async def test_request_log(
    session: aiohttp.ClientSession, served: Served, clock: FakeClock
) -> None:
    """Each request is logged in order with its time, query and headers; /_sim/ ones are not."""
    sim = served.sim
    await served.send(session, params={"x": "1"})
    clock.advance(2)
    await call(session, "GET", f"{sim.url}/nowhere")
    await call(session, "GET", f"{sim.url}/_sim/state")
    first, second = sim.requests
    assert (first.method, first.path, first.query) == (served.method, served.path, {"x": "1"})
    assert first.headers["Accept"] == served.headers["Accept"]
    assert first.wall_time.tzinfo is not None
    assert (first.time, second.time) == (1000.0, 1002.0)
    host = sim.address if isinstance(sim, PMSSimulator) else "plex.tv"
    assert second.host == first.host == host
    assert sim.requests_to(served.path) == [first]
    assert sim.requests_to("/", method="delete") == []
    assert sim.requests_to("/", host=first.host) == [first, second]


async def test_fault_and_log_routes(session: aiohttp.ClientSession, served: Served) -> None:
    """/_sim/faults adds and clears faults, /_sim/requests reads and clears the log."""
    control = f"{served.sim.url}/_sim"
    fault = {"path": served.path, "status": 429, "headers": {"Retry-After": "2"}, "count": 2}
    assert (await call(session, "POST", f"{control}/faults", json=fault)).status == 201
    for wrong in ({"path": "/", "bogus": 1}, {"path": "/", "count": 0}, ["/"]):
        assert (await call(session, "POST", f"{control}/faults", json=wrong)).status == 400
    status, _, headers = await served.send(session)
    assert (status, headers["Retry-After"]) == (429, "2")
    [state] = (await call(session, "GET", f"{control}/state")).body["faults"]
    assert (state["path"], state["status"], state["count"]) == (served.path, 429, 1)
    assert (await call(session, "DELETE", f"{control}/faults")).status == 204
    assert served.sim.faults == []
    [logged] = (await call(session, "GET", f"{control}/requests")).body
    assert (logged["method"], logged["path"], logged["time"]) == (served.method, served.path, 1000)
    assert logged["headers"]["Accept"] == served.headers["Accept"]
    assert logged["wall_time"].endswith("+00:00")
    assert (await call(session, "DELETE", f"{control}/requests")).status == 204
    assert served.sim.requests == []
