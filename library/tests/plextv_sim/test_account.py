"""Signed-in calls: the user, its resources, ping, sign-out, tokens and the household."""

from typing import Any
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from library.simulators.plextv import (
    AMELIE,
    PlexTVSimulator,
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)
from library.tests.plextv_sim.helpers import (
    JSON_HEADERS,
    XML,
    call,
    create_pin,
    plex_error,
    signed_in,
    with_token,
)

EVERYTHING = "/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1"


async def test_user_resources_ping(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """The account with its token, its resources (relay and IPv6 when asked for), pong."""
    headers = with_token(token := await signed_in(session, plextv))

    async def get(path: str, extra: dict[str, str] | None = None) -> Any:  # noqa: ANN401
        reply = await call(session, "GET", f"{plextv.url}{path}", headers=headers | (extra or {}))
        assert reply.status == 200
        return reply.body

    assert await get("/api/v2/user") == {**sample_account(), "authToken": token}
    assert await get(EVERYTHING) == sample_resources()
    plain = await get("/api/v2/resources")
    connections = [c for resource in plain for c in resource["connections"]]
    assert connections
    assert not any(c["relay"] or c["IPv6"] for c in connections)
    assert await get("/api/v2/ping") == {"pong": True}
    # In XML, scalars are attributes, objects and lists nest.
    user = ET.fromstring(await get("/api/v2/user", XML))  # noqa: S314 - the simulator's own
    assert (user.tag, user.attrib["username"], user.attrib["homeAdmin"]) == ("user", "plexfan", "1")
    assert user.find("subscription[@active='1'][@plan='lifetime']") is not None
    features = [feature.attrib["id"] for feature in user.iter("feature")]
    assert features == sample_account()["subscription"]["features"]
    resources = ET.fromstring(await get(EVERYTHING, XML))  # noqa: S314
    assert (resources.tag, resources.attrib["size"]) == ("resources", str(len(sample_resources())))
    assert len(resources.findall("resource")[0].findall("connections/connection")) == 4


async def test_bad_tokens(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """On each host, a missing, unknown or other client's token gets 401 code 1001."""
    token = await signed_in(session, plextv)
    urls = (
        f"{plextv.url}/api/v2/user",
        f"{plextv.discover_url}/library/sections/watchlist/all",
        f"{plextv.metadata_url}/library/metadata/{AMELIE}/userState",
    )
    for url in urls:
        for headers in (JSON_HEADERS, with_token("not-a-token"), with_token(token, "another")):
            status, body, _ = await call(session, "GET", url, headers=headers)
            assert status == 401
            plex_error(body, 1001, 401)
        assert (await call(session, "GET", url, headers=with_token(token))).status == 200


async def test_revoke_and_sign_out(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """revoke() answers 401 code 1001 by default or 422 "Invalid token"; sign-out revokes."""
    tokens = [await signed_in(session, plextv) for _ in range(3)]
    plextv.revoke(tokens[0])
    plextv.revoke(tokens[1], status=422)
    user = f"{plextv.url}/api/v2/user"
    status, body, _ = await call(session, "GET", user, headers=with_token(tokens[0]))
    plex_error(body, 1001, 401)
    status, body, _ = await call(session, "GET", user, headers=with_token(tokens[1]))
    assert (status, body["errors"][0]["message"]) == (422, "Invalid token")
    with pytest.raises(KeyError):
        plextv.revoke("never-issued")
    with pytest.raises(ValueError, match="status"):
        plextv.revoke(tokens[0], status=500)
    signout = f"{plextv.url}/api/v2/users/signout"
    assert (await call(session, "DELETE", signout, headers=with_token(tokens[2]))).status == 204
    assert (plextv.signed_out, plextv.tokens[tokens[2]].revoked) == ([tokens[2]], 401)
    assert (await call(session, "DELETE", signout, headers=with_token(tokens[2]))).status == 401


async def test_household(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Each token sees its account and resources: the second account sees the server shared."""
    first = with_token(await signed_in(session, plextv))
    second = with_token(await signed_in(session, plextv, second_account()["username"]))
    url = f"{plextv.url}{EVERYTHING}"
    assert (await call(session, "GET", url, headers=second)).body == second_account_resources()
    user = (await call(session, "GET", f"{plextv.url}/api/v2/user", headers=second)).body
    assert user == {**second_account(), "authToken": second["X-Plex-Token"]}
    plextv.set_resources([])  # the current account's only
    assert (await call(session, "GET", url, headers=first)).body == []
    plextv.set_resources(second_account_resources()[:1], account=second_account()["uuid"])
    assert len((await call(session, "GET", url, headers=second)).body) == 1
    assert plextv.resources_of("jamiewatches") == second_account_resources()[:1]


async def test_accounts(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Accounts by uuid, username or id; one approved as an object is added; set_account()."""
    assert set(plextv.accounts) == {sample_account()["uuid"], second_account()["uuid"]}
    for name in (second_account()["uuid"], "jamiewatches", str(second_account()["id"])):
        assert plextv.find_account(name)["title"] == "Jamie"
    assert plextv.find_account(None) is plextv.account
    pin = await create_pin(session, plextv)
    for wrong in (lambda: plextv.approve(pin["code"], "nobody"), lambda: plextv.resources_of("x")):
        with pytest.raises(KeyError):
            wrong()
    stranger = {**sample_account(), "uuid": "00ff00ff00ff00ff", "username": "stranger"}
    headers = with_token(plextv.approve(pin["code"], stranger))
    reply = await call(session, "GET", f"{plextv.url}/api/v2/resources", headers=headers)
    assert (reply.body, plextv.tokens[headers["X-Plex-Token"]].account_uuid) == (
        [],
        "00ff00ff00ff00ff",
    )
    plextv.set_account({**sample_account(), "title": "Renamed"})
    assert (plextv.account["title"], plextv.resources) == ("Renamed", sample_resources())
