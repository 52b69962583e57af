"""The request log and the /_sim/ control interface."""

from datetime import UTC, datetime

import aiohttp

from library.simulators.plextv import (
    PlexTVSimulator,
    RecordedRequest,
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)
from library.simulators.plextv.testing import (
    CLIENT_ID,
    JSON_HEADERS,
    create_pin,
    get_json,
    with_token,
)


async def test_request_log(session: aiohttp.ClientSession, plextv: PlexTVSimulator) -> None:
    """Every request is recorded in order, with headers as sent; /_sim/ ones are not."""
    plextv.add_fault("/api/v2/user", status=500)
    pin = await create_pin(session, plextv)
    await get_json(session, f"{plextv.url}/api/v2/user?x=1", JSON_HEADERS)
    async with session.get(plextv.link_url):
        pass
    async with session.get(f"{plextv.url}/_sim/state"):
        pass

    assert [(r.method, r.path) for r in plextv.requests] == [
        ("POST", "/api/v2/pins"),
        ("GET", "/api/v2/user"),
        ("GET", "/link"),
    ]
    first = plextv.requests[0]
    assert isinstance(first, RecordedRequest)
    assert first.query == {"strong": "false"}
    assert first.headers["X-Plex-Client-Identifier"] == CLIENT_ID
    assert first.headers["X-Plex-Product"] == "Home Assistant"
    assert first.wall_time.tzinfo is not None
    assert abs((datetime.now(UTC) - first.wall_time).total_seconds()) < 5
    assert plextv.requests[0].time <= plextv.requests[1].time <= plextv.requests[2].time
    assert plextv.requests_to("/api/v2/user")[0].query == {"x": "1"}
    assert plextv.requests_to("/api/v2/", method="post") == [first]
    assert pin["id"] in plextv.pins


async def test_control_interface(  # noqa: PLR0915 - one walk through every control route
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """/_sim/ routes drive the same state as the Python API."""
    control = f"{plextv.url}/_sim"
    pin = await create_pin(session, plextv)

    async with session.post(f"{control}/approve", json={"code": "NOPE"}) as response:
        assert response.status == 404
    async with session.post(f"{control}/approve", json={"wrong": 1}) as response:
        assert response.status == 400
    async with session.post(f"{control}/approve", data="{not json") as response:
        assert response.status == 400
    async with session.post(f"{control}/approve", json={"code": pin["code"]}) as response:
        assert response.status == 200
        token = (await response.json())["token"]
    assert plextv.pins[pin["id"]].auth_token == token

    async with session.put(f"{control}/account", json={**sample_account(), "title": "Via HTTP"}):
        pass
    _, body = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token))
    assert body["title"] == "Via HTTP"
    async with session.put(f"{control}/resources", json=[]) as response:
        assert response.status == 200
    _, body = await get_json(session, f"{plextv.url}/api/v2/resources", with_token(token))
    assert body == []

    async with session.post(
        f"{control}/faults",
        json={"path": "/api/v2/ping", "status": 429, "headers": {"Retry-After": "2"}, "count": 2},
    ) as response:
        assert response.status == 201
    async with session.post(f"{control}/faults", json={"path": "/x", "bogus": 1}) as response:
        assert response.status == 400
    async with session.post(f"{control}/faults", json={"path": "/x", "count": 0}) as response:
        assert response.status == 400
    async with session.get(f"{plextv.url}/api/v2/ping", headers=with_token(token)) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"
    async with session.get(f"{control}/state") as response:
        state = await response.json()
    assert state["faults"][0]["count"] == 1
    async with session.delete(f"{control}/faults") as response:
        assert response.status == 204
    assert plextv.faults == []

    async with session.get(f"{control}/requests") as response:
        recorded = await response.json()
    assert [r["path"] for r in recorded] == [
        "/api/v2/pins",
        "/api/v2/user",
        "/api/v2/resources",
        "/api/v2/ping",
    ]
    assert recorded[0]["headers"]["X-Plex-Client-Identifier"] == CLIENT_ID
    assert recorded[0]["method"] == "POST"
    assert datetime.fromisoformat(recorded[0]["wall_time"]).tzinfo is not None
    async with session.delete(f"{control}/requests") as response:
        assert response.status == 204
    assert plextv.requests == []

    async with session.post(f"{control}/revoke", json={"token": token, "status": 422}) as response:
        assert response.status == 200
    async with session.post(f"{control}/revoke", json={"token": "nope"}) as response:
        assert response.status == 404
    async with session.post(f"{control}/revoke", json={"token": token, "status": 1}) as response:
        assert response.status == 400
    assert (await get_json(session, f"{plextv.url}/api/v2/user", with_token(token)))[0] == 422

    async with session.get(f"{control}/state") as response:
        state = await response.json()
    assert state["url"] == plextv.url
    assert state["pins"][0]["code"] == pin["code"]
    assert state["pins"][0]["approved"] is True
    assert state["pins"][0]["expired"] is False
    assert state["tokens"] == [
        {
            "token": token,
            "clientIdentifier": CLIENT_ID,
            "accountUuid": sample_account()["uuid"],
            "revoked": True,
            "revokedStatus": 422,
        }
    ]
    assert state["signed_out"] == []
    assert [r.path for r in plextv.requests] == ["/api/v2/user"]


async def test_control_second_account(
    session: aiohttp.ClientSession, plextv: PlexTVSimulator
) -> None:
    """/_sim/ approves a code for another account by name and sets that account's resources."""
    control = f"{plextv.url}/_sim"
    pin = await create_pin(session, plextv)
    async with session.post(
        f"{control}/approve", json={"code": pin["code"], "account": "nobody"}
    ) as response:
        assert response.status == 404
    async with session.post(f"{control}/approve", json={"code": pin["code"], "account": 5}) as r:
        assert r.status == 400
    async with session.post(
        f"{control}/approve", json={"code": pin["code"], "account": "jamiewatches"}
    ) as response:
        assert response.status == 200
        token = (await response.json())["token"]
    assert plextv.tokens[token].account_uuid == second_account()["uuid"]
    _, user = await get_json(session, f"{plextv.url}/api/v2/user", with_token(token))
    assert user["username"] == "jamiewatches"

    players = [r for r in second_account_resources() if r["provides"] != "server"]
    async with session.put(
        f"{control}/resources", params={"account": second_account()["uuid"]}, json=players
    ) as response:
        assert response.status == 200
        assert await response.json() == players
    async with session.put(f"{control}/resources", params={"account": "x"}, json=[]) as r:
        assert r.status == 404
    _, body = await get_json(session, f"{plextv.url}/api/v2/resources", with_token(token))
    assert [r["name"] for r in body] == ["Jamie's Phone"]
    assert plextv.resources == sample_resources()

    async with session.get(f"{control}/state") as response:
        state = await response.json()
    assert state["accounts"] == [
        {"uuid": second_account()["uuid"], "username": "jamiewatches", "current": False},
        {"uuid": sample_account()["uuid"], "username": "plexfan", "current": True},
    ]
