"""The server client against the stand-in server over loopback HTTP."""

import pytest
from aiohttp import ClientSession
from aioplexaccount import (
    Artwork,
    PlexAuthenticationError,
    PlexConnectionError,
    PlexError,
    PlexIdentityError,
    PlexNotFoundError,
    PlexResponseError,
    PlexResponseTooLargeError,
    PMSClient,
    ServerIdentity,
)

from library.tests.builders import build_identity, episode_json, movie_json, sessions_json

from .server import PNG, SESSIONS, FakeServer, serving

ARTWORK = "/library/metadata/101/thumb/1"
PICTURES = ["image/jpeg", "image/png", "image/webp", "image/gif"]


async def test_identity_needs_no_token(session: ClientSession, server: FakeServer) -> None:
    """GET /identity is read without the token; another machine there is refused."""
    client = PMSClient(session=session, base_url=server.url, token="")
    expected = ServerIdentity(machine_identifier="machine-1", version="1.41.0.0", claimed=True)
    assert await client.server_identity() == expected
    assert await client.verify_identity("machine-1") == expected
    with pytest.raises(PlexIdentityError, match="Another server answers at this address"):
        await client.verify_identity("machine-2")


async def test_sessions(session: ClientSession, server: FakeServer) -> None:
    """The sessions are read with the token and the identity, in the server's order."""
    server.sessions = sessions_json(movie_json(), episode_json())
    client = PMSClient(
        session=session, base_url=f"{server.url}/", token=server.token, identity=build_identity()
    )
    sessions = await client.sessions()
    assert [(s.session_key, s.title) for s in sessions] == [("7", "Big Buck Bunny"), ("8", "Third")]
    token = {"X-Plex-Token": server.token}
    assert client.headers(authenticated=True) == build_identity().headers() | token
    assert client.url("/x") == f"{server.url}/x"
    assert server.token not in repr(client)


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
        (401, PlexAuthenticationError),
        (503, PlexConnectionError),
        (404, PlexNotFoundError),
    ],
)
async def test_error_status(
    client: PMSClient, server: FakeServer, status: int, error: type[PlexError]
) -> None:
    """A 401 is a refused token; a 5xx the server failing; another status not understood."""
    if status == 401:
        client.token = "another-token"  # noqa: S105 - a stale token, refused
    else:
        server.statuses[SESSIONS] = status
    with pytest.raises(error, match=f"the server answered {status} to GET /status/sessions$") as e:
        await client.sessions()
    assert (type(e.value), client.token in str(e.value)) == (error, False)


async def test_redirect_is_refused(client: PMSClient, server: FakeServer) -> None:
    """A redirect is not followed: the token goes nowhere else."""
    async with serving(FakeServer(), host="127.0.0.3") as elsewhere:
        server.redirects[SESSIONS] = f"{elsewhere.url}{SESSIONS}"
        with pytest.raises(PlexResponseError, match="302"):
            await client.sessions()
    assert elsewhere.paths == []


@pytest.mark.parametrize(("path", "limit"), [(SESSIONS, "16384 KiB"), (ARTWORK, "10240 KiB")])
async def test_answer_too_large(
    client: PMSClient, server: FakeServer, path: str, limit: str
) -> None:
    """An answer larger than any real one is refused as it is read: this one never ends."""
    server.endless = True
    with pytest.raises(PlexResponseTooLargeError, match=f"more than {limit}"):
        await (client.sessions() if path == SESSIONS else client.artwork(path))


@pytest.mark.parametrize("content_type", [*PICTURES, "image/svg+xml", "text/html"])
async def test_artwork(client: PMSClient, server: FakeServer, content_type: str) -> None:
    """Artwork is a JPEG, PNG, WebP or GIF fetched with the token; not SVG: it can carry script."""
    server.content_type = content_type
    if content_type in PICTURES:
        assert await client.artwork(ARTWORK) == Artwork(PNG, content_type)
    else:
        with pytest.raises(PlexResponseError, match="something else than a picture"):
            await client.artwork(ARTWORK)
    assert server.paths == [ARTWORK]


@pytest.mark.parametrize("path", ["library/x", "//evil.example/x", "@evil.example/x", 3])
async def test_artwork_path_on_the_server_only(
    client: PMSClient, server: FakeServer, path: str
) -> None:
    """Only a path on the server is fetched: the token must not go to another host."""
    with pytest.raises(ValueError, match="path must be a path on the server"):
        await client.artwork(path)
    assert server.paths == []
