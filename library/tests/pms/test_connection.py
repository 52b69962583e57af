"""Choosing a server's connection: the candidates, in order, and the race between them."""

import asyncio
import contextlib

import pytest
from aiohttp import ClientSession
from aioplexaccount import (
    Candidate,
    Connection,
    ConnectionKind,
    PlexAuthenticationError,
    PlexConnectionError,
    candidates,
    choose_connection,
)

from library.tests.builders import connection, server_resource

from .server import FakeServer, closed_port, serving

LOCAL, REMOTE, RELAY = ConnectionKind.LOCAL, ConnectionKind.REMOTE, ConnectionKind.RELAY
HTTP = "http://10.0.0.2:32400"


def test_candidates_order() -> None:
    """Local before remote before relay, https before http, plex.tv's order otherwise."""
    plex_direct = "https://192-168-1-2.abc.plex.direct:32400"
    resource = server_resource(
        connection("https://203-0-113-4.abc.plex.direct:443/", address="203.0.113.4"),
        connection("https://relay.example:8443", address="203.0.113.8", relay=True),
        connection("http://203.0.113.9:32400"),
        connection(plex_direct, address="192.168.1.2", local=True),
        connection("https://fd00--2.abc.plex.direct:32400", address="fd00::2", local=True),
        connection("http://192.168.1.2:32400", local=True),
        connection("http://[fe80::3]:1", address="[fe80::3]", local=True),
    )
    assert candidates(resource) == [
        Candidate(url=plex_direct, kind=LOCAL),
        Candidate(url="https://fd00--2.abc.plex.direct:32400", kind=LOCAL),
        Candidate(url="http://192.168.1.2:32400", kind=LOCAL),
        Candidate(url="http://[fd00::2]:32400", kind=LOCAL),
        Candidate(url="http://[fe80::3]:1", kind=LOCAL),
        Candidate(url="https://203-0-113-4.abc.plex.direct:443", kind=REMOTE),
        Candidate(url="https://relay.example:8443", kind=RELAY),
    ]
    assert [c.secure for c in candidates(resource)[1:3]] == [True, False]


@pytest.mark.parametrize(
    ("listed", "https_required", "plain"),
    [
        # Plain http only to a local connection at an address on this network.
        (connection(HTTP, local=True), False, 1),
        (
            connection("https://127-0-0-2.x.plex.direct:1", address="127.0.0.2", local=True),
            False,
            1,
        ),
        # Not to a public address, a name, a remote or a relay connection ...
        (connection("http://1.2.3.4:80", local=True), False, 0),
        (connection("http://nas.lan:32400", local=True), False, 0),
        (connection(HTTP), False, 0),
        (connection(HTTP, relay=True), False, 0),
        # ... and never for a server that requires https (httpsRequired).
        (connection(HTTP, local=True), True, 0),
        (connection("https://10-0-0-2.x.plex.direct:1", address="10.0.0.2", local=True), True, 0),
    ],
)
def test_plain_http_candidates(listed: Connection, https_required: bool, plain: int) -> None:
    """The token goes over plain http only to a local, private address, if https is not required."""
    found = candidates(server_resource(listed, https_required=https_required))
    assert sum(not c.secure for c in found) == plain
    assert all(c.secure or c.url.startswith("http://") for c in found)


async def test_https_required_keeps_the_token_off_http(
    session: ClientSession, server: FakeServer
) -> None:
    """A server that requires https gets nothing over http, even while https fails."""
    resource = server_resource(
        connection(closed_port().replace("http", "https"), local=True),
        connection(server.url, local=True),
        https_required=True,
    )
    with pytest.raises(PlexConnectionError, match="1 connections reached it: 1 refused"):
        await choose_connection(session, resource)
    assert server.paths == []


async def test_one_that_works(session: ClientSession, server: FakeServer) -> None:
    """The one candidate that is the server is chosen; only it gets the token, later."""
    chosen = await choose_connection(session, server_resource(connection(server.url, local=True)))
    assert (chosen.base_url, chosen.kind) == (server.url, LOCAL)
    assert (chosen.machine_identifier, chosen.version) == ("machine-1", "1.41.0.0")
    assert server.token not in repr(chosen)
    assert await chosen.client(session).sessions() == []
    assert server.paths == ["/identity", "/status/sessions"]


@pytest.mark.parametrize(
    ("resource", "error", "match"),
    [
        (server_resource(access_token=None), PlexAuthenticationError, "no access token"),
        (server_resource(access_token=" x"), PlexAuthenticationError, "missing or not valid"),  # noqa: S106
        (server_resource(), PlexConnectionError, "lists no connection"),
    ],
)
async def test_cannot_try(
    session: ClientSession, resource: object, error: type[Exception], match: str
) -> None:
    """A resource without a usable token or any connection cannot be tried."""
    with pytest.raises(error, match=match):
        await choose_connection(session, resource)  # type: ignore[arg-type]


async def test_none_works(session: ClientSession, server: FakeServer) -> None:
    """When no candidate is the server, the error counts how each failed, without addresses."""
    server.machine_identifier = "another-machine"
    async with serving(FakeServer(statuses={"/identity": 404}), host="127.0.0.3") as broken:
        resource = server_resource(
            connection(server.url, local=True),
            connection(broken.url, local=True),
            connection(closed_port(), local=True),
        )
        with pytest.raises(PlexConnectionError) as caught:
            await choose_connection(session, resource)
        assert str(caught.value) == (
            "None of the server's 3 connections reached it: 1 refused, 0 timed out, "
            "1 another server, 1 answered something else"
        )
        with pytest.raises(PlexConnectionError, match="0 refused, 3 timed out, 0 another"):
            await choose_connection(session, resource, timeout=0)


@pytest.mark.parametrize(
    ("lineup", "grace", "chosen"),
    [
        # A preferred connection slower than the next one wins if it answers within the grace.
        (["slow", "works"], 3600, 0),
        # A preferred connection that stays silent past the grace gives way to one that works.
        (["silent", "works"], 0, 1),
        # Once every preferred connection failed, the one that works is chosen at once.
        (["refused", "impostor", "works"], 3600, 2),
        # The most preferred connection answering ends the race: the others are not waited for.
        (["works", "silent"], 3600, 0),
    ],
)
async def test_race(session: ClientSession, lineup: list[str], grace: float, chosen: int) -> None:
    """The race between a server's connections, each local (plain http goes to local ones).

    Were the wrong one waited for, its hour (of grace or timeout) would end the test; nothing
    but GET /identity is sent in the race.
    """
    slow, servers = asyncio.Event(), [FakeServer() for _ in lineup]
    async with contextlib.AsyncExitStack() as stack:
        for index, (fake, kind) in enumerate(zip(servers, lineup, strict=True)):
            fake.hold = {"slow": slow, "silent": asyncio.Event()}.get(kind)
            fake.machine_identifier = "rebound" if kind == "impostor" else "works"
            fake.url = closed_port()  # where nothing listens, unless it is served
            if kind != "refused":
                await stack.enter_async_context(serving(fake, f"127.0.0.{index + 2}"))
        connections = (connection(fake.url, local=True) for fake in servers)
        resource = server_resource(*connections, client_identifier="works")
        race = asyncio.ensure_future(
            choose_connection(session, resource, grace=grace, timeout=3600)
        )
        async with asyncio.timeout(5):
            while "slow" in lineup and not all(fake.paths for fake in servers):  # noqa: ASYNC110
                await asyncio.sleep(0.005)  # the slow one answers once each was asked
            slow.set()
            base_url = (await race).base_url
    assert base_url == servers[chosen].url
    # The token goes later, to the chosen one alone.
    assert all(fake.paths in ([], ["/identity"]) for fake in servers)
