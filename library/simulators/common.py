"""What the plex.tv and the Plex Media Server simulators share.

Simulator is the core of both: the clock, injected faults, the request log and the aiohttp
applications served on loopback addresses (and its use as an async context manager). Besides:
the /_sim/ routes of the faults and the log, and the command line that runs a simulator until
SIGINT or SIGTERM.
"""

import argparse
import asyncio
import ipaddress
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .render import wants_json

CONTROL_PREFIX = "/_sim/"

type ErrorPage = Callable[[web.Request, int, dict[str, str]], web.Response]
type Guard = Callable[[web.Request], web.Response | None]
"""A check every request passes after its fault: an answer refuses it, None lets it through."""


def loopback(host: str) -> str:
    """Return host if it is a loopback address (127.0.0.0/8, ::1); raise ValueError otherwise."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    msg = f"{host} is not a loopback address"
    raise ValueError(msg)


def now_utc() -> datetime:
    """Return the current wall-clock time, aware, in UTC."""
    return datetime.now(UTC)


def phrase(status: int) -> str:
    """Return a status's reason phrase ("Error" for a status HTTP does not name)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass(frozen=True)
class RecordedRequest:
    """One request a simulator received, at `time` on its clock."""

    time: float
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    host: str = "plex.tv"
    """The host that served it: "plex.tv", "discover", "metadata", or a server's address."""


@dataclass
class Fault:
    """A fault injected into the next `count` matching requests (see Simulator.add_fault)."""

    path: str
    status: int | None = None
    delay: float = 0.0
    hold: asyncio.Event | None = None
    body: str | bytes | None = None
    drop: bool = False
    count: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    host: str | None = None

    def matches(self, method: str, path: str, host: str) -> bool:
        """Return whether the fault applies to a request to a host."""
        return (
            path.startswith(self.path)
            and self.method in {None, method.upper()}
            and self.host in {None, host}
        )


class Simulator:
    """The core of a simulator: clock, faults, request log and the apps it serves."""

    fault_hosts: tuple[str, ...] = ()
    """The hosts a fault may be limited to; with none, a fault applies to every request."""
    main: str = ""
    """The name of the app whose URL is `url`."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """Read the time from clock (and sleep on its `sleep`, if it has one)."""
        self.clock = clock
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self._runners: dict[str, web.AppRunner] = {}
        self._urls: dict[str, str] = {}
        self._delayed: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        """Return the main app's base URL, such as http://127.0.0.1:41234."""
        return self._url_of(self.main)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the main app on a loopback host:port (port 0 picks a free one); return url."""
        raise NotImplementedError

    def stop(self) -> Awaitable[None]:
        """Stop serving and close every connection; stopping twice is harmless."""
        return self._close()

    async def __aenter__(self) -> Self:
        """Start on free ports of 127.0.0.1."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        await self.stop()

    def add_fault(  # noqa: PLR0913
        self,
        path: str,
        *,
        status: int | None = None,
        delay: float = 0.0,
        body: str | bytes | None = None,
        drop: bool = False,
        count: int = 1,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        hold: asyncio.Event | None = None,
        host: str | None = None,
    ) -> None:
        """Give the next `count` requests whose path starts with `path` a fault.

        The request first sleeps `delay` seconds on the simulator's clock, then waits until
        `hold`, if given, is set. Then `drop` closes the connection with no answer; `status`
        answers with that status and the simulator's error page (or `body`); `body` alone
        answers 200 with that body, as JSON when the request accepts it, XML otherwise; with
        none of them the request is served normally. `method` limits the fault to one method,
        `host` to one of fault_hosts.
        """
        if count < 1:
            msg = "count must be at least 1"
            raise ValueError(msg)
        if host is not None and host not in self.fault_hosts:
            msg = f"host must be one of {self.fault_hosts}, not {host!r}"
            raise ValueError(msg)
        method = None if method is None else method.upper()
        fault = Fault(path, status, delay, hold, body, drop, count, headers or {}, method, host)
        self.faults.append(fault)

    def requests_to(
        self, path: str, method: str | None = None, host: str | None = None
    ) -> list[RecordedRequest]:
        """Return the recorded requests whose path starts with path (method, host if given)."""
        return [
            recorded
            for recorded in self.requests
            if recorded.path.startswith(path)
            and (method is None or recorded.method == method.upper())
            and host in {None, recorded.host}
        ]

    async def clock_sleep(self, seconds: float) -> None:
        """Sleep on the simulator's clock if it can (a FakeClock), in real time otherwise."""
        sleep: Callable[[float], Awaitable[None]] = getattr(self.clock, "sleep", asyncio.sleep)
        await sleep(seconds)

    # Serving

    def _url_of(self, name: str) -> str:
        if name not in self._urls:
            msg = "the simulator has not been started"
            raise RuntimeError(msg)
        return self._urls[name]

    async def _serve(
        self, name: str, app: web.Application, host: str, port: int
    ) -> tuple[str, int]:
        """Serve app on a loopback host and port (0: a free one); return the bound pair."""
        loopback(host)
        # A short shutdown timeout: a request held by a delay fault must not stall stop().
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runners[name] = runner
        bound_host, bound_port = runner.addresses[0][:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self._urls[name] = f"http://{shown}:{bound_port}"
        return bound_host, bound_port

    async def _close(self, *names: str) -> None:
        """Stop serving the named apps (all of them without names) and the delayed requests."""
        # A delayed request whose client has gone is no longer tracked by aiohttp: end it here.
        delayed = list(self._delayed)
        for task in delayed:
            task.cancel()
        for name in names or list(self._runners):
            if (runner := self._runners.pop(name, None)) is not None:
                await runner.cleanup()
        if delayed:
            await asyncio.wait(delayed, timeout=1)

    def _middleware(
        self, host: Callable[[], str], error_page: ErrorPage, guard: Guard | None = None
    ) -> Middleware:
        """Return the middleware that logs each request, applies its fault, then its guard.

        The /_sim/ control routes are neither logged nor faulted nor guarded.
        """

        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path.startswith(CONTROL_PREFIX):
                return await handler(request)
            name = host()
            self.requests.append(
                RecordedRequest(
                    self.clock(),
                    request.method,
                    request.path,
                    dict(request.query),
                    {str(key): value for key, value in request.headers.items()},
                    name,
                )
            )
            fault = next(
                (f for f in self.faults if f.matches(request.method, request.path, name)), None
            )
            if fault is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                answer = await self._apply_fault(request, fault, error_page)
                if answer is not None:
                    return answer
            refusal = guard(request) if guard else None
            return refusal if refusal is not None else await handler(request)

        return middleware

    async def _apply_fault(
        self, request: web.Request, fault: Fault, error_page: ErrorPage
    ) -> web.StreamResponse | None:
        """Serve a fault; None when the request is then served normally."""
        if fault.delay > 0 or fault.hold is not None:
            task = asyncio.current_task()
            if task is not None:
                self._delayed.add(task)
            try:
                if fault.delay > 0:
                    await self.clock_sleep(fault.delay)
                if fault.hold is not None:
                    await fault.hold.wait()
            finally:
                self._delayed.discard(task)
        if fault.drop:
            if request.transport is not None:
                request.transport.close()
            # Nothing reaches the client: its transport is already closed.
            return web.Response(status=204)
        if fault.status is None and fault.body is None:
            return None
        status = 200 if fault.status is None else fault.status
        if fault.body is None:
            return error_page(request, status, fault.headers)
        kind = "application/json" if wants_json(request) else "application/xml"
        body = fault.body.encode() if isinstance(fault.body, str) else fault.body
        return web.Response(status=status, body=body, content_type=kind, headers=fault.headers)


# The control routes


def control_error(message: str, status: int = 400) -> web.Response:
    """Answer a control request with {"error": message}."""
    return web.json_response({"error": message}, status=status)


async def json_body(request: web.Request) -> Any:  # noqa: ANN401 - any JSON value
    """Return a control request's JSON body ({} when it has none); 400 if it is no JSON."""
    if not request.can_read_body:
        return {}
    try:
        return await request.json()
    except json.JSONDecodeError as err:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"invalid JSON: {err}"}), content_type="application/json"
        ) from err


def add_fault_and_log_routes(router: web.UrlDispatcher, sim: Simulator) -> None:
    """Serve /_sim/faults (POST, DELETE) and /_sim/requests (GET, DELETE) for a simulator."""

    async def add_fault(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict) or "hold" in data or not isinstance(data.get("path"), str):
            return control_error('expected {"path": "...", ...}')
        try:
            sim.add_fault(**{key: value for key, value in data.items() if value is not None})
        except (TypeError, ValueError) as err:
            return control_error(str(err))
        return web.json_response({"faults": len(sim.faults)}, status=201)

    async def clear(request: web.Request) -> web.Response:
        (sim.faults if request.path.endswith("faults") else sim.requests).clear()
        return web.Response(status=204)

    async def get_requests(request: web.Request) -> web.Response:
        return web.json_response([asdict(recorded) for recorded in sim.requests])

    router.add_post("/_sim/faults", add_fault)
    router.add_delete("/_sim/faults", clear)
    router.add_get("/_sim/requests", get_requests)
    router.add_delete("/_sim/requests", clear)


# The command line


def _loopback_argument(host: str) -> str:
    try:
        return loopback(host)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def command_line(prog: str, description: str | None) -> argparse.ArgumentParser:
    """Return a simulator's argument parser, with --host (loopback only) and --port."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--host", type=_loopback_argument, default="127.0.0.1", help="loopback address to listen on"
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    return parser


def serve_until_signalled(start: Callable[[], Awaitable[tuple[Simulator, str]]]) -> None:
    """Start a simulator, print its URLs (a parent process reads them), serve until signalled."""

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        simulator, lines = await start()
        try:
            sys.stdout.write(lines)
            sys.stdout.flush()
            await stop.wait()
        finally:
            await simulator.stop()

    asyncio.run(serve())
