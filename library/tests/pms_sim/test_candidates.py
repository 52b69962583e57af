"""Candidate addresses that fail: a refused port, a black hole, a wrong server."""

import asyncio

import aiohttp
import pytest

from library.simulators.pms import PMSSimulator, blackhole, closed_port
from library.simulators.pms.fixtures import PMSFactory
from library.simulators.pms.testing import JSON, get_json


async def test_closed_port_is_refused(
    session: aiohttp.ClientSession, pms_factory: PMSFactory
) -> None:
    """Nothing listens on closed_port(): a connection is refused at once."""
    await pms_factory()  # enables sockets to the whole loopback range
    port = closed_port("127.0.0.4")
    with pytest.raises(aiohttp.ClientConnectorError) as err:
        await get_json(session, f"http://127.0.0.4:{port}/identity", JSON)
    assert isinstance(err.value.os_error, ConnectionRefusedError)
    with pytest.raises(ValueError, match="loopback"):
        closed_port("192.0.2.1")


async def test_blackhole_never_answers(
    session: aiohttp.ClientSession, pms_factory: PMSFactory
) -> None:
    """A black hole accepts the connection and never answers: the client times out."""
    await pms_factory()
    async with blackhole("127.0.0.5") as url:
        assert url.startswith("http://127.0.0.5:")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await get_json(session, f"{url}/identity", JSON)


async def test_wrong_server(
    session: aiohttp.ClientSession, pms: PMSSimulator, pms_factory: PMSFactory
) -> None:
    """Another simulator stands for a candidate that reaches the wrong server."""
    wrong = await pms_factory(host="127.0.0.6", machine_identifier="not-the-one")
    _, mine = await get_json(session, f"{pms.url}/identity", JSON)
    _, theirs = await get_json(session, f"{wrong.url}/identity", JSON)
    assert mine["MediaContainer"]["machineIdentifier"] != "not-the-one"
    assert theirs["MediaContainer"]["machineIdentifier"] == "not-the-one"
