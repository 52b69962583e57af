"""JSON control interface under /_sim/, for runs that drive the simulator from outside.

The routes are served on the server's own port and on a control port of their own
(sim.control_url), which stays up while the server sleeps: wake it there. Requests to them
are neither logged nor faulted, and need no token.

Sessions (a player or media is a sample's name, see SAMPLE_PLAYERS and SAMPLE_MEDIA, or an
object of Player's or Media's fields):

- GET /_sim/sessions: the sessions, as /status/sessions lists them.
- POST /_sim/sessions {"player": "living_room_tv", "media": "film", "user": {...},
  "view_offset": ms}: start playing; answers {"sessionKey": ..., "session": {...}}.
- POST /_sim/sessions/{key}/pause, resume, buffer, stop, or seek {"position_ms": 60000}.
- DELETE /_sim/sessions/{key}, DELETE /_sim/sessions: end one session, or all of them.
- POST /_sim/sessions/raw with any body: the next GET /status/sessions answers 200 with that
  body as it is, token or not (sim.answer_sessions_once), e.g. a viewOffset 5,000 digits long.

Notifications and the websocket:

- POST /_sim/notify/status {"title": ..., "description": ...}: a `status` message.
- POST /_sim/notify/raw with any body: send the body as it is, one text frame, on every open
  notification websocket (sim.notify_raw), e.g. a `playing` message whose entry has no
  sessionKey and `"ratingKey": ""`, or a number thousands of digits long; answers
  {"sent": how many websockets}.
- PUT /_sim/progress {"interval": seconds or null}: progress messages of playing sessions.
- POST /_sim/websockets/drop: close every notification websocket abruptly.
- PUT /_sim/websockets with any of {"refuse": true, "status": 503}: refuse upgrades with
  that status; {"close": true}: accept each websocket and close it at once
  (sim.close_websockets); {"oversized_frame": bytes or null}: send each new websocket one
  message longer than that (sim.oversized_frame). Answers the state.

The server:

- PUT /_sim/token {"token": ...}: the token requests must now carry.
- POST /_sim/sleep {"seconds": null or s}: fall asleep (and wake after s seconds, on the
  simulator's clock); POST /_sim/wake: serve again.
- POST /_sim/faults {"path", "status", "delay", "body", "drop", "count", "headers",
  "method"}, DELETE /_sim/faults: give the next matching requests a fault (see
  Simulator.add_fault; one on the websocket's path applies before the upgrade), remove all.
- GET, DELETE /_sim/requests: read, clear the request log.
- GET /_sim/state: URLs, identity, sleep, websockets, progress, sessions and faults.
"""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from library.simulators.common import add_fault_and_log_routes, control_error, json_body

from .sample import SAMPLE_MEDIA, SAMPLE_PLAYERS, Media, Player

if TYPE_CHECKING:
    from .app import PMSSimulator

_ACTIONS = ("pause", "resume", "buffer", "stop")


def _sample[T](
    value: object, samples: Mapping[str, Callable[[], T]], build: Callable[[dict[str, Any]], T]
) -> T:
    """Return the sample a name names, or build one from an object's fields."""
    if isinstance(value, str):
        return samples[value]()
    if isinstance(value, dict):
        return build(value)
    raise KeyError(value)


def state_of(sim: PMSSimulator) -> dict[str, Any]:
    """Return the simulator's state as JSON."""
    return {
        "url": sim._urls.get("server"),
        "control_url": sim._urls.get("control") if "control" in sim._runners else None,
        "machineIdentifier": sim.machine_identifier,
        "name": sim.name,
        "version": sim.version,
        "asleep": sim.asleep,
        "refusing_websockets": sim.refusing_websockets,
        "close_websockets": sim.close_websockets,
        "oversized_frame": sim.oversized_frame,
        "open_websockets": sim.open_websockets,
        "websocket_connections": sim.websocket_connections,
        "progress_interval": sim.progress_interval,
        "sessions": sim.sessions_json(),
        "faults": [fault.as_json() for fault in sim.faults],
    }


def _websocket_settings(sim: PMSSimulator, data: object) -> str | None:
    """Apply PUT /_sim/websockets' settings; return what is wrong with them, if anything."""
    types = {"refuse": bool, "status": int, "close": bool, "oversized_frame": int | None}
    if (
        not isinstance(data, dict)
        or not data
        or set(data) - set(types)
        or not all(isinstance(value, types[key]) for key, value in data.items())
    ):
        return (
            'expected any of {"refuse": true, "status": 503}, {"close": true}, '
            '{"oversized_frame": bytes or null}'
        )
    if "refuse" in data:
        sim.refuse_websockets(data["refuse"], status=data.get("status", 503))
    sim.close_websockets = data.get("close", sim.close_websockets)
    sim.oversized_frame = data.get("oversized_frame", sim.oversized_frame)
    return None


def add_control_routes(sim: PMSSimulator, app: web.Application) -> None:  # noqa: C901, PLR0915 - one closure per route
    """Serve the /_sim/ control routes for sim on app."""

    async def get_sessions(request: web.Request) -> web.Response:
        return web.json_response(sim.sessions_json())

    async def post_session(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict) or "player" not in data or "media" not in data:
            return control_error(
                'expected {"player": name or object, "media": name or object, "user": {...}}; '
                f"players: {', '.join(SAMPLE_PLAYERS)}; media: {', '.join(SAMPLE_MEDIA)}"
            )
        try:
            player = _sample(data["player"], SAMPLE_PLAYERS, Player.from_dict)
            media = _sample(data["media"], SAMPLE_MEDIA, Media.from_dict)
        except KeyError as err:
            return control_error(f"no sample player or media {err}", 404)
        except TypeError as err:
            return control_error(str(err))
        user = data.get("user")
        if user is not None and not isinstance(user, dict):
            return control_error("user must be an object")
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
            return control_error(f"no session {key!r}", 404)
        if action == "seek":
            data = await json_body(request)
            if not isinstance(data, dict) or not isinstance(data.get("position_ms"), int):
                return control_error('expected {"position_ms": 60000}')
            sim.seek(key, data["position_ms"])
        elif action == "stop":
            sim.stop_session(key)
            return web.json_response({"sessionKey": key, "state": "stopped"})
        elif action in _ACTIONS:
            getattr(sim, action)(key)
        else:
            return control_error(f"no action {action!r}", 404)
        return web.json_response(sim.session(key).as_json(sim.clock()))

    async def delete_session(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key not in sim.sessions:
            return control_error(f"no session {key!r}", 404)
        sim.stop_session(key)
        return web.Response(status=204)

    async def delete_sessions(request: web.Request) -> web.Response:
        sim.stop_all()
        return web.Response(status=204)

    async def raw_sessions(request: web.Request) -> web.Response:
        sim.answer_sessions_once(await request.read())
        return web.Response(status=204)

    async def drop_websockets(request: web.Request) -> web.Response:
        return web.json_response({"dropped": sim.drop_websockets()})

    async def put_websockets(request: web.Request) -> web.Response:
        wrong = _websocket_settings(sim, await json_body(request))
        return control_error(wrong) if wrong else web.json_response(state_of(sim))

    async def post_status(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            return control_error('expected {"title": "Library scan complete"}')
        sim.notify_status(data["title"], str(data.get("description", "")))
        return web.Response(status=204)

    async def post_raw(request: web.Request) -> web.Response:
        return web.json_response({"sent": sim.notify_raw(await request.text())})

    async def put_progress(request: web.Request) -> web.Response:
        data = await json_body(request)
        interval = data.get("interval") if isinstance(data, dict) else "bad"
        if interval is not None and not isinstance(interval, int | float):
            return control_error('expected {"interval": seconds or null}')
        try:
            sim.progress_interval = interval
        except ValueError as err:
            return control_error(str(err))
        return web.json_response(state_of(sim))

    async def put_token(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            return control_error('expected {"token": "..."}')
        sim.token = data["token"]
        return web.Response(status=204)

    async def post_sleep(request: web.Request) -> web.Response:
        data = await json_body(request)
        seconds = data.get("seconds") if isinstance(data, dict) else None
        if seconds is not None and not isinstance(seconds, int | float):
            return control_error('expected {"seconds": null or how long to sleep}')

        async def sleep() -> None:
            await sim.sleep()
            if seconds is not None:
                await sim.clock_sleep(seconds)
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
    router.add_post("/_sim/sessions/raw", raw_sessions)
    router.add_post("/_sim/sessions/{key}/{action}", session_action)
    router.add_delete("/_sim/sessions/{key}", delete_session)
    router.add_post("/_sim/websockets/drop", drop_websockets)
    router.add_put("/_sim/websockets", put_websockets)
    router.add_post("/_sim/notify/status", post_status)
    router.add_post("/_sim/notify/raw", post_raw)
    router.add_put("/_sim/progress", put_progress)
    router.add_put("/_sim/token", put_token)
    router.add_post("/_sim/sleep", post_sleep)
    router.add_post("/_sim/wake", post_wake)
    add_fault_and_log_routes(router, sim)
    router.add_get("/_sim/state", get_state)
