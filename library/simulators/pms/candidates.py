"""Addresses that fail the way a server's candidate connections fail, for connection races.

- closed_port(): nothing listens there, so a connection is refused at once.
- blackhole(): a socket that accepts connections and never answers, so a client waits for
  its own timeout.
- A wrong server (the address reaches another Plex Media Server) is a second PMSSimulator
  with another machine_identifier.
"""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

from library.simulators.common import loopback


def closed_port(host: str = "127.0.0.1") -> int:
    """Return a port of host on which nothing listens: connecting to it is refused.

    The port is bound, then released at once, so the system does not hand it out again
    soon; nothing else in the tests listens on a port it did not ask the system for.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((loopback(host), 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def blackhole(host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve a socket that accepts every connection and never answers; yield its URL.

    Requests and websocket upgrades sent there hang until the client gives up; on exit the
    connections are closed.
    """
    writers: list[asyncio.StreamWriter] = []
    finished = asyncio.Event()

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await finished.wait()

    server = await asyncio.start_server(swallow, loopback(host), 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        finished.set()
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()
