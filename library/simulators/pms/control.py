"""JSON control interface under /_sim/, for runs that drive the simulator from outside.

The routes are served on the server's own port and on a control port of their own
(sim.control_url), which stays up while the server sleeps: wake it there.
"""

import asyncio
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from library.simulators.plextv.control import add_fault_and_log_routes

from .sample import SAMPLE_MEDIA, SAMPLE_PLAYERS, Media, Player

if TYPE_CHECKING:
    from .app import PMSSimulator

_FAULT_FIELDS = {"path", "status", "delay", "body", "drop", "count", "headers", "method"}
_ACTIONS = ("pause", "resume", "buffer", "stop")


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


def _not_found(message: str) -> web.Response:
    return web.json_response({"error": message}, status=404)


async def _json_body(request: web.Request) -> Any:  # noqa: ANN401 - any JSON value
    if not request.can_read_body:
        return {}
    try:
        return await request.json()
    except json.JSONDecodeError as err:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"invalid JSON: {err}"}), content_type="application/json"
        ) from err


def _player(value: object) -> Player:
    if isinstance(value, str):
        return SAMPLE_PLAYERS[value]()
    if isinstance(value, dict):
        return Player.from_dict(value)
    raise KeyError(value)


def _media(value: object) -> Media:
    if isinstance(value, str):
        return SAMPLE_MEDIA[value]()
    if isinstance(value, dict):
        return Media.from_dict(value)
    raise KeyError(value)


def state_of(sim: PMSSimulator) -> dict[str, Any]:
    """Return the simulator's state as JSON."""
    return {
        "url": sim._url,
        "control_url": sim.control_url if sim._control_runner else None,
        "machineIdentifier": sim.machine_identifier,
        "name": sim.name,
        "version": sim.version,
        "asleep": sim.asleep,
        "refusing_websockets": sim.refusing_websockets,
        "open_websockets": sim.open_websockets,
        "websocket_connections": sim.websocket_connections,
        "progress_interval": sim.progress_interval,
        "sessions": sim.sessions_json(),
        "faults": [
            {
                "path": fault.path,
                "method": fault.method,
                "status": fault.status,
                "delay": fault.delay,
                "drop": fault.drop,
                "count": fault.count,
            }
            for fault in sim.faults
        ],
    }


def add_control_routes(sim: PMSSimulator, app: web.Application) -> None:  # noqa: C901, PLR0915 - one closure per route
    """Serve the /_sim/ control routes for sim on app."""

    async def get_sessions(request: web.Request) -> web.Response:
        return web.json_response(sim.sessions_json())

    async def post_session(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or "player" not in data or "media" not in data:
            return _bad_request(
                'expected {"player": name or object, "media": name or object, "user": {...}}; '
                f"players: {', '.join(SAMPLE_PLAYERS)}; media: {', '.join(SAMPLE_MEDIA)}"
            )
        try:
            player = _player(data["player"])
            media = _media(data["media"])
        except KeyError as err:
            return _not_found(f"no sample player or media {err}")
        except TypeError as err:
            return _bad_request(str(err))
        user = data.get("user")
        if user is not None and not isinstance(user, dict):
            return _bad_request("user must be an object")
        key = sim.start_session(
            player=player, media=media, user=user, view_offset=int(data.get("view_offset", 0))
        )
        return web.json_response(
            {"sessionKey": key, "session": sim.session(key).as_json(sim.clock())}, status=201
        )

    async def session_action(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        action = request.match_info["action"]
        if key not in sim.sessions:
            return _not_found(f"no session {key!r}")
        if action == "seek":
            data = await _json_body(request)
            if not isinstance(data, dict) or not isinstance(data.get("position_ms"), int):
                return _bad_request('expected {"position_ms": 60000}')
            sim.seek(key, data["position_ms"])
        elif action == "stop":
            sim.stop_session(key)
            return web.json_response({"sessionKey": key, "state": "stopped"})
        elif action in _ACTIONS:
            getattr(sim, action)(key)
        else:
            return _not_found(f"no action {action!r}")
        return web.json_response(sim.session(key).as_json(sim.clock()))

    async def delete_session(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key not in sim.sessions:
            return _not_found(f"no session {key!r}")
        sim.stop_session(key)
        return web.Response(status=204)

    async def delete_sessions(request: web.Request) -> web.Response:
        sim.stop_all()
        return web.Response(status=204)

    async def drop_websockets(request: web.Request) -> web.Response:
        return web.json_response({"dropped": sim.drop_websockets()})

    async def put_websockets(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("refuse"), bool):
            return _bad_request('expected {"refuse": true, "status": 503}')
        sim.refuse_websockets(data["refuse"], status=int(data.get("status", 503)))
        return web.json_response(state_of(sim))

    async def post_status(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            return _bad_request('expected {"title": "Library scan complete"}')
        sim.notify_status(data["title"], str(data.get("description", "")))
        return web.Response(status=204)

    async def put_progress(request: web.Request) -> web.Response:
        data = await _json_body(request)
        interval = data.get("interval") if isinstance(data, dict) else "bad"
        if interval is not None and not isinstance(interval, int | float):
            return _bad_request('expected {"interval": seconds or null}')
        try:
            sim.progress_interval = interval
        except ValueError as err:
            return _bad_request(str(err))
        return web.json_response(state_of(sim))

    async def put_token(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            return _bad_request('expected {"token": "..."}')
        sim.token = data["token"]
        return web.Response(status=204)

    async def post_sleep(request: web.Request) -> web.Response:
        data = await _json_body(request)
        seconds = data.get("seconds") if isinstance(data, dict) else None
        if seconds is not None and not isinstance(seconds, int | float):
            return _bad_request('expected {"seconds": null or how long to sleep}')

        async def sleep() -> None:
            await sim.sleep()
            if seconds is not None:
                await asyncio.sleep(seconds)
                await sim.wake()

        # Answer first: the server's own connections close as it falls asleep.
        sim.in_background(sleep())
        return web.json_response({"asleep": True, "wake_after": seconds}, status=202)

    async def post_wake(request: web.Request) -> web.Response:
        await sim.wake()
        return web.json_response(state_of(sim))

    async def get_state(request: web.Request) -> web.Response:
        return web.json_response(state_of(sim))

    router = app.router
    router.add_get("/_sim/sessions", get_sessions)
    router.add_post("/_sim/sessions", post_session)
    router.add_delete("/_sim/sessions", delete_sessions)
    router.add_post("/_sim/sessions/{key}/{action}", session_action)
    router.add_delete("/_sim/sessions/{key}", delete_session)
    router.add_post("/_sim/websockets/drop", drop_websockets)
    router.add_put("/_sim/websockets", put_websockets)
    router.add_post("/_sim/notify/status", post_status)
    router.add_put("/_sim/progress", put_progress)
    router.add_put("/_sim/token", put_token)
    router.add_post("/_sim/sleep", post_sleep)
    router.add_post("/_sim/wake", post_wake)
    add_fault_and_log_routes(router, sim, _FAULT_FIELDS)
    router.add_get("/_sim/state", get_state)
