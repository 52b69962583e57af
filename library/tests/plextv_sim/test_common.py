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
    """A started simulator, a request it serves without a token, and that request's status."""

    sim: Simulator
    method: str
    path: str
    ok: int

    async def send(self, session: aiohttp.ClientSession, **kwargs: object) -> Reply:
        """Send the request, asking for JSON."""
        url = f"{self.sim.url}{self.path}"
        return await call(session, self.method, url, headers=JSON_HEADERS, **kwargs)

    async def until_logged(self, count: int) -> None:
        """Let the loop run until the simulator has logged `count` requests."""
        async with asyncio.timeout(1):
            while len(self.sim.requests) < count:  # noqa: ASYNC110 - polls the log
                await asyncio.sleep(0.005)


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
        return Served(await plextv_factory(clock=clock), "POST", "/api/v2/pins", 201)
    return Served(await pms_factory(clock=clock), "GET", "/identity", 200)


@pytest.mark.parametrize("kind", [PlexTVSimulator, PMSSimulator])
async def test_lifecycle(kind: type[Simulator], session: aiohttp.ClientSession) -> None:
    """The URL is known once started; the context manager serves on loopback only, stops."""
    sim = kind()
    with pytest.raises(RuntimeError, match="not been started"):
        _ = sim.url
    async with sim:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
        assert (await call(session, "GET", f"{sim.url}/_sim/state")).body["url"] == sim.url
    await sim.stop()  # stopping twice is harmless
    with pytest.raises(ValueError, match="not a loopback address"):
        await sim.start("192.0.2.1")
    async with PlexTVSimulator() as first:
        port = int(first.metadata_url.rpartition(":")[2])
        with pytest.raises(OSError, match="address already in use"):
            await sim.start(port=port)
        assert sim._runners == {}  # nothing left served


@pytest.mark.parametrize(
    ("main", "args", "lines"),
    [
        (plextv_main, ["plextv", "--pin-expires-in", "5"], ["plex.tv", "discover", "metadata"]),
        (pms_main, ["pms", "--token", "made-up"], ["Plex Media Server"] * 2),
    ],
)
def test_command_line(main: Callable[[list[str]], None], args: list[str], lines: list[str]) -> None:
    """`python -m` prints a line per URL, the main one first, serves, stops on SIGTERM.

    It listens on loopback addresses only.
    """
    module, *options = args
    with subprocess.Popen(  # noqa: S603 - this interpreter, a module of the project
        [sys.executable, "-m", f"library.simulators.{module}", *options, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        try:
            assert select.select([process.stdout], [], [], 15)[0], "the simulator printed nothing"
            pattern = r"{} simulator(?: control)? on (http://127\.0\.0\.1:\d+)\n"
            urls = [re.fullmatch(pattern.format(name), process.stdout.readline()) for name in lines]
            assert all(urls), urls
            assert len({url[1] for url in urls if url}) == len(lines)
            url = urls[0][1] if urls[0] else ""
            with urllib.request.urlopen(f"{url}/_sim/state", timeout=5) as answer:  # noqa: S310
                served = json.loads(answer.read())
            assert served["url"] == url
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
    with pytest.raises(SystemExit) as exit_:
        main(["--host", "192.0.2.1"])
    assert exit_.value.code == 2


async def test_fault_answers(session: aiohttp.ClientSession, served: Served) -> None:
    """A status answers the error page and headers; a body answers as is; a drop nothing."""
    sim, path = served.sim, served.path
    sim.add_fault(path, status=503, headers={"Retry-After": "7"})
    sim.add_fault(path, body='{"broken": ')
    sim.add_fault(path, status=502, body=b"<html>Bad gateway</html>")
    # aiohttp sends a GET once more when the connection drops: drop both.
    sim.add_fault(path, drop=True, count=1 if served.method == "POST" else 2)
    status, body, headers = await served.send(session)
    assert (status, headers["Retry-After"]) == (503, "7")
    if isinstance(sim, PlexTVSimulator):
        plex_error(body, 503, 503)
    else:
        assert "<h1>503 Service Unavailable</h1>" in body
    status, body, headers = await served.send(session)
    assert (status, body, headers["Content-Type"]) == (200, '{"broken": ', "application/json")
    assert (await served.send(session)).body == "<html>Bad gateway</html>"
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await served.send(session)
    assert (sim.faults, (await served.send(session)).status) == ([], served.ok)


async def test_fault_count_method_and_host(session: aiohttp.ClientSession, served: Served) -> None:
    """A fault applies `count` times, to its method only, on its host if given."""
    sim = served.sim
    sim.add_fault(served.path, status=500, count=2, method=served.method.lower())
    sim.add_fault("/", status=500, method="PATCH")
    if isinstance(sim, PlexTVSimulator):
        sim.add_fault("/", status=500, host="discover")
    assert [(await served.send(session)).status for _ in range(3)] == [500, 500, served.ok]
    with pytest.raises(ValueError, match="count"):
        sim.add_fault("/", count=0)
    with pytest.raises(ValueError, match="host must be one of"):
        sim.add_fault("/", host="elsewhere")


async def test_fault_delay_hold_and_stop(
    session: aiohttp.ClientSession, served: Served, clock: FakeClock
) -> None:
    """A delay holds the answer until the clock has moved that far; a hold until released.

    Others pass meanwhile; stop() ends a request still held.
    """
    served.sim.add_fault(served.path, delay=30)
    delayed = asyncio.ensure_future(served.send(session))
    async with asyncio.timeout(1):
        while not clock.sleepers:  # noqa: ASYNC110 - polls the clock
            await asyncio.sleep(0.005)
    clock.advance(29.9)
    assert clock.sleepers == 1  # still asleep: nothing is answered
    clock.advance(0.1)
    assert (await delayed).status == served.ok
    release = asyncio.Event()
    served.sim.add_fault(served.path, hold=release)
    held = asyncio.ensure_future(served.send(session))
    await served.until_logged(2)
    assert ((await served.send(session)).status, held.done()) == (served.ok, False)
    release.set()
    assert (await held).status == served.ok
    served.sim.add_fault(served.path, hold=asyncio.Event())
    held = asyncio.ensure_future(served.send(session))
    await served.until_logged(4)
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
    assert (first.headers["Accept"], first.time, second.time) == ("application/json", 1000, 1002)
    host = sim.address if isinstance(sim, PMSSimulator) else "plex.tv"
    assert second.host == first.host == host
    assert sim.requests_to(served.path) == sim.requests_to("/", host=host)[:1] == [first]
    assert sim.requests_to("/", method="delete") == []


async def test_fault_and_log_routes(session: aiohttp.ClientSession, served: Served) -> None:
    """/_sim/faults adds and clears faults, /_sim/requests reads and clears the log."""
    control = f"{served.sim.url}/_sim"
    fault = {"path": served.path, "status": 429, "headers": {"Retry-After": "2"}, "count": 2}
    assert (await call(session, "POST", f"{control}/faults", json=fault)).status == 201
    for wrong in ({"path": "/", "bogus": 1}, {"path": "/", "count": 0}, {"path": "/", "hold": 1}):
        assert (await call(session, "POST", f"{control}/faults", json=wrong)).status == 400
    status, _, headers = await served.send(session)
    assert (status, headers["Retry-After"], served.sim.faults[0].count) == (429, "2", 1)
    assert (await call(session, "DELETE", f"{control}/faults")).status == 204
    [logged] = (await call(session, "GET", f"{control}/requests")).body
    assert (logged["method"], logged["path"], logged["time"]) == (served.method, served.path, 1000)
    assert logged["headers"]["Accept"] == "application/json"
    assert (await call(session, "DELETE", f"{control}/requests")).status == 204
    assert (served.sim.faults, served.sim.requests) == ([], [])
