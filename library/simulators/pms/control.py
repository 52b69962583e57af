"""JSON control interface under /_sim/, for runs that drive the simulator from outside.

The routes are served on the server's own port and on a control port of their own
(sim.control_url), which stays up while the server sleeps. Requests to them are neither
logged nor faulted, and need no token. A player or media is named by its sample's name (see
SAMPLE_PLAYERS and SAMPLE_MEDIA).

- GET /_sim/sessions: the sessions, as /status/sessions lists them.
- POST /_sim/sessions {"player": "living_room_tv", "media": "film"}: start playing; answers
  {"sessionKey": ..., "session": {...}}.
- POST /_sim/sessions/{key}/pause, resume, buffer or stop: answers the session.
- DELETE /_sim/sessions: end every session.
- POST /_sim/faults {"path", "status", "delay", "body", "drop", "count", "headers",
  "method"}, DELETE /_sim/faults: give the next matching requests a fault (see
  Simulator.add_fault; one on the websocket's path applies before the upgrade), remove all.
- GET, DELETE /_sim/requests: read, clear the request log.
- GET /_sim/state: URLs, identity, sleep, websockets and sessions.
"""

from typing import TYPE_CHECKING, Any

from aiohttp import web

from library.simulators.common import add_fault_and_log_routes, control_error, json_body

from .sample import SAMPLE_MEDIA, SAMPLE_PLAYERS

if TYPE_CHECKING:
    from .app import PMSSimulator

ACTIONS = ("pause", "resume", "buffer", "stop")


def state_of(sim: PMSSimulator) -> dict[str, Any]:
    """Return the simulator's state as JSON."""
    return {
        "url": sim._urls.get("server"),
        "control_url": sim._urls.get("control"),
        "machineIdentifier": sim.machine_identifier,
        "name": sim.name,
        "asleep": sim.asleep,
        "open_websockets": sim.open_websockets,
        "websocket_connections": sim.websocket_connections,
        "sessions": sim.sessions_json(),
    }


def add_control_routes(sim: PMSSimulator, app: web.Application) -> None:
    """Serve the /_sim/ control routes for sim on app."""

    async def get_sessions(request: web.Request) -> web.Response:
        return web.json_response(sim.sessions_json())

    async def post_session(request: web.Request) -> web.Response:
        data = await json_body(request)
        names = data if isinstance(data, dict) else {}
        player = SAMPLE_PLAYERS.get(str(names.get("player")))
        media = SAMPLE_MEDIA.get(str(names.get("media")))
        if player is None or media is None:
            return control_error(
                'expected {"player": name, "media": name}; '
                f"players: {', '.join(SAMPLE_PLAYERS)}; media: {', '.join(SAMPLE_MEDIA)}"
            )
        key = sim.start_session(player=player(), media=media())
        body = {"sessionKey": key, "session": sim.session(key).as_json(sim.clock())}
        return web.json_response(body, status=201)

    async def session_action(request: web.Request) -> web.Response:
        key, action = request.match_info["key"], request.match_info["action"]
        if key not in sim.sessions:
            return control_error(f"no session {key!r}", 404)
        if action == "stop":
            sim.stop_session(key)
            return web.json_response({"sessionKey": key, "state": "stopped"})
        getattr(sim, action)(key)  # pause, resume or buffer
        return web.json_response(sim.session(key).as_json(sim.clock()))

    async def delete_sessions(request: web.Request) -> web.Response:
        sim.stop_all()
        return web.Response(status=204)

    async def get_state(request: web.Request) -> web.Response:
        return web.json_response(state_of(sim))

    router = app.router
    router.add_get("/_sim/sessions", get_sessions)
    router.add_post("/_sim/sessions", post_session)
    router.add_delete("/_sim/sessions", delete_sessions)
    router.add_post(f"/_sim/sessions/{{key}}/{{action:{'|'.join(ACTIONS)}}}", session_action)
    router.add_get("/_sim/state", get_state)
    add_fault_and_log_routes(router, sim)
