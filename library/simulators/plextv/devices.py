"""plex.tv's list of an account's authorized devices (GET /devices.xml), and revoking one.

The list holds, for the token's account: each of its resources (servers, players), each
client signed in with a pin (one entry a client identifier, however often it signed in), and
each device signed in through sign_in_device(). As plex.tv's does, every entry carries the
device's token and its public address. DELETE /devices/{id}.xml signs the device out: its
tokens stop working and it leaves the list; an unknown id is 404.
"""

import itertools
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from aiohttp import web

from library.simulators.render import xml_text

from .render import error
from .state import TOKEN, SimToken, random_string

if TYPE_CHECKING:
    from .app import PlexTVSimulator

# When the sample's devices signed in and were last seen, in epoch seconds.
CREATED_AT = 1_700_000_000
LAST_SEEN_AT = 1_764_000_000
PUBLIC_ADDRESS = "127.0.0.9"


class Devices:
    """The authorized devices of the simulator's accounts, with stable ids."""

    def __init__(self, sim: PlexTVSimulator) -> None:
        """Keep the simulator, whose resources and tokens make most of the list."""
        self._sim = sim
        self._ids: dict[tuple[str, str], int] = {}
        self._next_id = itertools.count(5_000_001)
        self._signed_in: dict[str, list[dict[str, Any]]] = {}
        self._revoked: set[tuple[str, str]] = set()

    def sign_in(
        self,
        *,
        name: str,
        product: str,
        platform: str,
        client_identifier: str | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        """Sign a device in to an account (default: the current one); return its entry."""
        key = str(self._sim.find_account(account)["uuid"])
        client_identifier = client_identifier or random_string("0123456789abcdef", 24)
        entry = {
            "name": name,
            "product": product,
            "platform": platform,
            "clientIdentifier": client_identifier,
            "provides": "client,player",
            "token": random_string(*TOKEN),
        }
        listed = self._signed_in.setdefault(key, [])
        # Signing in again under the same client identifier replaces the token.
        listed[:] = [d for d in listed if d["clientIdentifier"] != client_identifier]
        listed.append(entry)
        self._revoked.discard((key, client_identifier))
        return self._entry(key, entry)

    def of(self, account_key: str) -> list[dict[str, Any]]:
        """Return an account's devices as plex.tv lists them: tokens and addresses included."""
        entries: dict[str, dict[str, Any]] = {}
        for resource in self._sim.resources_of(account_key):
            entries[resource["clientIdentifier"]] = {
                key: resource.get(source)
                for key, source in (
                    ("name", "name"),
                    ("product", "product"),
                    ("productVersion", "productVersion"),
                    ("platform", "platform"),
                    ("platformVersion", "platformVersion"),
                    ("device", "device"),
                    ("clientIdentifier", "clientIdentifier"),
                    ("provides", "provides"),
                    ("token", "accessToken"),
                )
            }
        for token in self._tokens(account_key):
            entries[token.client_identifier] = {
                "name": token.device_name,
                "product": token.product,
                "platform": token.platform,
                "clientIdentifier": token.client_identifier,
                "provides": "",
                "token": token.token,
            }
        for entry in self._signed_in.get(account_key, []):
            entries[entry["clientIdentifier"]] = entry
        return [
            self._entry(account_key, entry)
            for client_identifier, entry in entries.items()
            if (account_key, client_identifier) not in self._revoked
        ]

    def revoke(self, account_key: str, device_id: int) -> bool:
        """Sign a device of an account out; return False if the account lists no such id."""
        for entry in self.of(account_key):
            if entry["id"] == device_id:
                client_identifier = entry["clientIdentifier"]
                self._revoked.add((account_key, client_identifier))
                for token in self._tokens(account_key):
                    if token.client_identifier == client_identifier:
                        token.revoked = 401
                return True
        return False

    def _tokens(self, account_key: str) -> list[SimToken]:
        return [
            token
            for token in self._sim.tokens.values()
            if token.account_uuid == account_key and token.revoked is None
        ]

    def _entry(self, account_key: str, entry: dict[str, Any]) -> dict[str, Any]:
        identity = (account_key, str(entry["clientIdentifier"]))
        if identity not in self._ids:
            self._ids[identity] = next(self._next_id)
        return {
            "id": self._ids[identity],
            **{key: value for key, value in entry.items() if value is not None},
            "createdAt": CREATED_AT,
            "lastSeenAt": LAST_SEEN_AT,
            "publicAddress": PUBLIC_ADDRESS,
        }


def devices_xml(entries: list[dict[str, Any]]) -> str:
    """Render the list as plex.tv does: a Device element each, with a Connection."""
    root = ET.Element("MediaContainer", size=str(len(entries)), publicAddress=PUBLIC_ADDRESS)
    for entry in entries:
        device = ET.SubElement(root, "Device", {key: str(value) for key, value in entry.items()})
        ET.SubElement(device, "Connection", uri=f"http://{PUBLIC_ADDRESS}:32400")
    return xml_text(root)


def add_device_routes(sim: PlexTVSimulator) -> None:
    """Serve GET /devices.xml and DELETE /devices/{id}.xml on plex.tv's port."""

    async def listing(request: web.Request, record: SimToken) -> web.Response:
        text = devices_xml(sim.devices.of(record.account_uuid))
        return web.Response(text=text, content_type="application/xml")

    async def revoke(request: web.Request, record: SimToken) -> web.Response:
        device_id = request.match_info["device_id"]
        if not device_id.isdigit() or not sim.devices.revoke(record.account_uuid, int(device_id)):
            return error(request, 404, code=1050, message="Device not found")
        return web.Response(status=200)

    sim.app.router.add_get("/devices.xml", sim.signed_in(listing))
    sim.app.router.add_delete("/devices/{device_id}.xml", sim.signed_in(revoke))
