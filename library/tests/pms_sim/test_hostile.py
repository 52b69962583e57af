"""A hostile server, as the Python API, a factory option and the control routes make one."""

import json

import aiohttp

from library.simulators.pms import PMSFactory, PMSSimulator
from library.tests.plextv_sim.helpers import call
from library.tests.pms_sim.helpers import JSON, auth, ws_url

HOSTILE = (
    '{"NotificationContainer": {"type": "playing", "size": 1, '
    '"PlaySessionStateNotification": [{"ratingKey": "", "state": "playing"}]}}'
)


async def test_raw_message(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Any text goes, as it is, to every open websocket; it is not kept in notifications."""
    async with session.ws_connect(ws_url(pms)) as one, session.ws_connect(ws_url(pms)) as two:
        await pms.wait_for_websockets(2)
        reply = await call(session, "POST", f"{pms.control_url}/_sim/notify/raw", data=HOSTILE)
        assert reply.body == {"sent": 2}
        assert pms.notify_raw("9" * 5000) == 2
        for ws in (one, two):
            assert [(await ws.receive(timeout=1)).data for _ in range(2)] == [HOSTILE, "9" * 5000]
    assert pms.notifications == []


async def test_close_websockets(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """Each websocket is accepted (101), then closed at once, until told otherwise."""
    pms = await pms_factory(close_websockets=True)
    async with session.ws_connect(ws_url(pms)) as ws:
        assert (await ws.receive(timeout=1)).type is aiohttp.WSMsgType.CLOSE
    assert (pms.websocket_connections, pms.open_websockets) == (1, 0)
    settings = {"close": False}
    state = (await call(session, "PUT", f"{pms.url}/_sim/websockets", json=settings)).body
    assert state["close_websockets"] is False
    async with session.ws_connect(ws_url(pms)):
        await pms.wait_for_websockets()
    bad = {"close": "yes"}
    assert (await call(session, "PUT", f"{pms.url}/_sim/websockets", json=bad)).status == 400


async def test_oversized_frame(session: aiohttp.ClientSession, pms_factory: PMSFactory) -> None:
    """A new websocket first gets one message longer than the size given, JSON all the same."""
    pms = await pms_factory(oversized_frame=4096)
    async with session.ws_connect(ws_url(pms), max_msg_size=0) as ws:
        message = await ws.receive(timeout=1)
        assert (len(message.data), set(json.loads(message.data))) == (4097, {"padding"})
    async with session.ws_connect(ws_url(pms), max_msg_size=4096) as ws:
        assert (await ws.receive(timeout=1)).type is aiohttp.WSMsgType.ERROR
    settings = {"oversized_frame": 10}
    await call(session, "PUT", f"{pms.control_url}/_sim/websockets", json=settings)
    async with session.ws_connect(ws_url(pms), max_msg_size=10) as ws:
        assert (await ws.receive(timeout=1)).type is aiohttp.WSMsgType.ERROR


async def test_raw_sessions_once(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """The next GET /status/sessions answers the body given, as it is; the one after, the truth."""
    body = '{"MediaContainer": {"size": 1, "Metadata": [{"viewOffset": ' + "7" * 5000 + "}]}}"
    reply = await call(session, "POST", f"{pms.control_url}/_sim/sessions/raw", data=body)
    assert reply.status == 204
    pms.answer_sessions_once("<MediaContainer size=")
    url = f"{pms.url}/status/sessions"
    async with session.get(url, headers=auth(pms)) as response:
        assert (response.status, await response.text()) == (200, body)
    assert (await call(session, "GET", url, headers=JSON)).body == "<MediaContainer size="
    assert (await call(session, "GET", url, headers=auth(pms))).body["MediaContainer"]["size"] == 0
