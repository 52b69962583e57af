"""JSON control interface under /_sim/ on plex.tv's port, for runs that drive it from outside.

Requests to these routes are neither logged nor faulted. `?account=` names an account by
uuid, username or id (default: the current one); an unknown account or catalogue item is 404.

- POST /_sim/approve {"code": "AB12", "account": name or object}: approve a pending pin
  (as the current account by default); answers {"token": ...}.
- POST /_sim/revoke {"token": ..., "status": 401 or 422}: later calls with it get that status.
- PUT /_sim/account {...}: replace the current account (the /api/v2/user answer).
- PUT /_sim/resources?account= [...]: replace an account's /api/v2/resources answer.
- GET, PUT (a list of ratingKeys, newest first), POST {"ratingKey": ...} /_sim/watchlist?account=
  and DELETE /_sim/watchlist/{ratingKey}?account=: read and change a watchlist.
- GET /_sim/user_state/{ratingKey}?account=: what the metadata host says of an item.
- GET /_sim/catalogue, POST /_sim/catalogue [...]: read the catalogue, add items to it.
- POST /_sim/faults {"path": ..., "status", "delay", "body", "drop", "count", "headers",
  "method", "host"}, DELETE /_sim/faults: give the next matching requests a fault (see
  Simulator.add_fault; host is "plex.tv", "discover" or "metadata"), remove every fault.
- GET, DELETE /_sim/requests: read, clear the request log of the three hosts.
- GET /_sim/state: the URLs, pins, tokens, accounts, sign-outs and faults.
"""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.typedefs import Handler

from library.simulators.common import add_fault_and_log_routes, control_error, json_body

if TYPE_CHECKING:
    from .app import PlexTVSimulator

type AccountRoute = Callable[[web.Request, str | None], Awaitable[web.Response]]


def _state(sim: PlexTVSimulator) -> dict[str, Any]:
    now = sim.clock()
    return {
        "url": sim._urls.get("plex.tv"),
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
        "faults": [fault.as_json() for fault in sim.faults],
    }


def _list_of(data: object, kind: type) -> bool:
    return isinstance(data, list) and all(isinstance(item, kind) for item in data)


def add_control_routes(sim: PlexTVSimulator) -> None:  # noqa: C901, PLR0915 - one closure per route
    """Serve the /_sim/ control routes for sim."""

    def for_account(route: AccountRoute) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            account = request.query.get("account")
            try:
                sim.find_account(account)
            except KeyError:
                return control_error("no account has this name", 404)
            try:
                return await route(request, account)
            except KeyError as err:
                return control_error(f"the catalogue has no item {err.args[0]!r}", 404)

        return handler

    async def approve(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("code"), str):
            return control_error('expected {"code": "..."}')
        account = data.get("account")
        if account is not None and not isinstance(account, dict | str):
            return control_error("account must be an object, a uuid or a username")
        if isinstance(account, str):
            try:
                sim.find_account(account)
            except KeyError:
                return control_error("no account has this name", 404)
        try:
            token = sim.approve(data["code"], account)
        except KeyError:
            return control_error("no pending pin has this code", 404)
        return web.json_response({"token": token})

    async def revoke(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            return control_error('expected {"token": "...", "status": 401}')
        try:
            sim.revoke(data["token"], status=int(data.get("status", 401)))
        except KeyError:
            return control_error("unknown token", 404)
        except ValueError as err:
            return control_error(str(err))
        return web.json_response({"revoked": data["token"]})

    async def put_account(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict):
            return control_error("expected an account object")
        sim.set_account(data)
        return web.json_response(sim.account)

    async def put_resources(request: web.Request, account: str | None) -> web.Response:
        data = await json_body(request)
        if not _list_of(data, dict):
            return control_error("expected a list of resource objects")
        sim.set_resources(data, account)
        return web.json_response(sim.resources_of(account))

    async def get_watchlist(request: web.Request, account: str | None) -> web.Response:
        return web.json_response(sim.watchlist_of(account))

    async def put_watchlist(request: web.Request, account: str | None) -> web.Response:
        data = await json_body(request)
        if not _list_of(data, str):
            return control_error("expected a list of ratingKeys, newest first")
        sim.set_watchlist(data, account)
        return web.json_response(sim.watchlist_of(account))

    async def post_watchlist(request: web.Request, account: str | None) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("ratingKey"), str):
            return control_error('expected {"ratingKey": "..."}')
        added = sim.add_to_watchlist(data["ratingKey"], account)
        return web.json_response(sim.watchlist_of(account), status=201 if added else 200)

    async def delete_watchlist_item(request: web.Request, account: str | None) -> web.Response:
        sim.remove_from_watchlist(request.match_info["rating_key"], account)
        return web.json_response(sim.watchlist_of(account))

    async def get_user_state(request: web.Request, account: str | None) -> web.Response:
        return web.json_response(sim.user_state_of(request.match_info["rating_key"], account))

    async def get_catalogue(request: web.Request) -> web.Response:
        catalogue = sim.library.catalogue.items()
        popularity = sim.library.popularity
        return web.json_response(
            [item | {"popularity": popularity[key]} for key, item in catalogue]
        )

    async def post_catalogue(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not _list_of(data, dict):
            return control_error("expected a list of Metadata objects")
        try:
            sim.library.add_items(data)
        except ValueError as err:
            return control_error(str(err))
        return web.json_response({"items": len(sim.library.catalogue)}, status=201)

    async def get_state(request: web.Request) -> web.Response:
        return web.json_response(_state(sim))

    router = sim.app.router
    router.add_post("/_sim/approve", approve)
    router.add_post("/_sim/revoke", revoke)
    router.add_put("/_sim/account", put_account)
    router.add_put("/_sim/resources", for_account(put_resources))
    router.add_get("/_sim/watchlist", for_account(get_watchlist))
    router.add_put("/_sim/watchlist", for_account(put_watchlist))
    router.add_post("/_sim/watchlist", for_account(post_watchlist))
    router.add_delete("/_sim/watchlist/{rating_key}", for_account(delete_watchlist_item))
    router.add_get("/_sim/user_state/{rating_key}", for_account(get_user_state))
    router.add_get("/_sim/catalogue", get_catalogue)
    router.add_post("/_sim/catalogue", post_catalogue)
    add_fault_and_log_routes(router, sim)
    router.add_get("/_sim/state", get_state)
