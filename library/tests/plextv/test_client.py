"""The plex.tv client over real HTTP against the plex.tv simulator."""

import json
import logging
from datetime import UTC, datetime

import pytest
from aiohttp import ClientSession
from aioplexaccount import (
    DEFAULT_BASE_URL,
    DEFAULT_DISCOVER_URL,
    DEFAULT_METADATA_URL,
    MAX_RETRY_AFTER,
    Account,
    PlexAuthenticationError,
    PlexConnectionError,
    PlexError,
    PlexNotFoundError,
    PlexPinExpiredError,
    PlexRateLimitError,
    PlexResponseError,
    PlexResponseTooLargeError,
    PlexTVClient,
    Resource,
    Resources,
    parse_retry_after,
)

from library.simulators.plextv import FakeClock, PlexTVSimulator, sample_account, sample_resources
from library.tests.builders import GIANT, build_identity, resource_json
from library.tests.pms.server import FakeServer, closed_port, serving

CALLS = ["account", "resources", "ping", "sign_out"]


def sent(headers: dict[str, str], token: str | None = None) -> None:
    """Assert that a request carried the identity's headers, and the token if given."""
    plex = {k: v for k, v in headers.items() if k.startswith("X-Plex-") or k == "Accept"}
    assert plex == build_identity().headers() | ({"X-Plex-Token": token} if token else {})


async def test_pins(client: PlexTVClient, plextv: PlexTVSimulator, clock: FakeClock) -> None:
    """A pin is created and checked without the token, at most once a second, until approved.

    Checked after it expired, or never created, it is a pin-expired error (code 1020).
    """
    client.token = "not-sent-with-pins"  # noqa: S105 - a test token
    pin = await client.create_pin()
    assert (len(pin.code), pin.expires_in, pin.auth_token) == (4, 900, None)
    assert (pin.product, pin.qr) == ("Home Assistant", f"{plextv.url}/api/v2/pins/qr/{pin.code}")
    assert (await client.check_pin(pin.id)).auth_token is None
    with pytest.raises(PlexRateLimitError, match="code 1003: API rate limit exceeded") as caught:
        await client.check_pin(pin.id)
    assert caught.value.retry_after == 1.0
    token = plextv.approve(pin.code)
    clock.advance(1)
    assert (await client.check_pin(pin.id)).auth_token == token
    create, *checks = plextv.requests
    assert (create.query, len(checks)) == ({"strong": "false"}, 3)
    for request in (create, *checks):
        sent(request.headers)
    clock.advance(900)
    for pin_id in (pin.id, 42):
        with pytest.raises(PlexPinExpiredError, match="code 1020"):
            await client.check_pin(pin_id)


async def test_signed_in(client: PlexTVClient, plextv: PlexTVSimulator, token: str) -> None:
    """With the token: the account, its resources (every kind of connection), a ping, sign-out."""
    assert await client.account() == Account.from_dict(sample_account())
    [request] = plextv.requests_to("/api/v2/user")
    sent(request.headers, token)
    expected = tuple(Resource.from_dict(resource) for resource in sample_resources())
    assert await client.resources() == Resources(resources=expected)
    [request] = plextv.requests_to("/api/v2/resources")
    assert request.query == {"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"}
    plextv.set_resources([])
    assert await client.resources() == Resources()
    await client.ping()
    await client.sign_out()
    assert plextv.signed_out == [token]
    with pytest.raises(PlexAuthenticationError, match="401"):
        await client.ping()


async def test_unreadable_resources(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A resource that cannot be read is skipped and named (if it can be)."""
    caplog.set_level(logging.DEBUG)
    good = resource_json()
    nameless = resource_json(clientIdentifier="server-2", name=None)
    anonymous = resource_json(clientIdentifier=None)
    plextv.add_fault("/api/v2/resources", body=json.dumps([good, nameless, anonymous, "device"]))
    resources = await client.resources()
    [read] = resources.resources
    assert read.client_identifier == "server-1"
    assert resources.unreadable == frozenset({"server-2"})
    assert sum("Skipping resource" in record.getMessage() for record in caplog.records) == 3
    plextv.add_fault("/api/v2/resources", body=json.dumps([nameless, "device"]))
    with pytest.raises(PlexResponseError, match="none of the 2 entries"):
        await client.resources()
    plextv.add_fault("/api/v2/resources", body='{"resources": []}')
    with pytest.raises(PlexResponseError, match="expected a JSON list, got dict"):
        await client.resources()


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("token", [None, "", "abc\r\nX-Evil: 1", " abc", "abc\x00"])
async def test_no_usable_token(
    client: PlexTVClient, plextv: PlexTVSimulator, call: str, token: str | None
) -> None:
    """A call that needs a token fails before any request without one it can send."""
    client.token = token
    with pytest.raises(PlexAuthenticationError, match=r"Not signed in|missing or not valid") as err:
        await getattr(client, call)()
    assert "abc" not in str(err.value)
    assert plextv.requests == []


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("status", [401, 422])
async def test_revoked_token(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str, call: str, status: int
) -> None:
    """A revoked token (401, or 422 after a password reset) is an authentication error."""
    plextv.revoke(token, status=status)
    with pytest.raises(PlexAuthenticationError, match=str(status)) as err:
        await getattr(client, call)()
    assert token not in str(err.value)


@pytest.mark.parametrize(
    ("status", "body", "error", "match"),
    [
        (400, None, PlexResponseError, r"400 to GET /api/v2/pins/7 \(code 1000: X-Plex-Client"),
        (404, None, PlexPinExpiredError, r"\(code 1020: Code not found or expired\)$"),
        (404, '{"errors": [{"code": 1005, "message": "Not found"}]}', PlexNotFoundError, "1005"),
        (404, "", PlexNotFoundError, r"answered 404 to GET /api/v2/pins/7$"),
        (403, None, PlexResponseError, r"\(code 403: Forbidden\)$"),
        (409, '{"errors": "no"}', PlexResponseError, r"409 to GET /api/v2/pins/7$"),
        (409, '["no"]', PlexResponseError, r"409 to GET /api/v2/pins/7$"),
        (409, '{"errors": [{"code": true, "message": 5}]}', PlexResponseError, r"7$"),
        (409, '{"errors": [{"code": 9}]}', PlexResponseError, r"\(code 9\)$"),
        (
            409,
            '{"errors": [{"message": "line\\none\\u0000 ' + "x" * 300 + '"}]}',
            PlexResponseError,
            r"\(line one  x{190}\)$",
        ),
        (409, "[" * 100_000, PlexResponseError, r"409 to GET /api/v2/pins/7$"),
        (429, None, PlexRateLimitError, "code 1003"),
        (500, "<html>oops</html>", PlexConnectionError, r"answered 500 to GET /api/v2/pins/7$"),
        (503, None, PlexConnectionError, "answered 503"),
    ],
)
async def test_status_mapping(  # noqa: PLR0913, PLR0917
    client: PlexTVClient,
    plextv: PlexTVSimulator,
    status: int,
    body: str | None,
    error: type[PlexError],
    match: str,
) -> None:
    """Each status maps to the error that says what the caller can do; the next call is fine."""
    plextv.add_fault("/api/v2/pins/7", status=status, body=body)
    with pytest.raises(error, match=match) as caught:
        await client.check_pin(7)
    assert type(caught.value) is error
    assert (await client.create_pin()).code


async def test_redirect_is_not_followed(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str
) -> None:
    """A redirect is not followed, so the token never travels to another host."""
    location = {"Location": f"{plextv.url}/api/v2/ping"}
    plextv.add_fault("/api/v2/user", status=302, body="", headers=location)
    with pytest.raises(PlexResponseError, match=r"answered 302 to GET /api/v2/user$") as err:
        await client.account()
    assert token not in str(err.value)
    assert plextv.requests_to("/api/v2/ping") == []


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        b"\xff\xfe\x00",
        "[" * 100_000,
        "[]",
        '{"id": "1", "code": "ABCD"}',
        '{"id": ' + GIANT + ', "code": "A", "clientIdentifier": "c", "expiresAt": 0}',
        '{"id": "' + GIANT + '", "code": "A", "clientIdentifier": "c", "expiresAt": 0}',
    ],
)
async def test_malformed_answer(client: PlexTVClient, plextv: PlexTVSimulator, body: str) -> None:
    """A 2xx answer that is not a pin is a response error: a number of thousands of digits too."""
    plextv.add_fault("/api/v2/pins", body=body)
    with pytest.raises(PlexResponseError):
        await client.create_pin()


async def test_transport_errors(client: PlexTVClient, plextv: PlexTVSimulator, token: str) -> None:
    """A dropped connection, a timeout and a refused connection are connection errors."""
    # aiohttp sends an idempotent request once more when a reused connection drops.
    plextv.add_fault("/api/v2/user", drop=True, count=2)
    with pytest.raises(PlexConnectionError, match=r"Could not reach plex\.tv for GET /api/v2/user"):
        await client.account()
    client.request_timeout = 0
    with pytest.raises(PlexConnectionError, match=r"Timed out after 0 s on POST /api/v2/pins"):
        await client.create_pin()
    client.request_timeout, client.base_url = 10, closed_port("127.0.0.1")
    with pytest.raises(PlexConnectionError, match=r"Could not reach plex\.tv for POST"):
        await client.create_pin()


async def test_answer_too_large(session: ClientSession) -> None:
    """An answer over 4 MiB is refused as it is read: this one never ends."""
    async with serving(FakeServer(endless=True)) as server:
        client = PlexTVClient(
            identity=build_identity(), session=session, token=server.token, base_url=server.url
        )
        with pytest.raises(PlexResponseTooLargeError, match="more than 4096 KiB"):
            await client.account()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("7", 7.0),
        ("31536000", 600.0),
        # An HTTP date is measured from now.
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 01 Jan 2100 00:00:00 GMT", 600.0),
    ],
)
async def test_rate_limit_retry_after(
    client: PlexTVClient, plextv: PlexTVSimulator, header: str | None, expected: float | None
) -> None:
    """A 429 carries plex.tv's Retry-After in seconds, if it sent one, at most 600 s (the bound)."""
    headers = {} if header is None else {"Retry-After": header}
    plextv.add_fault("/api/v2/pins", status=429, headers=headers)
    with pytest.raises(PlexRateLimitError) as err:
        await client.create_pin()
    assert err.value.retry_after == expected


NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("  ", None),
        (" 30 ", 30.0),
        ("1.5", 1.5),
        ("-5", None),
        ("nan", None),
        ("tomorrow", None),
        ("Wed, 99 Jan 2025 12:00:30 GMT", None),
        ("Wed, 01 Jan 2025 12:00:30 GMT", 30.0),
        ("Wed, 01 Jan 2025 12:00:30 -0000", 30.0),
        ("Wed, 01 Jan 2025 13:00:30 +0100", 30.0),
        ("Tue, 31 Dec 2024 12:00:00 GMT", 0.0),
        ("1e300", MAX_RETRY_AFTER),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Retry-After is delay-seconds or an HTTP date, at most MAX_RETRY_AFTER; else ignored."""
    assert parse_retry_after(value, now=NOW) == expected


async def test_token_never_leaks(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The token is in no error, repr or log line, even when plex.tv echoes it back."""
    caplog.set_level(logging.DEBUG)
    echo = json.dumps({"errors": [{"code": 1, "message": f"bad token {token}"}]})
    faults: list[dict[str, object]] = [
        {"status": 400, "body": echo},
        {"status": 500},
        {"drop": True, "count": 2},
        {"body": "not json"},
        {"status": 429, "headers": {"Retry-After": "1"}},
    ]
    errors: list[PlexError] = []
    for fault in faults:
        plextv.add_fault("/api/v2/user", **fault)  # type: ignore[arg-type]
        with pytest.raises(PlexError) as err:
            await client.account()
        errors.append(err.value)
    assert "bad token **REDACTED**" in str(errors[0])
    for error in errors:
        assert token not in f"{error} {error!r} {error.__cause__}"
    assert token not in repr(client)
    assert any("GET /api/v2/user" in record.getMessage() for record in caplog.records)
    assert all(token not in record.getMessage() for record in caplog.records)


async def test_sessions(plextv: PlexTVSimulator, session: ClientSession) -> None:
    """A given session is never closed; without one, the client opens and closes its own."""
    identity = build_identity()
    async with PlexTVClient(identity=identity, session=session, base_url=plextv.url) as client:
        await client.create_pin()
    assert (session.closed, client.session) == (False, session)
    own_client = PlexTVClient(identity=identity, base_url=f"{plextv.url}/")
    await own_client.close()
    for _ in range(2):  # closed, it opens a fresh session when used again
        async with own_client:
            await own_client.create_pin()
            own = own_client.session
            assert own is not None
        assert (own.closed, own_client.session) == (True, None)
    # By default, Plex's hosts with a 10 s timeout.
    default = PlexTVClient(identity=identity, token="secret-token")  # noqa: S106 - a test token
    assert default.base_url == DEFAULT_BASE_URL == "https://plex.tv"
    assert default.discover_url == DEFAULT_DISCOVER_URL == "https://discover.provider.plex.tv"
    assert default.metadata_url == DEFAULT_METADATA_URL == "https://metadata.provider.plex.tv"
    assert (default.request_timeout, "secret-token" in repr(default)) == (10.0, False)
