"""JSON control interface under /_sim/, for runs that drive the simulator from outside."""

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from .state import Fault, RecordedRequest

if TYPE_CHECKING:
    from .app import PlexTVSimulator

_FAULT_FIELDS = {"path", "status", "delay", "body", "drop", "count", "headers", "method", "host"}


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def _json_body(request: web.Request) -> Any:  # noqa: ANN401 - any JSON value
    try:
        return await request.json()
    except json.JSONDecodeError as err:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"invalid JSON: {err}"}), content_type="application/json"
        ) from err


class FaultsAndLog(Protocol):
    """What a simulator offers the fault and request-log routes."""

    faults: list[Fault]
    requests: list[RecordedRequest]

    @property
    def add_fault(self) -> Callable[..., None]:
        """Give the next matching requests a fault (keyword fields as the JSON names them)."""

    def clear_faults(self) -> None:
        """Remove every pending fault."""


def add_fault_and_log_routes(
    router: web.UrlDispatcher, sim: FaultsAndLog, fault_fields: set[str]
) -> None:
    """Serve /_sim/faults (POST, DELETE) and /_sim/requests (GET, DELETE) for a simulator."""

    async def add_fault(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("path"), str):
            return _bad_request('expected {"path": "...", ...}')
        if unknown := set(data) - fault_fields:
            return _bad_request(f"unknown fields: {', '.join(sorted(unknown))}")
        fields = {key: value for key, value in data.items() if value is not None}
        try:
            sim.add_fault(**fields)
        except (TypeError, ValueError) as err:
            return _bad_request(str(err))
        return web.json_response({"faults": len(sim.faults)}, status=201)

    async def clear_faults(request: web.Request) -> web.Response:
        sim.clear_faults()
        return web.Response(status=204)

    async def get_requests(request: web.Request) -> web.Response:
        return web.json_response([recorded.as_json() for recorded in sim.requests])

    async def clear_requests(request: web.Request) -> web.Response:
        sim.requests.clear()
        return web.Response(status=204)

    router.add_post("/_sim/faults", add_fault)
    router.add_delete("/_sim/faults", clear_faults)
    router.add_get("/_sim/requests", get_requests)
    router.add_delete("/_sim/requests", clear_requests)


def _state(sim: PlexTVSimulator) -> dict[str, Any]:
    now = sim.clock()
    return {
        "url": sim.url if sim._url else None,
        "discover_url": sim._urls.get("discover"),
        "metadata_url": sim._urls.get("metadata"),
        "pins": [
            {
                "id": pin.id,
                "code": pin.code,
                "strong": pin.strong,
                "product": pin.product,
                "clientIdentifier": pin.client_identifier,
                "approved": pin.auth_token is not None,
                "authToken": pin.auth_token,
                "expired": pin.expired(now),
                "expiresIn": round(pin.seconds_left(now), 3),
            }
            for pin in sim.pins.values()
        ],
        "tokens": [
            {
                "token": token.token,
                "clientIdentifier": token.client_identifier,
                "accountUuid": token.account_uuid,
                "revoked": token.revoked is not None,
                "revokedStatus": token.revoked,
            }
            for token in sim.tokens.values()
        ],
        "accounts": [
            {
                "uuid": account.get("uuid"),
                "username": account.get("username"),
                "current": account is sim.account,
            }
            for account in sim.accounts.values()
        ],
        "signed_out": list(sim.signed_out),
        "faults": [
            {
                "path": fault.path,
                "method": fault.method,
                "host": fault.host,
                "status": fault.status,
                "delay": fault.delay,
                "drop": fault.drop,
                "count": fault.count,
            }
            for fault in sim.faults
        ],
    }


def add_control_routes(sim: PlexTVSimulator) -> None:  # noqa: C901, PLR0915 - one closure per route
    """Serve the /_sim/ control routes for sim."""

    async def approve(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("code"), str):
            return _bad_request('expected {"code": "..."}')
        account = data.get("account")
        if account is not None and not isinstance(account, dict | str):
            return _bad_request("account must be an object, a uuid or a username")
        if isinstance(account, str):
            try:
                sim.find_account(account)
            except KeyError:
                return web.json_response({"error": "no account has this name"}, status=404)
        try:
            token = sim.approve(data["code"], account)
        except KeyError:
            return web.json_response({"error": "no pending pin has this code"}, status=404)
        return web.json_response({"token": token})

    async def revoke(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            return _bad_request('expected {"token": "...", "status": 401}')
        try:
            sim.revoke(data["token"], status=int(data.get("status", 401)))
        except KeyError:
            return web.json_response({"error": "unknown token"}, status=404)
        except ValueError as err:
            return _bad_request(str(err))
        return web.json_response({"revoked": data["token"]})

    async def put_account(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict):
            return _bad_request("expected an account object")
        sim.set_account(data)
        return web.json_response(sim.account)

    async def put_resources(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            return _bad_request("expected a list of resource objects")
        account = request.query.get("account")
        try:
            sim.set_resources(data, account)
        except KeyError:
            return web.json_response({"error": "no account has this name"}, status=404)
        return web.json_response(sim.resources_of(account))

    async def get_state(request: web.Request) -> web.Response:
        return web.json_response(_state(sim))

    def no_account() -> web.Response:
        return web.json_response({"error": "no account has this name"}, status=404)

    def no_item(rating_key: object) -> web.Response:
        return web.json_response({"error": f"the catalogue has no item {rating_key!r}"}, status=404)

    async def get_watchlist(request: web.Request) -> web.Response:
        try:
            return web.json_response(sim.watchlist_of(request.query.get("account")))
        except KeyError:
            return no_account()

    async def put_watchlist(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, list) or not all(isinstance(key, str) for key in data):
            return _bad_request("expected a list of ratingKeys, newest first")
        account = request.query.get("account")
        try:
            sim.find_account(account)
        except KeyError:
            return no_account()
        if unknown := [key for key in data if key not in sim.library.catalogue]:
            return no_item(unknown[0])
        sim.set_watchlist(data, account)
        return web.json_response(sim.watchlist_of(account))

    async def post_watchlist(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("ratingKey"), str):
            return _bad_request('expected {"ratingKey": "..."}')
        account = request.query.get("account")
        try:
            sim.find_account(account)
        except KeyError:
            return no_account()
        try:
            added = sim.add_to_watchlist(data["ratingKey"], account)
        except KeyError:
            return no_item(data["ratingKey"])
        return web.json_response(sim.watchlist_of(account), status=201 if added else 200)

    async def delete_watchlist_item(request: web.Request) -> web.Response:
        account = request.query.get("account")
        rating_key = request.match_info["rating_key"]
        try:
            sim.find_account(account)
        except KeyError:
            return no_account()
        try:
            sim.remove_from_watchlist(rating_key, account)
        except KeyError:
            return no_item(rating_key)
        return web.json_response(sim.watchlist_of(account))

    async def get_user_state(request: web.Request) -> web.Response:
        account = request.query.get("account")
        rating_key = request.match_info["rating_key"]
        try:
            sim.find_account(account)
        except KeyError:
            return no_account()
        try:
            return web.json_response(sim.user_state_of(rating_key, account))
        except KeyError:
            return no_item(rating_key)

    async def get_catalogue(request: web.Request) -> web.Response:
        return web.json_response(
            [
                item | {"popularity": sim.library.popularity[key]}
                for key, item in sim.library.catalogue.items()
            ]
        )

    async def post_catalogue(request: web.Request) -> web.Response:
        data = await _json_body(request)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            return _bad_request("expected a list of Metadata objects")
        try:
            sim.library.add_items(data)
        except ValueError as err:
            return _bad_request(str(err))
        return web.json_response({"items": len(sim.library.catalogue)}, status=201)

    router = sim.app.router
    router.add_post("/_sim/approve", approve)
    router.add_post("/_sim/revoke", revoke)
    router.add_put("/_sim/account", put_account)
    router.add_put("/_sim/resources", put_resources)
    add_fault_and_log_routes(router, sim, _FAULT_FIELDS)
    router.add_get("/_sim/state", get_state)
    router.add_get("/_sim/watchlist", get_watchlist)
    router.add_put("/_sim/watchlist", put_watchlist)
    router.add_post("/_sim/watchlist", post_watchlist)
    router.add_delete("/_sim/watchlist/{rating_key}", delete_watchlist_item)
    router.add_get("/_sim/user_state/{rating_key}", get_user_state)
    router.add_get("/_sim/catalogue", get_catalogue)
    router.add_post("/_sim/catalogue", post_catalogue)
