"""Serving an injected fault: shared by the plex.tv and the Plex Media Server simulators."""

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .state import Fault

type ErrorPage = Callable[[web.Request, int, dict[str, str]], web.Response]


async def apply_fault(
    request: web.Request,
    fault: Fault,
    *,
    delayed: set[asyncio.Task[Any]],
    error_page: ErrorPage,
) -> web.StreamResponse | None:
    """Apply a fault to a request; None when the request is then served normally.

    The request first waits the fault's delay and until its hold is released (tracked in
    `delayed`, so that stopping the simulator can end it). Then `drop` closes the connection
    with no answer; a status answers with the simulator's error page (or the fault's body);
    a body alone answers 200 with it.
    """
    if fault.delay > 0 or fault.hold is not None:
        task = asyncio.current_task()
        if task is not None:
            delayed.add(task)
        try:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.hold is not None:
                await fault.hold.wait()
        finally:
            delayed.discard(task)
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
    content_type = (
        "application/json"
        if "application/json" in request.headers.get("Accept", "")
        else "application/xml"
    )
    body = fault.body.encode() if isinstance(fault.body, str) else fault.body
    return web.Response(status=status, body=body, content_type=content_type, headers=fault.headers)
