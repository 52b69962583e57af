"""Fixtures of the server side's tests: a stand-in server, a client of it, quiet logs."""

import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import ClientSession
from aioplexaccount import PMSClient

from library.simulators.plextv import FakeClock
from library.simulators.pms import SAMPLE_TOKEN

from .server import SERVER_TOKEN, FakeServer, serving

STALE_TOKEN = "stale-token-0123"  # noqa: S105 - a test token
NEW_TOKEN = "new-token-4567"  # noqa: S105 - a test token
TOKENS = (SERVER_TOKEN, SAMPLE_TOKEN, STALE_TOKEN, NEW_TOKEN)


@pytest.fixture(autouse=True)
def quiet_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test if a token is in a log line, or the library logs above DEBUG.

    The owner says what the user sees: a test that expects a louder line clears the log.
    """
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        text = record.getMessage() + (record.exc_text or "")
        assert not any(token in text for token in TOKENS), f"a token is in {record.name}'s log"
        if record.name.startswith("aioplexaccount"):
            assert record.levelno <= logging.DEBUG, record.getMessage()


@pytest.fixture
async def server(clock: FakeClock) -> AsyncIterator[FakeServer]:
    """Return a stand-in server on 127.0.0.2 that times websocket upgrades on the clock."""
    async with serving(FakeServer(clock=clock)) as server:
        yield server


@pytest.fixture
def client(session: ClientSession, server: FakeServer) -> PMSClient:
    """Return a client of the stand-in server with its token."""
    return PMSClient(session=session, base_url=server.url, token=server.token)
