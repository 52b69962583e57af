"""Choose how to reach a server of the account: the best of its connections that answers.

plex.tv lists several connections per server (local, remote, relay; https and http). All
are tried at once; one is trusted only once GET /identity at it names the server plex.tv
listed (a different server at that address is refused). The most preferred trusted one
wins, but one that works is not held up for long by a preferred one that stays silent.
"""

import asyncio
import ipaddress
import json
import logging
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Final

from aiohttp import ClientSession

from .account import Connection, Resource
from .exceptions import (
    PlexAuthenticationError,
    PlexConnectionError,
    PlexError,
    PlexIdentityError,
)
from .identity import PlexIdentity
from .request import JSONLoads, check_token
from .server import PMSClient
from .sessions import ServerIdentity

_LOGGER = logging.getLogger(__name__)

DEFAULT_GRACE: Final = 0.5
DEFAULT_TIMEOUT: Final = 10.0


class ConnectionKind(StrEnum):
    """How a connection reaches the server, from the most preferred to the least."""

    LOCAL = "local"
    REMOTE = "remote"
    RELAY = "relay"


_RANK: Final = {ConnectionKind.LOCAL: 0, ConnectionKind.REMOTE: 1, ConnectionKind.RELAY: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """One base URL to try, and what kind of connection it is."""

    url: str
    kind: ConnectionKind

    @property
    def secure(self) -> bool:
        """Return whether the URL is https."""
        return self.url.startswith("https://")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConnection:
    """The connection chosen to a server: where it is, how it is reached, with what token."""

    machine_identifier: str
    base_url: str
    kind: ConnectionKind
    token: str = field(repr=False)
    version: str | None = None

    def client(
        self,
        session: ClientSession,
        *,
        identity: PlexIdentity | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
        json_loads: JSONLoads = json.loads,
    ) -> PMSClient:
        """Return a client of the server at this connection."""
        return PMSClient(
            session=session,
            base_url=self.base_url,
            token=self.token,
            identity=identity,
            request_timeout=request_timeout,
            json_loads=json_loads,
        )


def _kind(connection: Connection) -> ConnectionKind:
    if connection.relay:
        return ConnectionKind.RELAY
    return ConnectionKind.LOCAL if connection.local else ConnectionKind.REMOTE


def _private_host(address: str) -> str | None:
    """Return a private, link-local or loopback address as a URL host, else None.

    An IPv6 address comes in brackets. A name is never private: it may resolve anywhere.
    """
    bare = address.strip().removeprefix("[").removesuffix("]")
    try:
        parsed = ipaddress.ip_address(bare)
    except ValueError:
        return None
    if not (parsed.is_private or parsed.is_link_local or parsed.is_loopback):
        return None
    return f"[{bare}]" if parsed.version == 6 else bare


def candidates(resource: Resource) -> list[Candidate]:
    """Return the base URLs to try for a server, most preferred first, each once.

    Every connection's uri as plex.tv gives it, and for a local one also
    http://address:port (a server on the LAN may have no working certificate name). Local
    before remote before relay; within each, https before http; otherwise plex.tv's order.

    The token goes over plain http only to a local connection at a private address, and
    never for a server that requires https.
    """
    found: list[Candidate] = []
    for connection in resource.connections:
        kind = _kind(connection)
        host = None
        if not resource.https_required and kind is ConnectionKind.LOCAL:
            host = _private_host(connection.address)
        uri = connection.uri.strip().rstrip("/")
        if uri.startswith("https://") or (host is not None and uri.startswith("http://")):
            found.append(Candidate(url=uri, kind=kind))
        if host is not None:
            found.append(Candidate(url=f"http://{host}:{connection.port}", kind=kind))
    ordered = sorted(found, key=lambda c: (_RANK[c.kind], not c.secure))
    unique: dict[str, Candidate] = {}
    for candidate in ordered:
        unique.setdefault(candidate.url, candidate)
    return list(unique.values())


class _Outcome(IntEnum):
    TRUSTED = 0
    REFUSED = 1
    TIMED_OUT = 2
    WRONG_SERVER = 3
    BAD_ANSWER = 4


async def _probe(
    client: PMSClient, machine_identifier: str
) -> tuple[_Outcome, ServerIdentity | None]:
    """Ask one candidate who it is, within the client's request timeout; never raise."""
    try:
        identity = await client.verify_identity(machine_identifier)
    except PlexIdentityError:
        return _Outcome.WRONG_SERVER, None
    except PlexConnectionError as err:
        if isinstance(err.__cause__, TimeoutError):
            return _Outcome.TIMED_OUT, None
        return _Outcome.REFUSED, None
    except PlexError:
        return _Outcome.BAD_ANSWER, None
    return _Outcome.TRUSTED, identity


async def choose_connection(
    session: ClientSession,
    resource: Resource,
    *,
    identity: PlexIdentity | None = None,
    grace: float = DEFAULT_GRACE,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (each candidate's, not the whole race's)
) -> ServerConnection:
    """Try every connection of a server at once; return the best one that is the server.

    A candidate is trusted once GET /identity there answers the resource's
    clientIdentifier; the token is sent only later, to the chosen one. The most preferred
    trusted candidate wins as soon as every candidate before it has failed; once one is
    trusted, those before it get `grace` more seconds. Each candidate has `timeout` seconds.

    Raises PlexAuthenticationError when the resource carries no usable token, and
    PlexConnectionError when no candidate is the server (saying how many failed how).
    """
    if resource.access_token is None:
        msg = "The server's resource carries no access token"
        raise PlexAuthenticationError(msg)
    token = check_token(resource.access_token)
    found = candidates(resource)
    if not found:
        msg = "plex.tv lists no connection for the server"
        raise PlexConnectionError(msg)
    clients = [
        PMSClient(
            session=session,
            base_url=candidate.url,
            token=token,
            identity=identity,
            request_timeout=timeout,
        )
        for candidate in found
    ]
    tasks = [asyncio.create_task(_probe(client, resource.client_identifier)) for client in clients]
    try:
        index, server = await _best(tasks, grace)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if server is None:
        counts = dict.fromkeys(_Outcome, 0)
        # Nothing was trusted, so every probe ran to its end.
        for task in tasks:
            counts[task.result()[0]] += 1
        msg = (
            f"None of the server's {len(found)} connections reached it: "
            f"{counts[_Outcome.REFUSED]} refused, {counts[_Outcome.TIMED_OUT]} timed out, "
            f"{counts[_Outcome.WRONG_SERVER]} another server, "
            f"{counts[_Outcome.BAD_ANSWER]} answered something else"
        )
        raise PlexConnectionError(msg)
    chosen = found[index]
    _LOGGER.debug("Chose the %s connection %s for the server", chosen.kind, chosen.url)
    return ServerConnection(
        machine_identifier=server.machine_identifier,
        base_url=chosen.url,
        kind=chosen.kind,
        token=token,
        version=server.version,
    )


async def _best(
    tasks: list[asyncio.Task[tuple[_Outcome, ServerIdentity | None]]], grace: float
) -> tuple[int, ServerIdentity | None]:
    """Wait for the probes; return the index and identity of the one to use, if any.

    Returns as soon as the most preferred trusted probe has no unfinished probe before it,
    or `grace` seconds after the first probe was trusted, with the best trusted by then.
    """
    loop = asyncio.get_running_loop()
    deadline: float | None = None
    pending = set(tasks)
    while True:
        for index, task in enumerate(tasks):
            if not task.done():
                break
            outcome, server = task.result()
            if outcome is _Outcome.TRUSTED:
                return index, server
        trusted = [
            (index, task.result()[1])
            for index, task in enumerate(tasks)
            if task.done() and task.result()[0] is _Outcome.TRUSTED
        ]
        if trusted and deadline is None:
            deadline = loop.time() + grace
        if not pending or (deadline is not None and loop.time() >= deadline):
            return trusted[0] if trusted else (-1, None)
        remaining = None if deadline is None else max(deadline - loop.time(), 0.0)
        _, pending = await asyncio.wait(
            pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
        )
