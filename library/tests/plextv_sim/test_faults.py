"""Injected faults: statuses, counts, delays, holds, bad bodies and dropped connections."""

import asyncio
import json
import time

import aiohttp
import pytest

from library.simulators.plextv import (
    PlexTVSimulator,
)
from library.simulators.plextv.fixtures import PlexTVFactory
from library.simulators.plextv.testing import (
    JSON_HEADERS,
    XML_HEADERS,
    create_pin,
    get_json,
    plex_error,
)


async def test_fault_status(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A status fault answers a plex.tv error body and extra headers, once by default."""
    plextv.add_fault("/api/v2/pins", status=429, headers={"Retry-After": "7"})
    async with session.post(f"{plextv.url}/api/v2/pins", headers=JSON_HEADERS) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "7"
        plex_error(await response.json(), 1003, 429)
    plextv.add_fault("/api/v2/pins", status=503)
    async with session.post(f"{plextv.url}/api/v2/pins", headers=XML_HEADERS) as response:
        assert response.status == 503
        assert '<error code="503" message="Service Unavailable"' in await response.text()
    await create_pin(session, plextv)
    assert plextv.faults == []


async def test_fault_count_and_method(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """Count faults apply that many times; a method restricts them; prefixes match."""
    plextv.add_fault("/api/v2/", status=500, count=2, method="get")
    assert len(plextv.faults) == 1
    await create_pin(session, plextv)  # POST: not affected
    for _ in range(2):
        assert (await get_json(session, f"{plextv.url}/api/v2/ping", JSON_HEADERS))[0] == 500
    assert (await get_json(session, f"{plextv.url}/api/v2/ping", JSON_HEADERS))[0] == 401

    plextv.add_fault("/api/v2/user", status=500, count=5)
    plextv.clear_faults()
    assert (await get_json(session, f"{plextv.url}/api/v2/user", JSON_HEADERS))[0] == 401
    with pytest.raises(ValueError, match="count"):
        plextv.add_fault("/", count=0)


async def test_fault_delay(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A delay fault alone slows the normal answer; a client timeout sees it time out."""
    plextv.add_fault("/api/v2/pins", delay=0.1)
    start = time.monotonic()
    await create_pin(session, plextv)
    assert time.monotonic() - start >= 0.1

    plextv.add_fault("/api/v2/pins", delay=1.0, status=500)
    with pytest.raises(TimeoutError):
        async with session.post(
            f"{plextv.url}/api/v2/pins",
            headers=JSON_HEADERS,
            timeout=aiohttp.ClientTimeout(total=0.2),
        ):
            pass


async def test_fault_malformed_body(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """A body alone answers 200 with that body; with a status, that status."""
    plextv.add_fault("/api/v2/pins", body='{"id": 1, "code": ')
    async with session.post(f"{plextv.url}/api/v2/pins", headers=JSON_HEADERS) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        with pytest.raises(json.JSONDecodeError):
            await response.json()
    plextv.add_fault("/api/v2/user", status=502, body=b"<html>Bad gateway</html>")
    async with session.get(f"{plextv.url}/api/v2/user", headers=JSON_HEADERS) as response:
        assert response.status == 502
        assert await response.text() == "<html>Bad gateway</html>"


async def test_fault_drop(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A drop fault closes the connection without an answer."""
    plextv.add_fault("/api/v2/pins", drop=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await create_pin(session, plextv)
    await create_pin(session, plextv)
    assert len(plextv.requests_to("/api/v2/pins", "POST")) == 2


async def test_fault_hold(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A held request is recorded on arrival and answered only once the hold is released."""
    release = asyncio.Event()
    plextv.add_fault("/api/v2/pins", hold=release)
    held = asyncio.ensure_future(create_pin(session, plextv))
    async with asyncio.timeout(5):
        while not plextv.requests:  # noqa: ASYNC110 - polls the simulator's log
            await asyncio.sleep(0.01)
    await create_pin(session, plextv)  # others pass meanwhile
    assert not held.done()
    release.set()
    first = await held
    assert first["id"] in plextv.pins
    assert len(plextv.requests_to("/api/v2/pins", "POST")) == 2


async def test_held_request_ends_with_stop(plextv_factory: PlexTVFactory) -> None:
    """Stopping the simulator ends a request that is still held."""
    sim = await plextv_factory()
    sim.add_fault("/api/v2/pins", hold=asyncio.Event())
    async with aiohttp.ClientSession() as session:
        held = asyncio.ensure_future(create_pin(session, sim))
        async with asyncio.timeout(5):
            while not sim.requests:  # noqa: ASYNC110 - polls the simulator's log
                await asyncio.sleep(0.01)
        await sim.stop()
        with pytest.raises(aiohttp.ClientError):
            await held
