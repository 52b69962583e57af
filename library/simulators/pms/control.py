"""JSON control interface under /_sim/, for runs that drive the simulator from outside.

The routes are served on the server's own port and on a control port of their own
(sim.control_url), which stays up while the server sleeps. Requests to them are neither
logged nor faulted, and need no token. A player or media is named by its sample's name (see
SAMPLE_PLAYERS and SAMPLE_MEDIA).

- GET /_sim/sessions: the sessions, as /status/sessions lists them.
- POST /_sim/sessions {"player": "living_room_tv", "media": "film", "decision":
  "directplay" | "copy" | "transcode", "bandwidth": kbps, "hardware": bool} (the last three
  optional): start playing; answers {"sessionKey": ..., "session": {...}}.
- POST /_sim/sessions/{key}/pause, resume, buffer or stop: answers the session.
- DELETE /_sim/sessions: end every session.
- POST /_sim/faults {"path", "status", "delay", "body", "drop", "count", "headers",
  "method"}, DELETE /_sim/faults: give the next matching requests a fault (see
  Simulator.add_fault; one on the websocket's path applies before the upgrade), remove all.
- GET, DELETE /_sim/requests: read, clear the request log.
- GET /_sim/state: URLs, identity, sleep, websockets, sessions, players, the commands
  sent to them, play queues, terminated sessions and plexPass.
- POST /_sim/players {"player": name}: make a sample player known; DELETE
  /_sim/players/{name}: forget it (offline). A player is named by its sample name or its
  machineIdentifier.
- POST /_sim/players/{name}/controllable {"accepts": bool}: let it take remote control or
  refuse it; POST /_sim/players/{name}/unresponsive {"unresponsive": bool}: make commands
  to it hang, then 504.
- POST /_sim/plex_pass {"enabled": bool}: without Plex Pass, terminate answers 401.
- POST /_sim/library/items {"section": "2", "kind": "episode", "title", "show", "season",
  "episode"} (or "movie" with "year", "track" with "artist", "album"; "count": N adds N
  at once, generated titles unless given; "processed": false stops at state 0): add and
  announce items; answers {"ratingKeys": [...]}.
- POST /_sim/library/items/{rk}/refresh: a metadata refresh (state 5 alone);
  DELETE /_sim/library/items/{rk}: remove it (state 9);
  POST /_sim/library/processed {"ratingKeys": [...]}: send their state 5 entries.
- GET /_sim/library: sections and their counts, scans, transcodes, transient tokens.
- POST /_sim/update {"version", "canInstall", "notes"}: offer an update; DELETE: none.
- POST /_sim/restart {"version"?}: restart the server (transient tokens are voided).
"""

from typing import TYPE_CHECKING, Any

from aiohttp import web

from library.simulators.common import add_fault_and_log_routes, control_error, json_body

from .sample import SAMPLE_MEDIA, SAMPLE_PLAYERS, Player
from .state import DECISIONS

if TYPE_CHECKING:
    from .app import PMSSimulator

ACTIONS = ("pause", "resume", "buffer", "stop")
ITEM_FIELDS = {
    "title": str,
    "year": int,
    "show": str,
    "season": int,
    "episode": int,
    "artist": str,
    "album": str,
    "duration": int,
}


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
        "version": sim.version,
        "players": [player_of(sim, player) for player in sim.players.values()],
        "commands": [
            {
                "player": command.player,
                "command": command.command,
                "query": {
                    name: "<redacted>" if name == "token" else value  # a secret it carries
                    for name, value in command.query.items()
                },
                "commandID": command.command_id,
            }
            for command in sim.commands
        ],
        "playQueues": [
            {
                "playQueueID": queue.id,
                "type": queue.type,
                "version": queue.version,
                "selected": queue.selected,
                "items": [
                    {"playQueueItemID": item.item_id, "ratingKey": item.rating_key}
                    for item in queue.items
                ],
            }
            for queue in sim.play_queues.values()
        ],
        "terminated": [list(each) for each in sim.terminated],
        "plexPass": sim.plex_pass,
    }


def player_of(sim: PMSSimulator, player: Player) -> dict[str, Any]:
    """Return a known player as JSON: its /clients entry, volume and switches."""
    return player.client_json() | {
        "volume": player.volume,
        "acceptsControl": player.accepts_control,
        "unresponsive": player.machine_identifier in sim.unresponsive_players,
    }


def library_of(sim: PMSSimulator) -> dict[str, Any]:
    """Return the library's state as JSON: sections and counts, scans, transcodes."""
    library = sim.library
    sections = []
    for section in library.sections.values():
        kinds: dict[str, int] = {}
        for item in section.items.values():
            kinds[item.type] = kinds.get(item.type, 0) + 1
        sections.append(
            {"key": section.key, "uuid": section.uuid, "type": section.type}
            | {"title": section.title, "count": len(section.top), "counts": kinds}
        )
    return {
        "sections": sections,
        "scans": sim.scans,
        "transcodes": sim.transcodes,
        "transientTokens": len(sim.transient_tokens),
        "updater": sim.updater.status("SECRET")
        | {"checks": len(sim.updater.checks), "applies": sim.updater.applies},
    }


def _item_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """Return add()'s keyword arguments from a control request; ValueError if wrong."""
    if not isinstance(data.get("section"), str) or not isinstance(data.get("kind"), str):
        msg = 'expected {"section": "1", "kind": "movie" | "episode" | "track", ...}'
        raise ValueError(msg)  # noqa: TRY004 - answered as 400
    arguments: dict[str, Any] = {"section": data["section"], "kind": data["kind"]}
    for name, kind in ITEM_FIELDS.items():
        if data.get(name) is not None:
            arguments[name] = kind(data[name])
    return arguments


def add_control_routes(sim: PMSSimulator, app: web.Application) -> None:
    """Serve the /_sim/ control routes for sim on app."""

    async def get_sessions(request: web.Request) -> web.Response:
        return web.json_response(sim.sessions_json())

    async def post_session(request: web.Request) -> web.Response:
        data = await json_body(request)
        names = data if isinstance(data, dict) else {}
        player = SAMPLE_PLAYERS.get(str(names.get("player")))
        media = SAMPLE_MEDIA.get(str(names.get("media")))
        decision = names.get("decision", "directplay")
        bandwidth = names.get("bandwidth")
        if (
            player is None
            or media is None
            or decision not in DECISIONS
            or not (bandwidth is None or type(bandwidth) is int)
        ):
            return control_error(
                'expected {"player": name, "media": name, "decision"?, "bandwidth"?, '
                f'"hardware"?}}; players: {", ".join(SAMPLE_PLAYERS)}; '
                f"media: {', '.join(SAMPLE_MEDIA)}; decisions: {', '.join(DECISIONS)}"
            )
        key = sim.start_session(
            player=player(),
            media=media(),
            decision=decision,
            bandwidth=bandwidth,
            hardware=names.get("hardware") is True,
        )
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
    _add_library_routes(sim, router)
    _add_player_routes(sim, router)


def _player_id(sim: PMSSimulator, name: str) -> str | None:
    """Return the machineIdentifier of a known player named by sample name or by id."""
    if name in SAMPLE_PLAYERS:
        name = SAMPLE_PLAYERS[name]().machine_identifier
    return name if name in sim.players else None


def _add_player_routes(sim: PMSSimulator, router: web.UrlDispatcher) -> None:  # noqa: C901
    """Serve the /_sim/ routes of players and Plex Pass."""

    async def add_player(request: web.Request) -> web.Response:
        data = await json_body(request)
        name = data.get("player") if isinstance(data, dict) else None
        if name not in SAMPLE_PLAYERS:
            return control_error(
                f'expected {{"player": name}}; players: {", ".join(SAMPLE_PLAYERS)}'
            )
        player = SAMPLE_PLAYERS[name]()
        sim.add_player(player)
        return web.json_response(player_of(sim, player), status=201)

    async def remove_player(request: web.Request) -> web.Response:
        player_id = _player_id(sim, request.match_info["name"])
        if player_id is None:
            return control_error(f"no player {request.match_info['name']!r}", 404)
        sim.remove_player(player_id)
        return web.Response(status=204)

    async def player_switch(request: web.Request) -> web.Response:
        player_id = _player_id(sim, request.match_info["name"])
        if player_id is None:
            return control_error(f"no player {request.match_info['name']!r}", 404)
        switch = request.match_info["switch"]
        field = "accepts" if switch == "controllable" else "unresponsive"
        data = await json_body(request)
        value = data.get(field) if isinstance(data, dict) else None
        if not isinstance(value, bool):
            return control_error(f'expected {{"{field}": true | false}}')
        if switch == "controllable":
            sim.controllable(player_id, accepts=value)
        else:
            sim.unresponsive(player_id, unresponsive=value)
        return web.json_response(player_of(sim, sim.players[player_id]))

    async def plex_pass(request: web.Request) -> web.Response:
        data = await json_body(request)
        enabled = data.get("enabled") if isinstance(data, dict) else None
        if not isinstance(enabled, bool):
            return control_error('expected {"enabled": true | false}')
        sim.plex_pass = enabled
        return web.json_response({"plexPass": enabled})

    router.add_post("/_sim/players", add_player)
    router.add_delete("/_sim/players/{name}", remove_player)
    router.add_post("/_sim/players/{name}/{switch:controllable|unresponsive}", player_switch)
    router.add_post("/_sim/plex_pass", plex_pass)


def _add_library_routes(sim: PMSSimulator, router: web.UrlDispatcher) -> None:  # noqa: C901
    """Serve the /_sim/ routes of the library, the updater and restarts."""

    async def add_items(request: web.Request) -> web.Response:
        data = await json_body(request)
        try:
            arguments = _item_arguments(data if isinstance(data, dict) else {})
            count = int(data.get("count", 1))
            keys = [sim.library.add(**arguments) for _ in range(max(1, count))]
        except (TypeError, ValueError) as err:
            return control_error(str(err))
        except KeyError:
            return control_error(f"no section {data.get('section')!r}", 404)
        sim.announce_added(keys, processed=data.get("processed", True) is not False)
        return web.json_response({"ratingKeys": keys}, status=201)

    async def item_action(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key not in sim.library.items:
            return control_error(f"no item {key!r}", 404)
        if request.method == "DELETE":
            sim.library.remove(key)
        else:
            sim.refresh_item(key)
        return web.json_response({"ratingKey": key})

    async def processed(request: web.Request) -> web.Response:
        data = await json_body(request)
        keys = data.get("ratingKeys") if isinstance(data, dict) else None
        if not isinstance(keys, list) or not all(str(key) in sim.library.items for key in keys):
            return control_error('expected {"ratingKeys": [known rating keys]}')
        sim.finish_processing(str(key) for key in keys)
        return web.json_response({"ratingKeys": [str(key) for key in keys]})

    async def get_library(request: web.Request) -> web.Response:
        return web.json_response(library_of(sim))

    async def update(request: web.Request) -> web.Response:
        if request.method == "DELETE":
            sim.clear_update()
            return web.Response(status=204)
        data = await json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            return control_error('expected {"version": "1.42.1.10060-4e8b05daf", ...}')
        options: dict[str, Any] = {"can_install": bool(data.get("canInstall", False))}
        if isinstance(data.get("notes"), str):
            options["notes"] = data["notes"]
        sim.set_update(data["version"], **options)
        return web.json_response(sim.updater.status("SECRET"), status=201)

    async def restart(request: web.Request) -> web.Response:
        data = await json_body(request)
        version = data.get("version") if isinstance(data, dict) else None
        sim.restart(version if isinstance(version, str) else None)
        return web.json_response({"version": sim.version, "restarts": sim.restarts})

    router.add_post("/_sim/library/items", add_items)
    router.add_post("/_sim/library/items/{key}/refresh", item_action)
    router.add_delete("/_sim/library/items/{key}", item_action)
    router.add_post("/_sim/library/processed", processed)
    router.add_get("/_sim/library", get_library)
    router.add_post("/_sim/update", update)
    router.add_delete("/_sim/update", update)
    router.add_post("/_sim/restart", restart)
