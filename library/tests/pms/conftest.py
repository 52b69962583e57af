"""Fixtures for the Plex Media Server client tests: a session and a stand-in server."""

import logging
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_socket
from aiohttp import ClientSession

from aioplexaccount import PMSClient

from .server import FakeServer, serving


# Home Assistant's test plugin disables sockets for every test and lets them connect to
# 127.0.0.1 only; these tests serve on other loopback addresses too (one server each, so a
# candidate is told from another by its address), so the whole of 127.0.0.0/8 is allowed.
@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Let every test of the client listen on and connect to loopback, and nothing else."""
    pytest_socket.socket_allow_hosts(["127.0.0.0/8"], allow_unix_socket=True)


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """Return a session owned by the test, as Home Assistant's shared session would be."""
    async with ClientSession() as session:
        yield session


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    """Return a stand-in server on 127.0.0.2."""
    async with serving(FakeServer()) as server:
        yield server


@pytest.fixture
def client(session: ClientSession, server: FakeServer) -> PMSClient:
    """Return a client of the stand-in server with its token."""
    return PMSClient(session=session, base_url=server.url, token=server.token, request_timeout=2)


@pytest.fixture
def no_token_in_logs(caplog: pytest.LogCaptureFixture, server: FakeServer) -> Iterator[None]:
    """Fail the test if the server's token is in any log line."""
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        text = record.getMessage() + (record.exc_text or "")
        assert server.token not in text, f"the token is in the log: {record.name}"


@pytest.fixture
def debug_only(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test if the client logs above DEBUG: its owner says what the user should see."""
    caplog.set_level(logging.DEBUG)
    yield
    loud = [
        record
        for record in caplog.get_records("setup") + caplog.get_records("call")
        if record.name.startswith("aioplexaccount")
        and record.levelno > logging.DEBUG
    ]
    assert loud == [], [record.getMessage() for record in loud]
