"""The updater: status, checks, installs and the restart after; the library's control routes."""

from typing import Any

import aiohttp

from library.simulators.pms import FakeClock, PMSSimulator
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import GONE, JSON, auth, container, until, ws_url
from library.tests.pms_sim.test_library_changes import count, entries, notification

NEW = "1.42.1.10060-4e8b05daf"


async def statechange(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """Return the AutoUpdateNotification of the next message."""
    body = await notification(ws, "update.statechange")
    entry: dict[str, Any] = body["AutoUpdateNotification"][0]
    return entry


async def version(session: aiohttp.ClientSession, pms: PMSSimulator) -> tuple[str, str]:
    """Return the version /identity and / show."""
    identity = await call(session, "GET", f"{pms.url}/identity", headers=JSON)
    root = await container(session, pms, "/")
    return identity.body["MediaContainer"]["version"], root["version"]


async def test_status_and_checks(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Up to date: no Release; an update that cannot be installed here is `notify`."""
    status = await container(session, pms, "/updater/status")
    assert status == {"size": 0, "canInstall": False, "checkedAt": 0, "status": 0}
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        pms.set_update(NEW, notes="line1\nline2")
        entry = await statechange(ws)
        assert (entry["version"], entry["state"]) == (NEW, "notify")
    status = await container(session, pms, "/updater/status")
    [release] = status["Release"]
    assert release == {
        "key": entry["key"],
        "version": NEW,
        "added": "",
        "fixed": "line1\nline2",
        "downloadURL": status["downloadURL"],
        "state": "notify",
    }
    assert f"X-Plex-Token={pms.token}" in status["downloadURL"]
    assert (status["size"], status["canInstall"], status["checkedAt"]) == (1, False, pms.epoch())
    for download in ("0", "1"):
        url = f"{pms.url}/updater/check?download={download}"
        assert (await call(session, "PUT", url, headers=auth(pms))).status == 200
    assert pms.updater.checks == [False, True]
    reply = await call(session, "PUT", f"{pms.url}/updater/apply", headers=auth(pms))
    assert (reply.status, reply.body) == (400, "This system cannot install updates")
    pms.clear_update()
    assert "Release" not in await container(session, pms, "/updater/status")


async def test_install_restarts(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """An install: `installing`, then a restart on the new version; transient tokens void."""
    token = (await container(session, pms, "/security/token?type=delegation&scope=all"))["token"]
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        pms.set_update(NEW, can_install=True)
        assert (await statechange(ws))["state"] == "available"
        status = await container(session, pms, "/updater/status")
        assert (status["canInstall"], status["Release"][0]["state"]) == (True, "available")
        reply = await call(session, "PUT", f"{pms.url}/updater/apply", headers=auth(pms))
        assert reply.status == 200
        entry = await statechange(ws)
        assert (entry["version"], entry["state"]) == (NEW, "installing")
        assert (await ws.receive(timeout=1)).type in GONE  # the restart drops websockets
    assert await version(session, pms) == (NEW, NEW)
    assert "Release" not in await container(session, pms, "/updater/status")
    assert pms.transient_tokens == set()
    url = f"{pms.url}/library/sections"
    assert (await call(session, "GET", url, headers={"X-Plex-Token": token})).status == 401
    assert (pms.restarts, pms.updater.applies) == (1, 1)


async def test_install_takes_time(
    session: aiohttp.ClientSession, clock: FakeClock, timed_pms: PMSSimulator
) -> None:
    """With install_seconds, the restart comes that long after, on the simulator's clock."""
    pms = timed_pms
    pms.install_seconds = 30
    pms.set_update(NEW, can_install=True)
    assert (await call(session, "PUT", f"{pms.url}/updater/apply", headers=auth(pms))).status == 200
    clock.advance(29)
    assert (await version(session, pms))[0] != NEW
    clock.advance(1)
    assert await version(session, pms) == (NEW, NEW)


async def test_library_controls(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Items are added (one, or a batch of generated films), refreshed and removed by HTTP."""
    control = f"{pms.control_url}/_sim"
    async with session.ws_connect(ws_url(pms)) as ws:
        await until(lambda: pms.open_websockets == 1)
        body: dict[str, object] = {"section": "2", "kind": "episode", "title": "Spring"}
        body |= {"show": "Northern Lines", "season": 2, "episode": 6}
        reply = await call(session, "POST", f"{control}/library/items", json=body)
        assert (reply.status, reply.body) == (201, {"ratingKeys": ["5001"]})
        assert [(await entries(ws))[0][1] for _ in range(4)] == [0, 1, 4, 5]
        body = {"section": "1", "kind": "movie", "count": 50}
        keys = (await call(session, "POST", f"{control}/library/items", json=body)).body[
            "ratingKeys"
        ]
        assert len(set(keys)) == 50
        frames = [await entries(ws) for _ in range(20)]  # 5 frames of 10 in each state
        assert [entry[0] for entry in frames[0] + frames[1]] == keys[:20]
        assert {entry[1] for frame in frames[-5:] for entry in frame} == {5}
        body = {"section": "3", "kind": "track", "artist": "Amber Static", "processed": False}
        [track] = (await call(session, "POST", f"{control}/library/items", json=body)).body[
            "ratingKeys"
        ]
        assert await entries(ws) == [(track, 0, "created")]
        reply = await call(
            session, "POST", f"{control}/library/processed", json={"ratingKeys": [track]}
        )
        assert (reply.status, await entries(ws)) == (200, [(track, 5, None)])
        reply = await call(session, "POST", f"{control}/library/items/1001/refresh")
        assert (reply.status, await entries(ws)) == (200, [("1001", 5, None)])
        reply = await call(session, "DELETE", f"{control}/library/items/{keys[0]}")
        assert (reply.status, await entries(ws)) == (200, [(keys[0], 9, "deleted")])
    assert await count(session, pms, "1", 1) == 6 + 49
    state = (await call(session, "GET", f"{control}/library")).body
    films = state["sections"][0]
    assert films == films | {"key": "1", "title": "Films", "count": 55, "counts": {"movie": 55}}
    assert (state["scans"], state["transcodes"], state["transientTokens"]) == ({}, [], 0)
    for path, sent, status in (
        ("library/items", {"section": "1"}, 400),
        ("library/items", {"section": "1", "kind": "track"}, 400),
        ("library/items", {"section": "8", "kind": "movie"}, 404),
        ("library/items/424242/refresh", None, 404),
        ("library/processed", {"ratingKeys": ["424242"]}, 400),
    ):
        assert (await call(session, "POST", f"{control}/{path}", json=sent)).status == status


async def test_update_and_restart_controls(
    session: aiohttp.ClientSession, pms: PMSSimulator
) -> None:
    """Updates are offered and withdrawn by HTTP; a restart voids transient tokens."""
    control = f"{pms.control_url}/_sim"
    body = {"version": NEW, "canInstall": True, "notes": "a\nb"}
    reply = await call(session, "POST", f"{control}/update", json=body)
    assert (reply.status, reply.body["Release"][0]["fixed"], reply.body["canInstall"]) == (
        201,
        "a\nb",
        True,
    )
    assert "SECRET" in reply.body["downloadURL"]  # the control port never shows the token
    assert (await call(session, "POST", f"{control}/update", json={})).status == 400
    assert (await call(session, "DELETE", f"{control}/update")).status == 204
    assert pms.updater.release is None
    await container(session, pms, "/security/token?type=delegation&scope=all")
    reply = await call(session, "POST", f"{control}/restart", json={"version": "1.43.0.1-x"})
    assert reply.body == {"version": "1.43.0.1-x", "restarts": 1}
    assert (pms.transient_tokens, await version(session, pms)) == (set(), ("1.43.0.1-x",) * 2)
    assert (await call(session, "GET", f"{control}/state")).body["version"] == "1.43.0.1-x"
