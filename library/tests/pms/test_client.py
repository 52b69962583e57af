"""The server client against the stand-in server over loopback HTTP."""

import pytest
from aiohttp import ClientSession

from aioplexaccount import (
    Artwork,
    PlexAuthenticationError,
    PMSClient,
    PlexConnectionError,
    PlexIdentityError,
    PlexResponseError,
    ServerIdentity,
)
from aioplexaccount import client as client_module
from tests.common import build_identity

from .fixtures import episode_json, movie_json, sessions_json
from .server import PNG, FakeServer, closed_port, serving

pytestmark = pytest.mark.usefixtures("no_token_in_logs")


async def test_identity_needs_no_token(session: ClientSession, server: FakeServer) -> None:
    """GET /identity is read without sending the token."""
    client = PMSClient(session=session, base_url=server.url, token="")
    identity = await client.server_identity()
    assert identity == ServerIdentity(
        machine_identifier="machine-1", version="1.41.0.0", claimed=True
    )


async def test_verify_identity(client: PMSClient) -> None:
    """The identity is accepted when it names the expected machine."""
    assert (await client.verify_identity("machine-1")).machine_identifier == "machine-1"


async def test_verify_identity_of_another_server(client: PMSClient) -> None:
    """Another machine at the address is refused."""
    with pytest.raises(PlexIdentityError):
        await client.verify_identity("machine-2")


async def test_sessions(client: PMSClient, server: FakeServer) -> None:
    """The sessions are read with the token, in the server's order."""
    server.sessions = sessions_json(movie_json(), episode_json())
    sessions = await client.sessions()
    assert [(s.session_key, s.title) for s in sessions] == [("7", "Big Buck Bunny"), ("8", "Third")]


async def test_identity_headers(session: ClientSession, server: FakeServer) -> None:
    """The X-Plex-* identity goes with the request when the client has one."""
    identity = build_identity("pms-client-test")
    client = PMSClient(session=session, base_url=server.url, token=server.token, identity=identity)
    assert await client.sessions() == []
    headers = client.headers(authenticated=True)
    assert headers["X-Plex-Client-Identifier"] == "pms-client-test"
    assert headers["Accept"] == "application/json"


async def test_stale_token(client: PMSClient, server: FakeServer) -> None:
    """A token the server refuses is an authentication error, without the token."""
    server.token = "another-token"  # noqa: S105 - a test token
    with pytest.raises(PlexAuthenticationError, match="401") as caught:
        await client.sessions()
    assert client.token not in str(caught.value)


@pytest.mark.parametrize("token", ["", " padded ", "line\nbreak"])
async def test_unusable_token(session: ClientSession, server: FakeServer, token: str) -> None:
    """A token that cannot be sent fails before any request, without the token."""
    client = PMSClient(session=session, base_url=server.url, token=token)
    with pytest.raises(PlexAuthenticationError, match="missing or not valid"):
        await client.sessions()
    assert server.paths == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, PlexConnectionError),
        (503, PlexConnectionError),
        (404, PlexResponseError),
        (400, PlexResponseError),
    ],
)
async def test_error_status(
    client: PMSClient, server: FakeServer, status: int, error: type[Exception]
) -> None:
    """A 5xx is the server failing; another status is an answer not understood."""
    server.status = status
    with pytest.raises(error, match=f"answered {status} to GET /status/sessions"):
        await client.sessions()


async def test_redirect_is_refused(session: ClientSession, server: FakeServer) -> None:
    """A redirect is not followed: the token goes nowhere else."""
    async with serving(FakeServer(), host="127.0.0.3") as elsewhere:
        server.redirect_to = f"{elsewhere.url}/status/sessions"
        client = PMSClient(session=session, base_url=server.url, token=server.token)
        with pytest.raises(PlexResponseError, match="302"):
            await client.sessions()
        assert elsewhere.paths == []


async def test_not_json(client: PMSClient, server: FakeServer) -> None:
    """A body that is not JSON is an answer not understood."""
    server.body = b"<MediaContainer/>"
    with pytest.raises(PlexResponseError, match="not JSON"):
        await client.sessions()


async def test_malformed_sessions(client: PMSClient, server: FakeServer) -> None:
    """JSON that is not a MediaContainer is an answer not understood."""
    server.sessions = {"MediaContainer": {"Metadata": "none"}}
    with pytest.raises(PlexResponseError, match="Metadata"):
        await client.sessions()


async def test_too_big(
    client: PMSClient, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body bigger than any answer is refused while it is read."""
    monkeypatch.setattr(client_module, "MAX_BODY_BYTES", 10)
    server.sessions = sessions_json(movie_json())
    with pytest.raises(PlexResponseError, match="more than 10 bytes"):
        await client.sessions()


async def test_timeout(client: PMSClient, server: FakeServer) -> None:
    """A server that does not answer in time is a connection error."""
    client.request_timeout = 0.05
    server.delay = 0.5
    with pytest.raises(PlexConnectionError, match=r"Timed out after 0.05 s on GET /identity"):
        await client.server_identity()


async def test_refused(session: ClientSession, server: FakeServer) -> None:
    """A server that refuses the connection is a connection error, without the token."""
    client = PMSClient(session=session, base_url=closed_port(), token=server.token)
    with pytest.raises(PlexConnectionError, match="Could not reach the server for GET") as caught:
        await client.sessions()
    assert server.token not in str(caught.value)


def test_clean_text() -> None:
    """Text for a message loses the token and unprintable characters, and is cut short."""
    assert client_module.clean_text("a\ntoken-1 b", "token-1") == "a **REDACTED** b"
    assert len(client_module.clean_text("x" * 500, None)) == 200


def test_transport_error_without_text() -> None:
    """An error with no text is named by its type."""
    error = client_module.transport_error("GET /", OSError(), "t")
    assert str(error) == "Could not reach the server for GET /: OSError"


async def test_artwork(client: PMSClient, server: FakeServer) -> None:
    """Artwork comes with its content type, fetched with the token."""
    assert await client.artwork("/library/metadata/101/thumb/1") == Artwork(PNG, "image/png")
    assert server.paths == ["/library/metadata/101/thumb/1"]


async def test_artwork_not_an_image(client: PMSClient, server: FakeServer) -> None:
    """An answer that is not an image is not passed on."""
    server.content_type = "text/html"
    with pytest.raises(PlexResponseError, match="something else than an image"):
        await client.artwork("/library/metadata/101/thumb/1")


async def test_artwork_too_big(
    client: PMSClient, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Artwork bigger than MAX_ARTWORK_BYTES is refused."""
    monkeypatch.setattr(client_module, "MAX_ARTWORK_BYTES", 4)
    with pytest.raises(PlexResponseError, match="more than 4 bytes"):
        await client.artwork("/library/metadata/101/thumb/1")


@pytest.mark.parametrize("path", ["library/x", "//evil.example/x", "@evil.example/x", 3])
async def test_artwork_path_on_the_server_only(
    client: PMSClient, server: FakeServer, path: str
) -> None:
    """Only a path on the server is fetched: the token must not go to another host."""
    with pytest.raises(ValueError, match="path must be a path on the server"):
        await client.artwork(path)
    assert server.paths == []
