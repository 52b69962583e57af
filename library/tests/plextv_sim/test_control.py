"""The plex.tv simulator's own /_sim/ routes (the faults' and the log's are in test_common)."""

import aiohttp

from library.simulators.plextv import (
    AMELIE,
    ARRIVAL,
    DUNE_2021,
    PADDINGTON_2,
    SEVERANCE,
    PlexTVSimulator,
    generated_items,
    sample_account,
    sample_catalogue,
    second_account,
    second_account_resources,
)
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
        ({"code": pin["code"], "account": 5}, 400),
    ):
        assert (await call(session, "POST", f"{control}/approve", json=body)).status == status
    assert (await call(session, "POST", f"{control}/approve", data="{not json")).status == 400
    reply = await call(session, "POST", f"{control}/approve", json={"code": pin["code"]})
    token = reply.body["token"]
    assert plextv.pins[pin["id"]].auth_token == token
    body = {"code": other["code"], "account": "jamiewatches"}
    jamie = (await call(session, "POST", f"{control}/approve", json=body)).body["token"]
    assert plextv.tokens[jamie].account_uuid == SECOND

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
    assert [(p["code"], p["approved"], p["expired"]) for p in state["pins"]] == [
        (pin["code"], True, False),
        (other["code"], True, False),
    ]
    assert state["tokens"][0] == {
        "token": token,
        "clientIdentifier": CLIENT_ID,
        "accountUuid": sample_account()["uuid"],
        "revoked": True,
        "revokedStatus": 422,
    }
    assert state["accounts"] == [
        {"uuid": SECOND, "username": "jamiewatches", "current": False},
        {"uuid": sample_account()["uuid"], "username": "plexfan", "current": True},
    ]
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


async def test_watchlist(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """/_sim/watchlist reads, replaces, adds to and removes from an account's watchlist."""
    url = f"{plextv.url}/_sim/watchlist"

    async def keys(method: str, path: str = url, status: int = 200, **kwargs: object) -> list[str]:
        reply = await call(session, method, path, **kwargs)
        assert reply.status == status, reply
        return [item["ratingKey"] for item in reply.body] if status < 400 else []

    assert await keys("GET") == [DUNE_2021, SEVERANCE, AMELIE]
    assert await keys("GET", params={"account": "jamiewatches"}) == [PADDINGTON_2]
    assert await keys("PUT", json=[ARRIVAL, AMELIE]) == [ARRIVAL, AMELIE]
    second = {"account": SECOND}
    assert await keys("POST", status=201, params=second, json={"ratingKey": SEVERANCE}) == [
        SEVERANCE,
        PADDINGTON_2,
    ]
    assert await keys("POST", params=second, json={"ratingKey": SEVERANCE}) == [
        SEVERANCE,
        PADDINGTON_2,
    ]
    assert await keys("DELETE", f"{url}/{ARRIVAL}") == [AMELIE]
    nobody = {"account": "nobody"}
    for method, path, kwargs, status in (
        ("GET", url, {"params": nobody}, 404),
        ("PUT", url, {"json": {"x": 1}}, 400),
        ("PUT", url, {"json": ["unknown"]}, 404),
        ("PUT", url, {"json": [], "params": nobody}, 404),
        ("POST", url, {"json": {"ratingKey": "unknown"}}, 404),
        ("POST", url, {"json": ["x"]}, 400),
        ("POST", url, {"json": {"ratingKey": SEVERANCE}, "params": nobody}, 404),
        ("DELETE", f"{url}/unknown", {}, 404),
        ("DELETE", f"{url}/{ARRIVAL}", {"params": nobody}, 404),
    ):
        await keys(method, path, status, **kwargs)


async def test_user_state_and_catalogue(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """/_sim/user_state reads what the metadata host says; /_sim/catalogue reads and adds."""
    control = f"{plextv.url}/_sim"
    state = (await call(session, "GET", f"{control}/user_state/{AMELIE}")).body
    assert (state["watchlistedAt"], state["viewCount"]) == (1762000000, 0)
    assert (await call(session, "GET", f"{control}/user_state/unknown")).status == 404
    nobody = {"account": "nobody"}
    assert (
        await call(session, "GET", f"{control}/user_state/{AMELIE}", params=nobody)
    ).status == 404
    catalogue = (await call(session, "GET", f"{control}/catalogue")).body
    assert (len(catalogue), catalogue[0]["popularity"]) == (len(sample_catalogue()), 95)
    new = generated_items(2)
    reply = await call(session, "POST", f"{control}/catalogue", json=new)
    assert (reply.status, reply.body) == (201, {"items": len(sample_catalogue()) + 2})
    for wrong in ({"x": 1}, [{"title": "no key"}]):
        assert (await call(session, "POST", f"{control}/catalogue", json=wrong)).status == 400
    body = {"ratingKey": new[0]["ratingKey"]}
    assert (await call(session, "POST", f"{control}/watchlist", json=body)).status == 201
