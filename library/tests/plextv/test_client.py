"""Tests for the plex.tv client, over real HTTP against the plex.tv simulator."""

import asyncio
import logging
import re
from datetime import UTC, datetime

import pytest
from aiohttp import ClientSession

from aioplexaccount import (
    Account,
    PlexIdentity,
    PlexAuthenticationError,
    PlexTVClient,
    PlexConnectionError,
    PlexError,
    PlexPinExpiredError,
    PlexRateLimitError,
    PlexResponseError,
    Resource,
)
from aioplexaccount import parse_retry_after
from library.simulators.plextv import PlexTVSimulator, sample_account, sample_resources
from library.simulators.plextv.fixtures import PlexTVFactory

EXPECTED_IDENTITY_HEADERS = {
    "Accept": "application/json",
    "X-Plex-Client-Identifier": "0b8a1b9e-3c3f-4b7e-9d55-3f0c8f1d2a10",
    "X-Plex-Product": "Home Assistant",
    "X-Plex-Device": "Küche",
    "X-Plex-Device-Name": "Küche",
    "X-Plex-Version": "0.1.0",
    "X-Plex-Platform": "Home Assistant",
}


async def sign_in(client: PlexTVClient, plextv: PlexTVSimulator) -> str:
    """Sign the client in through a pin, as the config flow does, and return the token."""
    pin = await client.create_pin()
    token = plextv.approve(pin.code)
    approved = await client.check_pin(pin.id)
    assert approved.auth_token == token
    client.token = approved.auth_token
    return token


def sent_headers(headers: dict[str, str]) -> dict[str, str]:
    """Return the X-Plex-* and Accept headers of a recorded request."""
    return {
        name: value
        for name, value in headers.items()
        if name.lower().startswith("x-plex-") or name.lower() == "accept"
    }


# Pins


async def test_create_pin(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A pin is created with the identity headers, no token, and strong=false."""
    client.token = "not-sent-on-pin-calls"  # noqa: S105
    pin = await client.create_pin()
    assert len(pin.code) == 4
    assert pin.client_identifier == EXPECTED_IDENTITY_HEADERS["X-Plex-Client-Identifier"]
    assert pin.product == "Home Assistant"
    assert pin.auth_token is None
    assert pin.expires_in == 900
    assert pin.expires_at.tzinfo is not None
    assert pin.qr == f"{plextv.url}/api/v2/pins/qr/{pin.code}"
    [request] = plextv.requests_to("/api/v2/pins", "POST")
    assert request.query == {"strong": "false"}
    assert sent_headers(request.headers) == EXPECTED_IDENTITY_HEADERS


async def test_check_pin_until_approved(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A pin has no token until the user approves it, then carries it."""
    plextv.min_poll_interval = 0
    pin = await client.create_pin()
    pending = await client.check_pin(pin.id)
    assert pending.id == pin.id
    assert pending.auth_token is None
    token = plextv.approve(pin.code)
    approved = await client.check_pin(pin.id)
    assert approved.auth_token == token
    checks = plextv.requests_to(f"/api/v2/pins/{pin.id}", "GET")
    assert len(checks) == 2
    for request in checks:
        assert sent_headers(request.headers) == EXPECTED_IDENTITY_HEADERS


async def test_check_pin_too_often(plextv_factory: PlexTVFactory, identity: PlexIdentity) -> None:
    """Polling a pin faster than plex.tv allows is a rate-limit error with its Retry-After."""
    plextv = await plextv_factory(min_poll_interval=5)
    async with PlexTVClient(identity=identity, base_url=plextv.url) as client:
        pin = await client.create_pin()
        await client.check_pin(pin.id)
        with pytest.raises(PlexRateLimitError, match="429") as err:
            await client.check_pin(pin.id)
    assert err.value.retry_after == 5.0
    assert "code 1003: API rate limit exceeded" in str(err.value)


async def test_check_pin_expired(plextv_factory: PlexTVFactory, identity: PlexIdentity) -> None:
    """Checking a pin after it expired is a pin-expired error (404, code 1020)."""
    plextv = await plextv_factory(pin_expires_in=0.2)
    async with PlexTVClient(identity=identity, base_url=plextv.url) as client:
        pin = await client.create_pin()
        await asyncio.sleep(0.3)
        with pytest.raises(PlexPinExpiredError, match="code 1020"):
            await client.check_pin(pin.id)


async def test_check_unknown_pin(client: PlexTVClient) -> None:
    """An unknown pin is reported like an expired one, as plex.tv does."""
    with pytest.raises(PlexPinExpiredError):
        await client.check_pin(42)


# Signed-in calls


async def test_account(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """The account is fetched with the token and parsed."""
    token = await sign_in(client, plextv)
    account = await client.account()
    assert isinstance(account, Account)
    expected = sample_account()
    assert account.id == expected["id"]
    assert account.uuid == expected["uuid"]
    assert account.username == "plexfan"
    assert account.email == expected["email"]
    assert account.joined_at == datetime.fromtimestamp(expected["joinedAt"], UTC)
    assert account.subscription.active
    assert account.subscription.plan == "lifetime"
    assert account.subscription.subscribed_at == datetime(2019, 4, 26, 12, 31, 2, tzinfo=UTC)
    assert "webhooks" in account.subscription.features
    assert account.roles == frozenset({"plexpass"})
    assert "all" in account.entitlements
    assert account.home_admin
    [request] = plextv.requests_to("/api/v2/user")
    assert sent_headers(request.headers) == EXPECTED_IDENTITY_HEADERS | {"X-Plex-Token": token}


async def test_account_without_subscription(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """An account without a subscription has an inactive one."""
    account = sample_account()
    del account["subscription"]
    plextv.set_account(account)
    await sign_in(client, plextv)
    assert not (await client.account()).subscription.active


async def test_resources(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Resources are fetched with every kind of connection and parsed."""
    token = await sign_in(client, plextv)
    resources = await client.resources()
    assert all(isinstance(resource, Resource) for resource in resources)
    assert [resource.name for resource in resources] == [
        resource["name"] for resource in sample_resources()
    ]
    servers = [resource for resource in resources if resource.is_server]
    assert [server.name for server in servers] == [
        "Living Room Server",
        "Attic NAS",
        "Alex's Plex",
    ]
    living_room = servers[0]
    assert living_room.owned
    assert living_room.presence
    assert any(connection.relay for connection in living_room.connections)
    assert any(connection.ipv6 for connection in living_room.connections)
    assert servers[2].owner_id is not None
    assert not servers[2].owned
    [request] = plextv.requests_to("/api/v2/resources")
    assert request.query == {"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"}
    assert sent_headers(request.headers) == EXPECTED_IDENTITY_HEADERS | {"X-Plex-Token": token}


async def test_resources_empty(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """An account without devices has no resources."""
    plextv.set_resources([])
    await sign_in(client, plextv)
    assert await client.resources() == []


async def test_resources_skip_malformed_entries(
    client: PlexTVClient, plextv: PlexTVSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """One malformed device is skipped with a debug log; the others are kept."""
    resources = sample_resources()
    del resources[1]["clientIdentifier"]
    resources[3]["name"] = None
    plextv.set_resources(resources)
    await sign_in(client, plextv)
    with caplog.at_level(logging.DEBUG):
        parsed = await client.resources()
    assert [resource.name for resource in parsed] == [
        resource["name"] for index, resource in enumerate(resources) if index not in {1, 3}
    ]
    skipped = [record.getMessage() for record in caplog.records if "Skipping" in record.message]
    assert len(skipped) == 2
    assert "clientIdentifier" in skipped[0]
    assert "name" in skipped[1]


async def test_resources_all_malformed(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """When no device can be read the answer itself is malformed."""
    await sign_in(client, plextv)
    plextv.add_fault("/api/v2/resources", body='[{"name": 1}, "device"]')
    with pytest.raises(PlexResponseError, match="none of the 2 entries"):
        await client.resources()


async def test_resources_not_a_list(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A resources answer that is not a list is malformed."""
    await sign_in(client, plextv)
    plextv.add_fault("/api/v2/resources", body='{"resources": []}')
    with pytest.raises(PlexResponseError, match="expected a JSON list"):
        await client.resources()


async def test_ping(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A ping sends the token and returns nothing."""
    token = await sign_in(client, plextv)
    await client.ping()
    [request] = plextv.requests_to("/api/v2/ping", "GET")
    assert sent_headers(request.headers) == EXPECTED_IDENTITY_HEADERS | {"X-Plex-Token": token}


async def test_sign_out(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Signing out invalidates the token on plex.tv."""
    token = await sign_in(client, plextv)
    await client.sign_out()
    assert plextv.signed_out == [token]
    [request] = plextv.requests_to("/api/v2/users/signout", "DELETE")
    assert sent_headers(request.headers) == EXPECTED_IDENTITY_HEADERS | {"X-Plex-Token": token}
    with pytest.raises(PlexAuthenticationError, match="401"):
        await client.ping()


@pytest.mark.parametrize("call", ["account", "resources", "ping", "sign_out"])
async def test_signed_in_call_without_token(
    client: PlexTVClient, plextv: PlexTVSimulator, call: str
) -> None:
    """A call that needs a token fails before any request when there is none."""
    with pytest.raises(PlexAuthenticationError, match="Not signed in"):
        await getattr(client, call)()
    client.token = ""
    with pytest.raises(PlexAuthenticationError, match="Not signed in"):
        await getattr(client, call)()
    assert plextv.requests == []


@pytest.mark.parametrize("token", ["abc\r\nX-Evil: 1", "abc\n", " abc", "abc\x00"])
async def test_unsendable_token(client: PlexTVClient, plextv: PlexTVSimulator, token: str) -> None:
    """A token that cannot be sent in a header is refused without echoing it."""
    client.token = token
    with pytest.raises(PlexAuthenticationError) as err:
        await client.account()
    assert "abc" not in str(err.value)
    assert plextv.requests == []


@pytest.mark.parametrize("status", [401, 422])
@pytest.mark.parametrize("call", ["account", "resources", "ping", "sign_out"])
async def test_revoked_token(
    client: PlexTVClient, plextv: PlexTVSimulator, status: int, call: str
) -> None:
    """A revoked token (401, or 422 after a password reset) is an authentication error."""
    token = await sign_in(client, plextv)
    plextv.revoke(token, status=status)
    with pytest.raises(PlexAuthenticationError, match=str(status)) as err:
        await getattr(client, call)()
    assert token not in str(err.value)


# Faults


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_error(client: PlexTVClient, plextv: PlexTVSimulator, status: int) -> None:
    """A 5xx answer is a connection error: plex.tv is having trouble, try later."""
    plextv.add_fault("/api/v2/pins", status=status)
    with pytest.raises(PlexConnectionError, match=f"answered {status} to POST /api/v2/pins"):
        await client.create_pin()


async def test_dropped_connection(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A connection closed without an answer is a connection error."""
    token = await sign_in(client, plextv)
    # aiohttp retries an idempotent request once when a reused connection drops.
    plextv.add_fault("/api/v2/user", drop=True, count=2)
    with pytest.raises(PlexConnectionError, match="GET /api/v2/user") as err:
        await client.account()
    assert token not in str(err.value)
    plextv.add_fault("/api/v2/pins", drop=True)
    with pytest.raises(PlexConnectionError, match="POST /api/v2/pins"):
        await client.create_pin()


async def test_timeout(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """An answer slower than the request timeout is a connection error."""
    client.request_timeout = 0.2
    plextv.add_fault("/api/v2/pins", delay=1.0)
    with pytest.raises(PlexConnectionError, match=re.escape("Timed out after 0.2 s on POST")):
        await client.create_pin()


async def test_unreachable(
    socket_enabled: None, identity: PlexIdentity, session: ClientSession
) -> None:
    """A refused connection is a connection error."""
    client = PlexTVClient(identity=identity, session=session, base_url="http://127.0.0.1:1")
    with pytest.raises(PlexConnectionError, match=re.escape("Could not reach plex.tv for POST")):
        await client.create_pin()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '<?xml version="1.0"?><pin id="1"/>',
        "",
        b"\xff\xfe\x00",
        "[" * 100_000,
        "[]",
        "{}",
        '{"id": "1", "code": "ABCD"}',
    ],
)
async def test_malformed_pin(client: PlexTVClient, plextv: PlexTVSimulator, body: str) -> None:
    """A 2xx answer that is not a well-formed pin is a response error."""
    plextv.add_fault("/api/v2/pins", body=body)
    with pytest.raises(PlexResponseError):
        await client.create_pin()


async def test_malformed_account(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A 2xx account answer missing required fields is a response error."""
    await sign_in(client, plextv)
    plextv.add_fault("/api/v2/user", body='{"id": 1, "uuid": "u"}')
    with pytest.raises(PlexResponseError, match="username"):
        await client.account()


async def test_missing_client_identifier(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """plex.tv's 400 (code 1000) is a response error carrying its code and message."""
    plextv.add_fault("/api/v2/pins", status=400)
    with pytest.raises(
        PlexResponseError,
        match=r"answered 400 to POST /api/v2/pins \(code 1000: X-Plex-Client-Identifier",
    ):
        await client.create_pin()


async def test_simulator_requires_client_identifier(
    plextv: PlexTVSimulator, session: ClientSession
) -> None:
    """The 400 the previous test maps is what plex.tv answers without an identifier."""
    async with session.post(
        f"{plextv.url}/api/v2/pins", headers={"Accept": "application/json"}
    ) as response:
        assert response.status == 400
        assert (await response.json())["errors"][0]["code"] == 1000


@pytest.mark.parametrize(
    ("status", "body", "error", "match"),
    [
        (404, None, PlexPinExpiredError, r"\(code 1020: Code not found or expired\)"),
        (404, '{"errors": [{"code": 1005, "message": "Not found"}]}', PlexResponseError, "1005"),
        (404, "", PlexResponseError, r"answered 404 to GET /api/v2/pins/7$"),
        (403, None, PlexResponseError, r"\(code 403: Forbidden\)"),
        (418, '{"errors": []}', PlexResponseError, r"answered 418 to GET /api/v2/pins/7$"),
        (409, '{"errors": "no"}', PlexResponseError, r"409 to GET /api/v2/pins/7$"),
        (409, '{"errors": ["no"]}', PlexResponseError, r"409 to GET /api/v2/pins/7$"),
        (409, '["no"]', PlexResponseError, r"409 to GET /api/v2/pins/7$"),
        (409, '{"errors": [{"code": true, "message": 5}]}', PlexResponseError, r"7$"),
        (409, '{"errors": [{"code": 9}]}', PlexResponseError, r"\(code 9\)$"),
        (409, '{"errors": [{"message": "Busy"}]}', PlexResponseError, r"\(Busy\)$"),
        (
            409,
            '{"errors": [{"message": "line\\none\\u0000 ' + "x" * 300 + '"}]}',
            PlexResponseError,
            r"\(line one  x{190}\)$",
        ),
        (409, "[" * 100_000, PlexResponseError, r"409 to GET /api/v2/pins/7$"),
        (429, None, PlexRateLimitError, "1003"),
        (500, "<html>oops</html>", PlexConnectionError, r"answered 500 to GET /api/v2/pins/7$"),
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
    """Each non-2xx status maps to the error that says what the caller can do."""
    plextv.add_fault("/api/v2/pins/7", status=status, body=body)
    with pytest.raises(error, match=match) as err:
        await client.check_pin(7)
    assert type(err.value) is error


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("7", 7.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
    ],
)
async def test_rate_limit_retry_after(
    client: PlexTVClient, plextv: PlexTVSimulator, header: str | None, expected: float | None
) -> None:
    """A 429 carries plex.tv's Retry-After, in seconds, when it sends one."""
    plextv.add_fault(
        "/api/v2/pins", status=429, headers={} if header is None else {"Retry-After": header}
    )
    with pytest.raises(PlexRateLimitError) as err:
        await client.create_pin()
    assert err.value.retry_after == expected


async def test_redirect_is_not_followed(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A redirect is not followed, so the token never travels to another host."""
    token = await sign_in(client, plextv)
    plextv.add_fault(
        "/api/v2/user", status=302, body="", headers={"Location": f"{plextv.url}/api/v2/ping"}
    )
    with pytest.raises(PlexResponseError, match=r"answered 302 to GET /api/v2/user$") as err:
        await client.account()
    assert token not in str(err.value)
    assert plextv.requests_to("/api/v2/ping") == []


async def test_fault_then_recovery(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """A failed call does not spoil the next one."""
    plextv.add_fault("/api/v2/pins", status=503)
    with pytest.raises(PlexConnectionError):
        await client.create_pin()
    assert (await client.create_pin()).code


# Secrets


async def test_token_never_leaks(
    client: PlexTVClient, plextv: PlexTVSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The token is in no exception message, repr or log record, even when plex.tv echoes it."""
    caplog.set_level(logging.DEBUG)
    token = await sign_in(client, plextv)
    errors: list[PlexError] = []
    faults: list[dict[str, object]] = [
        {"status": 500},
        {"drop": True, "count": 2},
        {"delay": 1.0},
        {"body": "not json"},
        {"status": 400, "body": '{"errors": [{"code": 1, "message": "bad token ' + token + '"}]}'},
        {"status": 429, "headers": {"Retry-After": "1"}},
    ]
    client.request_timeout = 0.2
    for fault in faults:
        plextv.add_fault("/api/v2/user", **fault)  # type: ignore[arg-type]
        with pytest.raises(PlexError) as err:
            await client.account()
        errors.append(err.value)
    await client.resources()
    await client.ping()
    plextv.revoke(token, status=422)
    with pytest.raises(PlexAuthenticationError) as err:
        await client.ping()
    errors.append(err.value)

    assert "**REDACTED**" in str(errors[4])
    for error in errors:
        assert token not in str(error)
        assert token not in repr(error)
        assert token not in str(error.__cause__)
    assert token not in repr(client)
    assert caplog.records
    for record in caplog.records:
        assert token not in record.getMessage()
    assert any("GET /api/v2/user" in record.getMessage() for record in caplog.records)


async def test_repr_hides_secrets(client: PlexTVClient, plextv: PlexTVSimulator) -> None:
    """Pins, accounts and resources never show tokens or email in their repr."""
    token = await sign_in(client, plextv)
    pin = await client.create_pin()
    plextv.approve(pin.code)
    approved = await client.check_pin(pin.id)
    account = await client.account()
    resources = await client.resources()
    assert token not in repr(client)
    assert approved.auth_token is not None
    assert approved.auth_token not in repr(approved)
    assert account.email is not None
    assert account.email not in repr(account)
    for resource in resources:
        assert resource.access_token is not None
        assert resource.access_token not in repr(resource)
        assert resource.access_token not in repr(resources)


# Sessions


def current_session(client: PlexTVClient) -> ClientSession | None:
    """Return the client's session, read afresh (the client replaces it)."""
    return client.session


def is_closed(session: ClientSession) -> bool:
    """Return whether a session is closed, read afresh (closing changes it)."""
    return session.closed


async def test_injected_session_is_not_closed(
    plextv: PlexTVSimulator, identity: PlexIdentity, session: ClientSession
) -> None:
    """The client never closes a session it was given."""
    async with PlexTVClient(identity=identity, session=session, base_url=plextv.url) as client:
        await client.create_pin()
    await client.close()
    assert not session.closed
    assert client.session is session
    await client.create_pin()


async def test_own_session_is_closed(plextv: PlexTVSimulator, identity: PlexIdentity) -> None:
    """Without a session the client opens one on first use and closes it on exit."""
    async with PlexTVClient(identity=identity, base_url=f"{plextv.url}/") as client:
        assert current_session(client) is None
        await client.create_pin()
        own = current_session(client)
        assert own is not None
        assert not is_closed(own)
    assert is_closed(own)
    assert current_session(client) is None
    # A closed client can be used again; it opens a fresh session.
    await client.create_pin()
    fresh = current_session(client)
    assert fresh is not None
    assert fresh is not own
    await client.close()
    assert is_closed(fresh)
    assert current_session(client) is None
    await client.close()


async def test_close_unused_client(identity: PlexIdentity) -> None:
    """Closing a client that never sent anything is harmless."""
    client = PlexTVClient(identity=identity)
    await client.close()
    assert client.session is None


def test_defaults(identity: PlexIdentity) -> None:
    """The client talks to plex.tv with a 10 s timeout unless told otherwise."""
    client = PlexTVClient(identity=identity, token="secret-token")  # noqa: S106
    assert client.base_url == "https://plex.tv"
    assert client.request_timeout == 10.0
    assert "secret-token" not in repr(client)


# Retry-After


NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("0", 0.0),
        ("120", 120.0),
        (" 30 ", 30.0),
        ("1.5", 1.5),
        ("-5", None),
        ("nan", None),
        ("inf", None),
        ("Wed, 01 Jan 2025 12:00:30 GMT", 30.0),
        ("Wed, 01 Jan 2025 12:00:30 -0000", 30.0),
        ("Wed, 01 Jan 2025 13:00:30 +0100", 30.0),
        ("Tue, 31 Dec 2024 12:00:00 GMT", 0.0),
        ("tomorrow", None),
        ("Wed, 99 Jan 2025 12:00:30 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Retry-After is delay-seconds or an HTTP date; anything else is ignored."""
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_uses_the_clock() -> None:
    """Without a given time, an HTTP date is measured from now."""
    assert parse_retry_after("Wed, 01 Jan 2100 00:00:00 GMT") > 0  # type: ignore[operator]
