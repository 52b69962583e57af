"""JSON control interface under /_sim/ on plex.tv's port, for runs that drive it from outside.

Requests to these routes are neither logged nor faulted. `?account=` (and "account") names an
account by uuid, username or id (default: the current one); an unknown account, pin, token or
catalogue item is 404, a body of the wrong shape 400.

- POST /_sim/approve {"code": "AB12", "account": name or object}: approve a pending pin
  (for the current account by default); answers {"token": ...}.
- POST /_sim/revoke {"token": ..., "status": 401 or 422}: later calls with it get that status.
- PUT /_sim/account {...}: replace the current account (the /api/v2/user answer).
- PUT /_sim/resources?account= [...]: replace an account's /api/v2/resources answer.
- GET, PUT (a list of ratingKeys, newest first) /_sim/watchlist?account=: read, replace a
  watchlist.
- GET /_sim/user_state/{ratingKey}?account=: what the metadata host says of an item.
- POST /_sim/devices?account= {"name": ..., "product", "platform", "client_identifier"}: sign a
  new device in (or one again); answers its entry in /devices.xml, token included.
- POST /_sim/faults {"path": ..., "status", "delay", "body", "drop", "count", "headers",
  "method", "host"}, DELETE /_sim/faults: give the next matching requests a fault (see
  Simulator.add_fault; host is "plex.tv", "discover" or "metadata"), remove every fault.
- GET, DELETE /_sim/requests: read, clear the request log of the three hosts.
- GET /_sim/state: the URLs, pins, tokens and sign-outs.
"""

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from library.simulators.common import add_fault_and_log_routes, control_error, json_body

if TYPE_CHECKING:
    from .app import PlexTVSimulator

type Check = Callable[[Any], bool]
type Action = Callable[[web.Request, Any], object]
"""What a control route does with its request and JSON body; it returns the JSON answer."""


def _has(key: str) -> Check:
    return lambda data: isinstance(data, dict) and isinstance(data.get(key), str)


def _list_of(kind: type) -> Check:
    return lambda data: isinstance(data, list) and all(isinstance(item, kind) for item in data)


def _any(_data: object) -> bool:
    return True


def _serve(
    check: Check, expected: str, action: Action
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Return a handler that checks the body, then answers action's result (KeyError: 404)."""

    async def handler(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not check(data):
            return control_error(f"expected {expected}")
        try:
            return web.json_response(action(request, data))
        except KeyError as err:
            return control_error(f"not found: {err}", 404)
        except ValueError as err:
            return control_error(str(err))

    return handler


def _state(sim: PlexTVSimulator) -> dict[str, Any]:
    now = sim.clock()
    pins = [
        {
            "id": pin.id,
            "code": pin.code,
            "approved": pin.auth_token is not None,
            "authToken": pin.auth_token,
            "expired": pin.expired(now),
        }
        for pin in sim.pins.values()
    ]
    return {
        "url": sim._urls.get("plex.tv"),
        "discover_url": sim._urls.get("discover"),
        "metadata_url": sim._urls.get("metadata"),
        "pins": pins,
        "tokens": [asdict(token) for token in sim.tokens.values()],
        "signed_out": list(sim.signed_out),
    }


def add_control_routes(sim: PlexTVSimulator) -> None:
    """Serve the /_sim/ control routes for sim."""

    def account(request: web.Request) -> str | None:
        return request.query.get("account")

    def revoke(request: web.Request, data: dict[str, Any]) -> object:
        sim.revoke(data["token"], status=int(data.get("status", 401)))
        return {"revoked": data["token"]}

    def put_account(request: web.Request, data: dict[str, Any]) -> object:
        sim.set_account(data)
        return sim.account

    def put_resources(request: web.Request, data: list[dict[str, Any]]) -> object:
        sim.set_resources(data, account(request))
        return sim.resources_of(account(request))

    def put_watchlist(request: web.Request, data: list[str]) -> object:
        sim.set_watchlist(data, account(request))
        return sim.watchlist_of(account(request))

    def approve(request: web.Request, data: dict[str, Any]) -> object:
        return {"token": sim.approve(data["code"], data.get("account"))}

    def user_state(request: web.Request, data: object) -> object:
        return sim.user_state_of(request.match_info["rating_key"], account(request))

    def sign_in_device(request: web.Request, data: dict[str, Any]) -> object:
        fields = {"product", "platform", "client_identifier"} & data.keys()
        return sim.sign_in_device(
            name=data["name"], account=account(request), **{key: data[key] for key in fields}
        )

    routes: list[tuple[str, str, Check, str, Action]] = [
        ("POST", "/_sim/approve", _has("code"), '{"code": "..."}', approve),
        ("POST", "/_sim/revoke", _has("token"), '{"token": "...", "status": 401}', revoke),
        ("PUT", "/_sim/account", _has("uuid"), "an account object", put_account),
        ("PUT", "/_sim/resources", _list_of(dict), "a list of resources", put_resources),
        ("GET", "/_sim/watchlist", _any, "", lambda request, _: sim.watchlist_of(account(request))),
        ("PUT", "/_sim/watchlist", _list_of(str), "a list of ratingKeys", put_watchlist),
        ("GET", "/_sim/user_state/{rating_key}", _any, "", user_state),
        ("POST", "/_sim/devices", _has("name"), '{"name": "..."}', sign_in_device),
        ("GET", "/_sim/state", _any, "", lambda _request, _data: _state(sim)),
    ]
    for method, path, check, expected, action in routes:
        sim.app.router.add_route(method, path, _serve(check, expected, action))
    add_fault_and_log_routes(sim.app.router, sim)
