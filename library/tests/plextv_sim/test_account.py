"""Signed-in calls: the user, its resources, ping, sign-out and tokens."""

from typing import Any
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.plextv import (
    PlexTVSimulator,
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)
from library.simulators.plextv.testing import (
    JSON_HEADERS,
    XML_HEADERS,
    create_pin,
    get_json,
    plex_error,
    signed_in,
    with_token,
)


async def test_user(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """/api/v2/user answers the account the pin was approved for."""
    token = await signed_in(session, plextv)
    status, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token))
    assert status == 200
    assert body == {**sample_account(), "authToken": token}


async def test_user_xml(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """/api/v2/user in XML: attributes and a subscription element with features."""
    token = await signed_in(session, plextv)
    headers = {**XML_HEADERS, "X-Plex-Token": token}
    async with session.get(f"{plextv.url}/api/v2/user", headers=headers) as response:
        assert response.status == 200
        root = ET.fromstring(await response.text())  # noqa: S314
    assert root.tag == "user"
    assert root.attrib["username"] == "plexfan"
    assert root.attrib["homeAdmin"] == "1"
    subscription = root.find("subscription")
    assert subscription is not None
    assert subscription.attrib["active"] == "1"
    assert subscription.attrib["plan"] == "lifetime"
    features = [feature.attrib["id"] for feature in subscription.iter("feature")]
    assert features == sample_account()["subscription"]["features"]


async def test_accounts(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Approve links the current account or a given one; set_account updates the current."""
    other = {**sample_account(), "uuid": "0000aaaa1111bbbb", "username": "other"}
    token_other = plextv.approve((await create_pin(session, plextv))["code"], other)
    token_current = await signed_in(session, plextv)
    plextv.set_account({**sample_account(), "title": "Renamed"})

    _, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token_other))
    assert body["username"] == "other"
    _, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token_current))
    assert body["title"] == "Renamed"


async def test_resources(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Resources list everything with include*=1; relay and IPv6 connections need asking."""
    token = await signed_in(session, plextv)
    url = f"{plextv.url}/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1"
    status, body = await get_json(session, url, with_token(token))
    assert status == 200
    assert body == sample_resources()

    _, plain = await get_json(session, f"{plextv.url}/api/v2/resources", with_token(token))
    connections = [c for resource in plain for c in resource["connections"]]
    assert connections
    assert not any(c["relay"] or c["IPv6"] for c in connections)

    plextv.set_resources(sample_resources()[:1])
    _, body = await get_json(session, url, with_token(token))
    assert [resource["name"] for resource in body] == ["Living Room Server"]


async def test_resources_xml(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Resources in XML: resource elements with connection children."""
    token = await signed_in(session, plextv)
    headers = {**XML_HEADERS, "X-Plex-Token": token}
    async with session.get(
        f"{plextv.url}/api/v2/resources?includeRelay=1&includeIPv6=1", headers=headers
    ) as response:
        root = ET.fromstring(await response.text())  # noqa: S314
    assert root.tag == "resources"
    assert len(root.findall("resource")) == len(sample_resources())
    first = root.findall("resource")[0]
    assert first.attrib["provides"] == "server"
    assert len(first.findall("connections/connection")) == 4


async def test_ping(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Ping answers 200 for a good token."""
    token = await signed_in(session, plextv)
    status, body = await get_json(session, f"{plextv.url}/api/v2/ping", with_token(token))
    assert status == 200
    assert body == {"pong": True}
    async with session.get(
        f"{plextv.url}/api/v2/ping", headers={**XML_HEADERS, "X-Plex-Token": token}
    ) as response:
        assert response.status == 200
        assert response.content_type == "application/xml"


@pytest.mark.parametrize("path", ["/api/v2/user", "/api/v2/resources", "/api/v2/ping"])
async def test_bad_tokens(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, path: str
) -> None:
    """A missing, unknown or other-client token gets 401 code 1001."""
    token = await signed_in(session, plextv)
    for headers in (JSON_HEADERS, with_token("not-a-token"), with_token(token, "another-client")):
        status, body = await get_json(session, f"{plextv.url}{path}", headers)
        assert status == 401
        plex_error(body, 1001, 401)
        assert body["errors"][0]["message"] == "User could not be authenticated"
    assert (await get_json(session, f"{plextv.url}{path}", with_token(token)))[0] == 200


async def test_revoke(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """revoke() answers 401 code 1001 by default, 422 "Invalid token" on request."""
    token_401 = await signed_in(session, plextv)
    token_422 = await signed_in(session, plextv)
    plextv.revoke(token_401)
    plextv.revoke(token_422, status=422)
    assert plextv.tokens[token_401].revoked == 401

    status, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token_401))
    assert status == 401
    plex_error(body, 1001, 401)
    status, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token_422))
    assert status == 422
    assert body["errors"][0]["message"] == "Invalid token"
    assert body["errors"][0]["status"] == 422

    with pytest.raises(KeyError):
        plextv.revoke("never-issued")
    with pytest.raises(ValueError, match="status"):
        plextv.revoke(token_401, status=500)


async def test_sign_out(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Sign out answers 204, records the token and revokes it."""
    token = await signed_in(session, plextv)
    url = f"{plextv.url}/api/v2/users/signout"
    async with session.delete(url, headers=with_token(token)) as response:
        assert response.status == 204
    assert plextv.signed_out == [token]
    assert plextv.tokens[token].revoked == 401
    assert (await get_json(session, f"{plextv.url}/api/v2/user", with_token(token)))[0] == 401
    async with session.delete(url, headers=with_token(token)) as response:
        assert response.status == 401


async def test_resources_per_account(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """Each token sees its own account's resources: the household shares one server."""
    first = await signed_in(session, plextv)
    second = await signed_in(session, plextv, second_account()["username"])
    url = f"{plextv.url}/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1"

    _, body = await get_json(session, url, with_token(second))
    assert body == second_account_resources()
    _, user = await get_json(session, f"{plextv.url}/api/v2/user", with_token(second))
    assert user == {**second_account(), "authToken": second}
    _, owned = await get_json(session, url, with_token(first))
    shared = next(r for r in body if r["name"] == "Living Room Server")
    mine = next(r for r in owned if r["name"] == "Living Room Server")
    assert shared["clientIdentifier"] == mine["clientIdentifier"]
    assert shared["accessToken"] != mine["accessToken"]

    # set_resources() without an account changes the current one's only.
    plextv.set_resources([])
    assert (await get_json(session, url, with_token(first)))[1] == []
    assert (await get_json(session, url, with_token(second)))[1] == second_account_resources()
    plextv.set_resources(second_account_resources()[:1], account=second_account()["uuid"])
    assert len((await get_json(session, url, with_token(second)))[1]) == 1
    assert plextv.resources_of("jamiewatches") == second_account_resources()[:1]


async def test_account_lookup(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Accounts are found by uuid, username or id; an unknown one is a KeyError."""
    assert set(plextv.accounts) == {sample_account()["uuid"], second_account()["uuid"]}
    for name in (second_account()["uuid"], "jamiewatches", str(second_account()["id"])):
        assert plextv.find_account(name)["title"] == "Jamie"
    assert plextv.find_account(None) is plextv.account
    pin = await create_pin(session, plextv)
    with pytest.raises(KeyError):
        plextv.approve(pin["code"], "nobody")
    assert plextv.pins[pin["id"]].auth_token is None
    with pytest.raises(KeyError):
        plextv.set_resources([], account="nobody")


async def test_new_account_by_object(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """An account first seen in approve() starts with no resources; a renamed one keeps them."""
    stranger = {**sample_account(), "uuid": "00ff00ff00ff00ff", "username": "stranger"}
    token = await signed_in_as(session, plextv, stranger)
    url = f"{plextv.url}/api/v2/resources"
    assert (await get_json(session, url, with_token(token)))[1] == []
    plextv.set_account({**sample_account(), "uuid": "1234123412341234"})
    assert len(plextv.resources) == len(sample_resources())


async def signed_in_as(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator, account: dict[str, Any]
) -> str:
    """Approve a new pin for an account object; return the token."""
    pin = await create_pin(session, plextv)
    return plextv.approve(pin["code"], account)
