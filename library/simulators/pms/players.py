"""The players a server knows, the commands it passes on to them, play queues and terminate.

Routes (each needs the token, as every route but /identity):

- GET /clients: the players the server knows that are online, as `Server` elements with
  their protocolCapabilities; a player takes remote control when they include `playback`.
- GET|POST /player/playback/{play|pause|stop|skipNext|skipPrevious|stepForward|stepBack|
  seekTo|setParameters|setStreams|playMedia|createPlayQueue|refreshPlayQueue} and
  /player/timeline/poll (also timeline/subscribe, unsubscribe, navigation/*, mirror/*, which
  change nothing): passed on to the player X-Plex-Target-Client-Identifier (header or query)
  names. Each is recorded in sim.commands, whatever its fate. Answers:
  - 200 `<Response code="200" status="OK"/>` (XML): done; poll answers the player's
    Timelines (JSON when asked, XML otherwise).
  - 400 (HTML page): no target header; a poll without commandID; a command's parameters
    wrong (seekTo without offset, volume outside 0-100, playMedia without key...).
  - 404 (HTML page): the server knows no such player (not in /clients); playMedia's item
    or play queue unknown; a command players do not have.
  - 500 `<Response code="500" status="..."/>`: the player refuses remote control (its
    capabilities lack `playback`, as Plex Web's), as a server answers when it cannot pass
    a command on.
  - sim.unresponsive(player): the request hangs sim.command_timeout seconds on the
    simulator's clock (20 s by default: a client's own timeout usually fires first; 0
    answers at once), then 504 `<Response code="504" status="..."/>`; the player does
    nothing. stop() ends a request still held.
  X-Plex-Client-Identifier is recorded with the request log but not required. A player
  obeys on its newest session; with none, a command changes nothing (200), but playMedia
  and createPlayQueue, which start one (ending what it played: a new sessionKey).
  stepForward is +30 s, stepBack -15 s; skipNext plays the queue's next item in the same
  session (after the last it stops, unless repeat=2), skipPrevious the one before (at the
  first: back to its start); setParameters sets volume (player.volume), repeat, shuffle.
- POST /playQueues?type=&uri=|playlistID=&key=&shuffle=&repeat=&continuous=, GET
  /playQueues/{id}?window=, PUT /playQueues/{id}?uri=|playlistID=&next=1: see queues.py;
  400 when wrong, 404 when what they name does not exist.
- GET /playlists, GET /playlists/{id}/items: the sample playlists (queues.PLAYLISTS).
- GET|POST /status/sessions/terminate?sessionId=&reason=: 200 and the session ends; 401
  "Server does not have the feature enabled" when sim.plex_pass is False; 403 without a
  sessionId; 404 when no session has that Session.id.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NamedTuple
from xml.etree import ElementTree as ET

from aiohttp import web

from library.simulators.render import xml_text

from .queues import QueueError, playlist_items, playlists_json
from .render import TOKEN, error_page, media_container
from .routes import paged
from .sample import Player
from .state import PLAYING, SimSession

if TYPE_CHECKING:
    from .app import PMSSimulator

TARGET = "X-Plex-Target-Client-Identifier"
STEP_FORWARD_MS = 30_000
STEP_BACK_MS = 15_000
CONTROLLABLE = (
    "playPause,stop,volume,shuffle,repeat,seekTo,skipPrevious,skipNext,stepBack,stepForward"
)
"""What a Timeline of a playing player says it can be told to do."""
TIMELINE_TYPES = ("music", "photo", "video")
LOCATIONS = {"music": "fullScreenMusic", "photo": "fullScreenPhoto", "video": "fullScreenVideo"}
QUIET = frozenset(
    {"timeline/subscribe", "timeline/unsubscribe", "playback/setStreams", "mirror/details"}
)
"""Commands a player takes that change nothing here."""
REFUSED = "The player does not accept remote control"
NO_ANSWER = "The player did not answer"


class Command(NamedTuple):
    """A command a client sent a player through the server."""

    player: str
    """The target's machineIdentifier ("" when the request named none)."""
    command: str
    """The path after /player/: playback/pause, timeline/poll..."""
    query: dict[str, str]
    """The query, without X-Plex-Token."""
    command_id: int | None
    """commandID, if it was an integer."""


class CommandError(Exception):
    """A command the player cannot carry out: answered with status and message."""

    def __init__(self, status: int, message: str) -> None:
        """Say what to answer."""
        super().__init__(message)
        self.status = status


def response(status: int = 200, message: str = "OK") -> web.Response:
    """Answer as a player does: <Response code=... status=.../>."""
    root = ET.Element("Response", {"code": str(status), "status": message})
    return web.Response(status=status, text=xml_text(root), content_type="application/xml")


def _integer(query: dict[str, str], name: str, default: int | None = None) -> int:
    raw = query.get(name)
    if raw is None:
        if default is None:
            raise CommandError(400, f"{name} is required")
        return default
    try:
        return int(raw)
    except ValueError:
        raise CommandError(400, f"{name} must be an integer") from None


def _flag(query: dict[str, str], name: str) -> bool:
    return _integer(query, name, 0) != 0


type Query = dict[str, str]
type Handler = Callable[[PMSSimulator, Player, SimSession | None, Query], None]


def _play(sim: PMSSimulator, player: Player, session: SimSession | None, query: Query) -> None:
    if session is not None and session.state != PLAYING:
        sim.resume(session.session_key)


def _pause(sim: PMSSimulator, player: Player, session: SimSession | None, query: Query) -> None:
    if session is not None and session.state == PLAYING:
        sim.pause(session.session_key)


def _stop(sim: PMSSimulator, player: Player, session: SimSession | None, query: Query) -> None:
    if session is not None:
        sim.stop_session(session.session_key)


def _seek_to(sim: PMSSimulator, player: Player, session: SimSession | None, query: Query) -> None:
    offset = _integer(query, "offset")
    if session is not None:
        sim.seek(session.session_key, offset)


def _stepper(delta: int) -> Handler:
    def step(sim: PMSSimulator, player: Player, session: SimSession | None, query: Query) -> None:
        if session is not None:
            now = session.view_offset(sim.clock())
            sim.seek(session.session_key, now + delta)

    return step


def _skip_next(sim: PMSSimulator, player: Player, session: SimSession | None, query: Query) -> None:
    if session is not None:
        sim.skip_next(session.session_key)


def _skip_previous(
    sim: PMSSimulator, player: Player, session: SimSession | None, query: Query
) -> None:
    if session is not None:
        sim.skip_previous(session.session_key)


def _set_parameters(
    sim: PMSSimulator, player: Player, session: SimSession | None, query: Query
) -> None:
    volume = _integer(query, "volume", player.volume)
    if not 0 <= volume <= 100:
        raise CommandError(400, "volume must be from 0 to 100")
    repeat = _integer(query, "repeat", 0) if "repeat" in query else None
    if repeat is not None and repeat not in {0, 1, 2}:
        raise CommandError(400, "repeat must be 0, 1 or 2")
    shuffle = _flag(query, "shuffle") if "shuffle" in query else None
    player.volume = volume
    queue = session.play_queue if session is not None else None
    if queue is not None:
        queue.repeat = queue.repeat if repeat is None else repeat
        queue.shuffled = queue.shuffled if shuffle is None else shuffle


def _play_media(
    sim: PMSSimulator, player: Player, session: SimSession | None, query: Query
) -> None:
    key = query.get("key", "")
    if not key.startswith("/library/metadata/"):
        raise CommandError(400, "key must be /library/metadata/{ratingKey}")
    server = query.get("machineIdentifier")
    if server is not None and server != sim.machine_identifier:
        raise CommandError(400, "machineIdentifier names another server")
    queue = None
    if container := query.get("containerKey"):
        path = container.partition("?")[0]
        if not path.startswith("/playQueues/"):
            raise CommandError(400, "containerKey must be /playQueues/{id}")
        try:
            queue = sim.play_queue(path.removeprefix("/playQueues/"))
        except QueueError as err:
            raise CommandError(404, str(err)) from None
    rating_key = key.removeprefix("/library/metadata/").partition("/")[0]
    if rating_key not in sim.library.items:
        raise CommandError(404, f"no item {rating_key}")
    offset = _integer(query, "offset", 0)
    try:
        sim.play_media(
            player.machine_identifier,
            rating_key,
            offset_ms=offset,
            play_queue=queue,
            paused=_flag(query, "paused"),
        )
    except ValueError as err:  # the queue does not hold the item
        raise CommandError(400, str(err)) from None


def _create_play_queue(
    sim: PMSSimulator, player: Player, session: SimSession | None, query: Query
) -> None:
    kind = query.get("type", "")
    kind = "audio" if kind == "music" else kind
    try:
        queue = sim.create_play_queue(
            kind,
            uri=query.get("uri"),
            playlist=query.get("playlistID"),
            key=query.get("key"),
            shuffle=_flag(query, "shuffle"),
            repeat=_integer(query, "repeat", 0),
            continuous=_flag(query, "continuous"),
        )
    except QueueError as err:
        raise CommandError(404 if err.missing else 400, str(err)) from None
    selected = queue.selected_item
    if selected is None:  # pragma: no cover - a queue is never built empty
        return
    sim.play_media(
        player.machine_identifier,
        selected.rating_key,
        offset_ms=_integer(query, "offset", 0),
        play_queue=queue,
        paused=_flag(query, "paused"),
    )


def _refresh_play_queue(
    sim: PMSSimulator, player: Player, session: SimSession | None, query: Query
) -> None:
    try:
        queue = sim.play_queue(query.get("playQueueID", ""))
    except QueueError as err:
        raise CommandError(404, str(err)) from None
    if session is not None and session.play_queue is None:
        session.play_queue = queue


PLAYBACK: dict[str, Handler] = {
    "play": _play,
    "pause": _pause,
    "stop": _stop,
    "seekTo": _seek_to,
    "stepForward": _stepper(STEP_FORWARD_MS),
    "stepBack": _stepper(-STEP_BACK_MS),
    "skipNext": _skip_next,
    "skipPrevious": _skip_previous,
    "setParameters": _set_parameters,
    "playMedia": _play_media,
    "createPlayQueue": _create_play_queue,
    "refreshPlayQueue": _refresh_play_queue,
}


def timeline(sim: PMSSimulator, player: Player, command_id: int | None) -> dict[str, Any]:
    """Return the MediaContainer of a player's /player/timeline/poll answer."""
    session = sim.player_session(player.machine_identifier)
    active = None
    if session is not None:
        active = {"track": "music", "photo": "photo"}.get(session.media.type, "video")
    timelines = []
    for kind in TIMELINE_TYPES:
        entry: dict[str, Any] = {"type": kind, "state": "stopped", "time": 0}
        if session is not None and kind == active:
            queue = session.play_queue
            entry |= {
                "state": session.state,
                "time": session.view_offset(sim.clock()),
                "duration": session.media.duration,
                "ratingKey": session.media.rating_key,
                "key": f"/library/metadata/{session.media.rating_key}",
                "playQueueItemID": session.play_queue_item_id,
                "machineIdentifier": sim.machine_identifier,
                "providerIdentifier": "com.plexapp.plugins.library",
                "address": sim.host,
                "port": sim.port,
                "protocol": "http",
                "controllable": CONTROLLABLE,
                "shuffle": int(queue.shuffled) if queue else 0,
                "repeat": queue.repeat if queue else 0,
            }
            if queue is not None:
                entry |= {
                    "playQueueID": queue.id,
                    "playQueueVersion": queue.version,
                    "containerKey": f"/playQueues/{queue.id}",
                }
        entry["volume"] = player.volume
        timelines.append(entry)
    return {
        "size": len(timelines),
        "commandID": command_id,
        "location": LOCATIONS[active] if active else "navigation",
        "machineIdentifier": player.machine_identifier,
        "Timeline": timelines,
    }


def add_player_routes(sim: PMSSimulator, app: web.Application) -> None:  # noqa: C901
    """Serve /clients, /player/..., /playQueues, /playlists and terminate for sim."""

    async def clients(request: web.Request) -> web.Response:
        online = [player.client_json() for player in sim.players.values()]
        return media_container(request, {"size": len(online), "Server": online})

    async def command(request: web.Request) -> web.Response:  # noqa: PLR0911
        name = request.match_info["command"]
        query = {key: value for key, value in request.query.items() if key != TOKEN}
        target = request.headers.get(TARGET) or request.query.get(TARGET) or ""
        raw_id = request.query.get("commandID")
        command_id = int(raw_id) if raw_id is not None and raw_id.isdigit() else None
        sim.commands.append(Command(target, name, query, command_id))
        if not target:
            return error_page(400)
        player = sim.players.get(target)
        if player is None:
            return error_page(404)
        if target in sim.unresponsive_players:
            if sim.command_timeout > 0:
                await _hang(sim, sim.clock_sleep(sim.command_timeout))
            return response(504, NO_ANSWER)
        if not player.accepts_control:
            return response(500, REFUSED)
        if name == "timeline/poll":
            if command_id is None:
                return error_page(400)
            return media_container(request, timeline(sim, player, command_id))
        kind, _, action = name.partition("/")
        handler = PLAYBACK.get(action) if kind == "playback" else None
        if handler is None:
            quiet = name in QUIET or kind in {"navigation", "mirror"}
            return response() if quiet else error_page(404)
        try:
            handler(sim, player, sim.player_session(target), query)
        except CommandError as err:
            return error_page(err.status)
        return response()

    async def terminate(request: web.Request) -> web.Response:
        if not sim.plex_pass:
            return web.Response(status=401, text="Server does not have the feature enabled")
        session_id = request.query.get("sessionId", "")
        if not session_id:
            return error_page(403)
        if not sim.terminate(session_id, request.query.get("reason", "")):
            return error_page(404)
        return web.Response(status=200)

    router = app.router
    router.add_get("/clients", clients)
    for method in ("GET", "POST"):
        router.add_route(method, "/player/{command:.+}", command)
        router.add_route(method, "/status/sessions/terminate", terminate)
    _add_queue_routes(sim, router)


def _add_queue_routes(sim: PMSSimulator, router: web.UrlDispatcher) -> None:  # noqa: C901
    """Serve /playQueues and /playlists for sim."""

    async def create_queue(request: web.Request) -> web.Response:
        query = request.query
        try:
            queue = sim.create_play_queue(
                query.get("type", ""),
                uri=query.get("uri"),
                playlist=query.get("playlistID"),
                key=query.get("key"),
                shuffle=_flag(dict(query), "shuffle"),
                repeat=_integer(dict(query), "repeat", 0),
                continuous=_flag(dict(query), "continuous"),
            )
        except QueueError as err:
            return error_page(404 if err.missing else 400)
        except CommandError as err:
            return error_page(err.status)
        return media_container(request, queue.as_json(sim.library))

    async def get_queue(request: web.Request) -> web.Response:
        try:
            queue = sim.play_queue(request.match_info["id"])
            window = _integer(dict(request.query), "window", 50)
        except QueueError:
            return error_page(404)
        except CommandError:
            return error_page(400)
        return media_container(request, queue.as_json(sim.library, max(0, window)))

    async def add_to_queue(request: web.Request) -> web.Response:
        query = request.query
        try:
            queue = sim.add_to_play_queue(
                request.match_info["id"],
                uri=query.get("uri"),
                playlist=query.get("playlistID"),
                up_next=query.get("next") == "1",
            )
        except QueueError as err:
            return error_page(404 if err.missing else 400)
        return media_container(request, queue.as_json(sim.library))

    async def playlists(request: web.Request) -> web.Response:
        found = playlists_json(sim.library)
        return media_container(request, {"size": len(found), "Metadata": found})

    async def playlist(request: web.Request) -> web.Response:
        try:
            items = playlist_items(sim.library, request.match_info["id"])
        except KeyError:
            return error_page(404)
        return paged(request, items)

    router.add_post("/playQueues", create_queue)
    router.add_get("/playQueues/{id}", get_queue)
    router.add_put("/playQueues/{id}", add_to_queue)
    router.add_get("/playlists", playlists)
    router.add_get("/playlists/{id}/items", playlist)


async def _hang(sim: PMSSimulator, wait: Awaitable[None]) -> None:
    """Wait, as a request held for a player that does not answer; stop() cancels it."""
    task = asyncio.current_task()
    if task is None:  # pragma: no cover - a request always runs in a task
        await wait
        return
    sim._delayed.add(task)
    try:
        await wait
    finally:
        sim._delayed.discard(task)
