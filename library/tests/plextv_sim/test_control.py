"""The plex.tv simulator's own /_sim/ routes (the faults' and the log's are in test_common)."""

import aiohttp

from library.simulators.plextv import (
    AMELIE,
    DUNE_2021,
    SEVERANCE,
    PlexTVSimulator,
    sample_account,
    second_account,
    second_account_resources,
)
from library.simulators.plextv.catalogue import ARRIVAL, PADDINGTON_2
from library.tests.plextv_sim.helpers import CLIENT_ID, call, create_pin, with_token

SECOND = second_account()["uuid"]


async def test_approve_revoke_and_state(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """A pin is approved for the current account or a named one, a token revoked; the state."""
    control = f"{plextv.url}/_sim"
    pin, other = await create_pin(session, plextv), await create_pin(session, plextv)
    for body, status in (
        ({"code": "NOPE"}, 404),
        ({"wrong": 1}, 400),
        ({"code": pin["code"], "account": "nobody"}, 404),
    ):
        assert (await call(session, "POST", f"{control}/approve", json=body)).status == status
    assert (await call(session, "POST", f"{control}/approve", data="{not json")).status == 400
    state = (await call(session, "GET", f"{control}/state")).body
    first = state["pins"][0]
    assert (first["code"], first["approved"], first["expired"]) == (pin["code"], False, False)
    reply = await call(session, "POST", f"{control}/approve", json={"code": pin["code"]})
    token = reply.body["token"]
    body = {"code": other["code"], "account": "jamiewatches"}
    jamie = (await call(session, "POST", f"{control}/approve", json=body)).body["token"]
    assert (plextv.pins[pin["id"]].auth_token, plextv.tokens[jamie].account_uuid) == (token, SECOND)
    for body, status in (
        ({"token": token, "status": 422}, 200),
        ({"token": "nope"}, 404),
        ({"token": token, "status": 1}, 400),
    ):
        assert (await call(session, "POST", f"{control}/revoke", json=body)).status == status
    user = f"{plextv.url}/api/v2/user"
    assert (await call(session, "GET", user, headers=with_token(token))).status == 422
    state = (await call(session, "GET", f"{control}/state")).body
    assert (state["url"], state["discover_url"]) == (plextv.url, plextv.discover_url)
    assert [(p["authToken"], p["approved"]) for p in state["pins"]] == [
        (token, True),
        (jamie, True),
    ]
    assert state["tokens"][0] == {
        "token": token,
        "client_identifier": CLIENT_ID,
        "account_uuid": sample_account()["uuid"],
        "product": "Home Assistant",
        "device_name": "",
        "platform": "",
        "revoked": 422,
    }
    assert state["signed_out"] == []


async def test_account_and_resources(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """/_sim/account replaces the current account; /_sim/resources any account's resources."""
    control = f"{plextv.url}/_sim"
    token = plextv.approve((await create_pin(session, plextv))["code"])
    account = {**sample_account(), "title": "Via HTTP"}
    assert (await call(session, "PUT", f"{control}/account", json=account)).body == account
    assert (await call(session, "PUT", f"{control}/account", json=[])).status == 400
    user = await call(session, "GET", f"{plextv.url}/api/v2/user", headers=with_token(token))
    assert user.body["title"] == "Via HTTP"
    players = [r for r in second_account_resources() if r["provides"] != "server"]
    for params, body, status in (
        ({}, [], 200),
        ({"account": SECOND}, players, 200),
        ({"account": "x"}, [], 404),
        ({}, {"x": 1}, 400),
    ):
        reply = await call(session, "PUT", f"{control}/resources", params=params, json=body)
        assert reply.status == status
    assert (plextv.resources, plextv.resources_of(SECOND)) == ([], players)


async def test_watchlist_and_user_state(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """/_sim/watchlist reads and replaces a watchlist; /_sim/user_state reads an item's state."""
    url = f"{plextv.url}/_sim/watchlist"

    async def keys(method: str, status: int = 200, **kwargs: object) -> list[str]:
        reply = await call(session, method, url, **kwargs)
        assert reply.status == status, reply
        return [item["ratingKey"] for item in reply.body] if status == 200 else []

    assert await keys("GET") == [DUNE_2021, SEVERANCE, AMELIE]
    assert await keys("GET", params={"account": "jamiewatches"}) == [PADDINGTON_2]
    assert await keys("PUT", json=[ARRIVAL, AMELIE]) == [ARRIVAL, AMELIE]
    for status, kwargs in (
        (404, {"params": {"account": "nobody"}}),
        (400, {"json": {"x": 1}}),
        (404, {"json": ["unknown"]}),
    ):
        await keys("PUT" if "json" in kwargs else "GET", status, **kwargs)
    state_url = f"{plextv.url}/_sim/user_state/{AMELIE}"
    state = (await call(session, "GET", state_url)).body
    assert (state["watchlistedAt"] > 0, state["viewCount"]) == (True, 0)
    assert (await call(session, "GET", state_url, params={"account": "nobody"})).status == 404
    assert (await call(session, "GET", f"{plextv.url}/_sim/user_state/x")).status == 404


async def test_devices(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """A device signed in through /_sim/devices is listed in /devices.xml, token and all.

    Signing in again keeps its id; DELETE /devices/{id}.xml signs it out, and again is 404.
    """
    pin = await create_pin(session, plextv)
    token = plextv.approve(pin["code"])
    control = f"{plextv.url}/_sim/devices"
    assert (await call(session, "POST", control, json={"nope": 1})).status == 400
    body = {"name": "Bedroom TV", "product": "Plex for Roku", "client_identifier": "tv-1"}
    tv = (await call(session, "POST", control, json=body)).body
    again = (await call(session, "POST", control, json=body)).body
    assert (tv["id"], tv["name"]) == (again["id"], "Bedroom TV")
    assert tv["token"] != again["token"]
    listing = await call(session, "GET", f"{plextv.url}/devices.xml", headers=with_token(token))
    assert 'clientIdentifier="tv-1"' in listing.body
    assert f'token="{again["token"]}"' in listing.body
    assert f'clientIdentifier="{CLIENT_ID}"' in listing.body  # the one signed in with the pin
    for path, status in ((tv["id"], 200), (tv["id"], 404), ("x", 404)):
        url = f"{plextv.url}/devices/{path}.xml"
        assert (await call(session, "DELETE", url, headers=with_token(token))).status == status
