"""Builders shared by the library's tests: an identity, and answers in Plex's JSON shapes."""

from typing import Any
from urllib.parse import urlsplit

from aioplexaccount import Connection, PlexIdentity, Resource

CLIENT_ID = "0b8a1b9e-3c3f-4b7e-9d55-3f0c8f1d2a10"
# Thousands of digits: more than any count, id or time of Plex's, and past Python's own limit
# on turning text into an int (4,300 digits), which raises ValueError.
GIANT = "9" * 5000

type JSON = dict[str, Any]


def build_identity(client_identifier: str = CLIENT_ID, **changes: str) -> PlexIdentity:
    """Return the identity a client sends, with the given fields changed."""
    fields = {
        "client_identifier": client_identifier,
        "client_name": "Home Assistant",
        "device_name": "Küche",
        "client_version": "0.1.0",
        "client_platform": "Home Assistant",
    }
    return PlexIdentity(**(fields | changes))


# plex.tv


def pin_json(**changes: object) -> JSON:
    """Return a pin as plex.tv sends it."""
    return {
        "id": 1234567,
        "code": "7RQZ",
        "product": "Home Assistant",
        "trusted": False,
        "qr": "https://plex.tv/api/v2/pins/qr/7RQZ",
        "clientIdentifier": "0b8a1b9e",
        "location": {"code": "NL", "country": "Netherlands"},
        "expiresIn": 900,
        "createdAt": "2025-01-01T12:00:00Z",
        "expiresAt": "2025-01-01T12:15:00Z",
        "authToken": None,
        "newRegistration": None,
    } | changes


def account_json(**changes: object) -> JSON:
    """Return an account as plex.tv sends it."""
    return {
        "id": 42,
        "uuid": "a1b2c3d4e5",
        "username": "plexfan",
        "email": "someone@example.com",
        "title": "Plex Fan",
        "friendlyName": "Fan",
        "thumb": "https://plex.tv/users/a1b2c3d4e5/avatar",
        "country": "NL",
        "locale": "nl",
        "home": True,
        "homeAdmin": True,
        "homeSize": 3,
        "guest": False,
        "restricted": False,
        "twoFactorEnabled": True,
        "joinedAt": "2019-05-04T10:11:12Z",
        "subscription": {
            "active": True,
            "status": "Active",
            "plan": "lifetime",
            "features": ["webhooks", "hardware_transcoding"],
            "subscribedAt": "2020-02-02 02:02:02 UTC",
            "paymentService": "braintree",
        },
        "entitlements": ["all"],
        "roles": ["plexpass"],
        "authToken": "account-token-7c1e0f",
    } | changes


def connection_json(**changes: object) -> JSON:
    """Return a connection of a resource as plex.tv sends it."""
    return {
        "protocol": "https",
        "address": "192.168.1.10",
        "port": 32400,
        "uri": "https://192-168-1-10.abc.plex.direct:32400",
        "local": True,
        "relay": False,
        "IPv6": False,
    } | changes


def resource_json(**changes: object) -> JSON:
    """Return a server resource as plex.tv sends it."""
    return {
        "name": "Media",
        "product": "Plex Media Server",
        "productVersion": "1.41.3.9314",
        "platform": "Linux",
        "platformVersion": "6.1",
        "device": "PC",
        "clientIdentifier": "server-1",
        "createdAt": "2021-03-03T03:03:03Z",
        "lastSeenAt": "2025-01-01T11:59:00Z",
        "provides": "server,player, client,,",
        "ownerId": None,
        "sourceTitle": None,
        "publicAddress": "203.0.113.7",
        "accessToken": "server-token-99ab",
        "owned": True,
        "home": False,
        "relay": True,
        "presence": True,
        "httpsRequired": True,
        "connections": [
            connection_json(),
            connection_json(
                address="203.0.113.7", local=False, uri="https://203-0-113-7.plex:32400"
            ),
        ],
    } | changes


def item_json(**changes: object) -> JSON:
    """Return a catalogue item (a Metadata object) as the discover host sends it."""
    return {
        "ratingKey": "5d776be17a53e9001e732ab9",
        "guid": "plex://movie/5d776be17a53e9001e732ab9",
        "type": "movie",
        "title": "Dune",
        "originalTitle": "Dune",
        "year": 2021,
        "originallyAvailableAt": "2021-10-22",
        "summary": "Paul Atreides travels to the most dangerous planet in the universe.",
        "thumb": "/library/metadata/5d776be17a53e9001e732ab9/thumb",
    } | changes


def page_json(entries: list[object], **changes: object) -> JSON:
    """Return a watchlist page holding the entries (totalSize: their number, unless changed)."""
    container = {"totalSize": len(entries), "size": len(entries), "Metadata": entries}
    return {"MediaContainer": container | changes}


def search_json(*groups: object) -> JSON:
    """Return a catalogue search answer holding the groups of hits."""
    return {"MediaContainer": {"SearchResults": list(groups)}}


# A Plex Media Server


def movie_json(**changes: object) -> JSON:
    """Return a film playing on a local player, as GET /status/sessions lists it."""
    return {
        "art": "/library/metadata/101/art/1700000001",
        "duration": 8880000,
        "key": "/library/metadata/101",
        "librarySectionTitle": "Films",
        "ratingKey": "101",
        "sessionKey": "7",
        "thumb": "/library/metadata/101/thumb/1700000001",
        "title": "Big Buck Bunny",
        "type": "movie",
        "viewOffset": 120500,
        "year": 2008,
        "User": {"id": "1", "thumb": "https://plex.tv/users/abc/avatar", "title": "alice"},
        "Player": {
            "address": "192.168.1.20",
            "local": True,
            "machineIdentifier": "player-tv",
            "platform": "Android",
            "product": "Plex for Android (TV)",
            "state": "playing",
            "title": "Living Room TV",
        },
        "Session": {"bandwidth": 10000, "id": "abcdef", "location": "lan"},
    } | changes


def episode_json(**changes: object) -> JSON:
    """Return an episode paused on a remote player, numbers as text (XML turned JSON)."""
    return {
        "duration": "1500000",
        "grandparentThumb": "/library/metadata/200/thumb/1",
        "grandparentTitle": "The Show",
        "index": "3",
        "parentIndex": 2,
        "parentTitle": "Season 2",
        "ratingKey": 202,
        "sessionKey": 8,
        "thumb": "/library/metadata/202/thumb/1",
        "title": "Third",
        "type": "episode",
        "viewOffset": "60000",
        "User": {"id": 2, "title": "bob"},
        "Player": {"local": "0", "machineIdentifier": "player-phone", "state": "paused"},
        "Session": {"location": "wan"},
        "TranscodeSession": {"key": "/transcode/sessions/x", "throttled": False},
    } | changes


def track_json(**changes: object) -> JSON:
    """Return a track buffering, with its album's and its artist's pictures."""
    return {
        "duration": 240000,
        "grandparentThumb": "/library/metadata/300/thumb/1",
        "grandparentTitle": "The Artist",
        "index": 5,
        "parentThumb": "/library/metadata/301/thumb/1",
        "parentTitle": "The Album",
        "ratingKey": "302",
        "sessionKey": "9",
        "thumb": "/library/metadata/302/thumb/1",
        "title": "The Track",
        "type": "track",
        "Player": {"machineIdentifier": "player-web", "state": "buffering", "local": 1},
    } | changes


def sessions_json(*entries: object) -> JSON:
    """Return the answer of GET /status/sessions holding the entries."""
    container: JSON = {"size": len(entries)}
    if entries:
        container["Metadata"] = list(entries)
    return {"MediaContainer": container}


def playing_json(*entries: JSON) -> JSON:
    """Return a `playing` notification holding the entries."""
    return {
        "NotificationContainer": {
            "type": "playing",
            "size": len(entries),
            "PlaySessionStateNotification": list(entries),
        }
    }


# A `playing` message as a real server sent it for a player that left out its session: no
# sessionKey, and "" for the ratingKey and the key.
REAL_STOPPED = (
    '{"NotificationContainer":{"type":"playing","size":1,"PlaySessionStateNotification":'
    '[{"clientIdentifier":"5y2hvgkc0tcdr4lzkwjbnvav","guid":"","ratingKey":"","url":"",'
    '"key":"","viewOffset":0,"playQueueItemID":0,"playQueueID":0,"state":"stopped"}]}}'
)


def play_state(session_key: str = "7", state: str = "playing", **changes: object) -> JSON:
    """Return one PlaySessionStateNotification as a server sends it."""
    return {
        "sessionKey": session_key,
        "clientIdentifier": "player-tv",
        "guid": "plex://movie/abc",
        "ratingKey": "101",
        "url": "",
        "key": "/library/metadata/101",
        "viewOffset": 120500,
        "playQueueItemID": 5,
        "state": state,
    } | changes


# plex.tv's word on a server, built from the URLs where it listens


def connection(url: str, *, address: str | None = None, **flags: bool) -> Connection:
    """Return the plex.tv connection whose uri is url (its address, unless given, and port)."""
    parts = urlsplit(url)
    address = address or parts.hostname
    assert address is not None
    assert parts.port is not None
    return Connection(protocol=parts.scheme, address=address, port=parts.port, uri=url, **flags)


def server_resource(*connections: Connection, **changes: Any) -> Resource:  # noqa: ANN401
    """Return the plex.tv resource of an owned server with these connections, changed."""
    server = {"name": "Living Room Server", "client_identifier": "machine-1", "owned": True}
    server |= {"provides": frozenset({"server"}), "access_token": "server-token-abc"}
    return Resource(connections=connections, **(server | changes))
