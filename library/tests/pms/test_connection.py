"""Choosing a server's connection: the candidates, in order, and the race between them."""

import asyncio

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


def listed(protocol: str, address: str, port: int, uri: str, **flags: bool) -> Connection:
    """Return a connection as plex.tv lists it."""
    return Connection(protocol=protocol, address=address, port=port, uri=uri, **flags)


def test_candidates_order() -> None:
    """Local before remote before relay, https before http, plex.tv's order otherwise."""
    plex_direct = "https://192-168-1-2.abc.plex.direct:32400"
    resource = server_resource(
        listed("https", "203.0.113.4", 443, "https://203-0-113-4.abc.plex.direct:443/"),
        listed("https", "203.0.113.8", 8443, "https://relay.example:8443", relay=True),
        listed("http", "203.0.113.9", 32400, "http://203.0.113.9:32400"),
        listed("https", "192.168.1.2", 32400, plex_direct, local=True),
        listed("https", "fd00::2", 32400, "https://fd00--2.abc.plex.direct:32400", local=True),
        listed("http", "192.168.1.2", 32400, "http://192.168.1.2:32400", local=True),
        listed("http", "[fe80::3]", 1, "http://[fe80::3]:1", local=True, ipv6=True),
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
    ("connections", "https_required", "plain"),
    [
        # Plain http only to a local connection at an address on this network.
        ([listed("http", "10.0.0.2", 32400, "http://10.0.0.2:32400", local=True)], False, 1),
        (
            [listed("https", "127.0.0.2", 1, "https://127-0-0-2.x.plex.direct:1", local=True)],
            False,
            1,
        ),
        # Not to a public address, a name, a remote or a relay connection ...
        ([listed("http", "1.2.3.4", 80, "http://1.2.3.4:80", local=True)], False, 0),
        ([listed("http", "nas.lan", 32400, "http://nas.lan:32400", local=True)], False, 0),
        ([listed("http", "10.0.0.2", 32400, "http://10.0.0.2:32400")], False, 0),
        ([listed("http", "10.0.0.2", 32400, "http://10.0.0.2:32400", relay=True)], False, 0),
        # ... and never for a server that requires https.
        ([listed("http", "10.0.0.2", 32400, "http://10.0.0.2:32400", local=True)], True, 0),
        ([listed("https", "10.0.0.2", 1, "https://10-0-0-2.x.plex.direct:1", local=True)], True, 0),
    ],
)
def test_plain_http_candidates(
    connections: list[Connection], https_required: bool, plain: int
) -> None:
    """The token goes over plain http only to a local, private address, if https is not required."""
    found = candidates(server_resource(*connections, https_required=https_required))
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
    assert (chosen.base_url, chosen.kind, chosen.machine_identifier, chosen.version) == (
        server.url,
        LOCAL,
        "machine-1",
        "1.41.0.0",
    )
    assert server.token not in repr(chosen)
    assert await chosen.client(session).sessions() == []
    assert server.paths == ["/identity", "/status/sessions"]


@pytest.mark.parametrize(
    ("resource", "error", "match"),
    [
        (server_resource(token=None), PlexAuthenticationError, "no access token"),
        (server_resource(token=" x"), PlexAuthenticationError, "missing or not valid"),  # noqa: S106
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


async def test_preferred_wins_within_grace(session: ClientSession, server: FakeServer) -> None:
    """A preferred connection slower than the next one wins, if it answers within the grace.

    Plain http goes to local connections alone: the race is between plex.tv's order of them.
    """
    server.hold = asyncio.Event()
    async with serving(FakeServer(), host="127.0.0.3") as other:
        resource = server_resource(
            connection(server.url, local=True), connection(other.url, local=True)
        )
        choosing = asyncio.ensure_future(choose_connection(session, resource, grace=3600))
        async with asyncio.timeout(5):
            while not other.paths or not server.paths:  # noqa: ASYNC110 - real sockets
                await asyncio.sleep(0.005)
        server.hold.set()
        async with asyncio.timeout(5):
            chosen = await choosing
    assert (chosen.base_url, chosen.kind) == (server.url, LOCAL)


async def test_silent_preferred_gives_way(session: ClientSession, server: FakeServer) -> None:
    """A preferred connection that stays silent past the grace gives way to one that works."""
    server.hold = asyncio.Event()
    async with serving(FakeServer(), host="127.0.0.3") as other:
        resource = server_resource(
            connection(server.url, local=True), connection(other.url, local=True)
        )
        # Were the silent one waited for, its hour-long timeout would end the test.
        async with asyncio.timeout(5):
            chosen = await choose_connection(session, resource, grace=0, timeout=3600)
    assert chosen.base_url == other.url


async def test_failed_preferred_do_not_hold_up(session: ClientSession, server: FakeServer) -> None:
    """Once every preferred connection failed, the one that works is chosen at once."""
    async with serving(FakeServer(machine_identifier="rebound"), host="127.0.0.3") as impostor:
        resource = server_resource(
            connection(closed_port(), local=True),
            connection(impostor.url, local=True),
            connection(server.url, local=True),
        )
        # Were the grace waited for, its hour would end the test.
        async with asyncio.timeout(5):
            chosen = await choose_connection(session, resource, grace=3600)
    assert chosen.base_url == server.url
    assert impostor.paths == ["/identity"]


async def test_first_preferred_ends_the_race(session: ClientSession, server: FakeServer) -> None:
    """The most preferred connection answering ends the race: the others are not waited for."""
    async with serving(FakeServer(hold=asyncio.Event()), host="127.0.0.3") as silent:
        resource = server_resource(
            connection(server.url, local=True), connection(silent.url, local=True)
        )
        async with asyncio.timeout(5):
            chosen = await choose_connection(session, resource, grace=3600, timeout=3600)
    assert chosen.base_url == server.url
