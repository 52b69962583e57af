"""Choosing a server's connection: the order of the candidates, and the race between them."""

import asyncio
from urllib.parse import urlsplit

import pytest
from aiohttp import ClientSession

from aioplexaccount import Connection, Resource
from aioplexaccount import (
    Candidate,
    ConnectionKind,
    PlexAuthenticationError,
    PlexConnectionError,
    candidates,
    choose_connection,
)

from .server import FakeServer, blackhole, closed_port, serving

pytestmark = pytest.mark.usefixtures("no_token_in_logs")

TOKEN = "server-token-abc"  # noqa: S105 - the stand-in's token


def connection(url: str, *, local: bool = False, relay: bool = False) -> Connection:
    """Return the plex.tv connection whose uri is url (and address and port, url's)."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return Connection(
        protocol=parts.scheme,
        address=parts.hostname,
        port=parts.port,
        uri=url,
        local=local,
        relay=relay,
    )


def resource(*connections: Connection, token: str | None = TOKEN) -> Resource:
    """Return the plex.tv resource of the stand-in's machine with these connections."""
    return Resource(
        name="Home",
        client_identifier="machine-1",
        provides=frozenset({"server"}),
        owned=True,
        access_token=token,
        connections=connections,
    )


def test_candidates_order() -> None:
    """Local before remote before relay, https before http, plex.tv's order otherwise."""
    plex_direct = "https://192-168-1-2.abc.plex.direct:32400"
    listed = resource(
        Connection(
            protocol="https",
            address="1.2.3.4",
            port=443,
            uri="https://1-2-3-4.abc.plex.direct:443/",
        ),
        Connection(
            protocol="https",
            address="5.6.7.8",
            port=8443,
            uri="https://relay.example:8443",
            relay=True,
        ),
        Connection(protocol="http", address="9.9.9.9", port=32400, uri="http://9.9.9.9:32400"),
        Connection(
            protocol="https", address="192.168.1.2", port=32400, uri=plex_direct, local=True
        ),
        Connection(
            protocol="https",
            address="fd00::2",
            port=32400,
            uri="https://fd00--2.abc.plex.direct:32400",
            local=True,
            ipv6=True,
        ),
        Connection(
            protocol="http",
            address="192.168.1.2",
            port=32400,
            uri="http://192.168.1.2:32400",
            local=True,
        ),
        Connection(
            protocol="http",
            address="[fd00::3]",
            port=1,
            uri="http://[fd00::3]:1",
            local=True,
            ipv6=True,
        ),
        Connection(
            protocol="http", address="nas.lan", port=32400, uri="http://nas.lan:32400", local=True
        ),
    )
    assert candidates(listed) == [
        Candidate(url=plex_direct, kind=ConnectionKind.LOCAL),
        Candidate(url="https://fd00--2.abc.plex.direct:32400", kind=ConnectionKind.LOCAL),
        Candidate(url="http://192.168.1.2:32400", kind=ConnectionKind.LOCAL),
        Candidate(url="http://[fd00::2]:32400", kind=ConnectionKind.LOCAL),
        Candidate(url="http://[fd00::3]:1", kind=ConnectionKind.LOCAL),
        Candidate(url="http://nas.lan:32400", kind=ConnectionKind.LOCAL),
        Candidate(url="https://1-2-3-4.abc.plex.direct:443", kind=ConnectionKind.REMOTE),
        Candidate(url="http://9.9.9.9:32400", kind=ConnectionKind.REMOTE),
        Candidate(url="https://relay.example:8443", kind=ConnectionKind.RELAY),
    ]
    assert candidates(listed)[0].secure
    assert not candidates(listed)[2].secure


async def test_no_token(session: ClientSession, server: FakeServer) -> None:
    """A resource without a token cannot be used."""
    with pytest.raises(PlexAuthenticationError, match="no access token"):
        await choose_connection(session, resource(connection(server.url), token=None))
    with pytest.raises(PlexAuthenticationError, match="missing or not valid"):
        await choose_connection(session, resource(connection(server.url), token=" x"))  # noqa: S106 - a bad token
    assert server.paths == []


async def test_no_connections(session: ClientSession) -> None:
    """A server that plex.tv lists without connections cannot be reached."""
    with pytest.raises(PlexConnectionError, match="lists no connection"):
        await choose_connection(session, resource())


async def test_only_one(session: ClientSession, server: FakeServer) -> None:
    """The one candidate that is the server is chosen, and its client reads the sessions."""
    chosen = await choose_connection(session, resource(connection(server.url, local=True)))
    assert (chosen.base_url, chosen.kind) == (server.url, ConnectionKind.LOCAL)
    assert (chosen.machine_identifier, chosen.version) == ("machine-1", "1.41.0.0")
    assert TOKEN not in repr(chosen)
    assert await chosen.client(session).sessions() == []
    # The identity is read without the token; the token goes to the chosen server only.
    assert server.paths == ["/identity", "/status/sessions"]


async def test_none_works(session: ClientSession, server: FakeServer) -> None:
    """When no candidate is the server, the error counts how each failed, without addresses."""
    server.machine_identifier = "another-machine"
    async with (
        serving(FakeServer(status=404), host="127.0.0.3") as broken,
        blackhole("127.0.0.5") as silent,
    ):
        refused = closed_port("127.0.0.4")
        listed = resource(
            connection(server.url, local=True),
            connection(broken.url, local=True),
            connection(refused),
            connection(silent, relay=True),
        )
        with pytest.raises(PlexConnectionError) as caught:
            await choose_connection(session, listed, timeout=0.1)
    assert str(caught.value) == (
        "None of the server's 4 connections reached it: 1 refused, 1 timed out, "
        "1 another server, 1 answered something else"
    )


async def test_preferred_wins_within_grace(session: ClientSession, server: FakeServer) -> None:
    """A slower local connection wins over a remote one that answered first."""
    server.delay = 0.1
    async with serving(FakeServer(), host="127.0.0.3") as remote:
        listed = resource(connection(remote.url), connection(server.url, local=True))
        chosen = await choose_connection(session, listed, grace=2)
    assert (chosen.base_url, chosen.kind) == (server.url, ConnectionKind.LOCAL)


async def test_silent_preferred_does_not_hold_up(session: ClientSession) -> None:
    """A local connection that stays silent past the grace gives way to one that works."""
    async with (
        serving(FakeServer(), host="127.0.0.3") as remote,
        blackhole("127.0.0.5") as silent,
    ):
        listed = resource(connection(silent, local=True), connection(remote.url))
        # Were the silent one waited for, its hour-long timeout would end the test.
        async with asyncio.timeout(10):
            chosen = await choose_connection(session, listed, grace=0.1, timeout=3600)
    assert (chosen.base_url, chosen.kind) == (remote.url, ConnectionKind.REMOTE)


async def test_failed_preferred_does_not_wait(session: ClientSession) -> None:
    """Once the preferred connections failed, the one that works is chosen at once."""
    async with (
        serving(FakeServer(), host="127.0.0.3") as relay,
        serving(FakeServer(machine_identifier="rebound"), host="127.0.0.2") as impostor,
    ):
        listed = resource(
            connection(relay.url, relay=True),
            connection(closed_port("127.0.0.4"), local=True),
            connection(impostor.url),
        )
        # Were the grace waited for, its hour would end the test.
        async with asyncio.timeout(10):
            chosen = await choose_connection(session, listed, grace=3600)
    assert (chosen.base_url, chosen.kind) == (relay.url, ConnectionKind.RELAY)
    # The other server was asked who it is, and nothing else.
    assert impostor.paths == ["/identity"]


async def test_first_preferred_answers_at_once(session: ClientSession, server: FakeServer) -> None:
    """The most preferred connection answering ends the race: the rest are cancelled."""
    async with blackhole("127.0.0.5") as silent:
        listed = resource(connection(server.url, local=True), connection(silent))
        async with asyncio.timeout(10):
            chosen = await choose_connection(session, listed, grace=3600, timeout=3600)
    assert chosen.base_url == server.url
