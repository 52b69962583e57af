"""Answers of GET /status/sessions in Plex's JSON shape, as a server sends them."""

from typing import Any


def movie_json(**changes: object) -> dict[str, Any]:
    """Return a film playing on a local player, in Plex's JSON shape."""
    data: dict[str, Any] = {
        "addedAt": 1700000000,
        "art": "/library/metadata/101/art/1700000001",
        "duration": 8880000,
        "guid": "plex://movie/5d776b59ad5437001f79c6f8",
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
    }
    data.update(changes)
    return data


def episode_json(**changes: object) -> dict[str, Any]:
    """Return an episode paused on a remote player, with numbers as text (XML turned JSON)."""
    data: dict[str, Any] = {
        "duration": "1500000",
        "grandparentThumb": "/library/metadata/200/thumb/1",
        "grandparentTitle": "The Show",
        "index": "3",
        "key": "/library/metadata/202",
        "parentIndex": 2,
        "parentTitle": "Season 2",
        "ratingKey": 202,
        "sessionKey": 8,
        "thumb": "/library/metadata/202/thumb/1",
        "title": "Third",
        "type": "episode",
        "viewOffset": "60000",
        "User": {"id": 2, "title": "bob"},
        "Player": {
            "local": "0",
            "machineIdentifier": "player-phone",
            "platform": "iOS",
            "product": "Plex for iOS",
            "state": "paused",
            "title": "Phone",
        },
        "Session": {"location": "wan"},
        "TranscodeSession": {"key": "/transcode/sessions/x", "throttled": False},
    }
    data.update(changes)
    return data


def track_json(**changes: object) -> dict[str, Any]:
    """Return a track buffering, with its album's and artist's pictures."""
    data: dict[str, Any] = {
        "duration": 240000,
        "grandparentThumb": "/library/metadata/300/thumb/1",
        "grandparentTitle": "The Artist",
        "index": 5,
        "parentIndex": 1,
        "parentThumb": "/library/metadata/301/thumb/1",
        "parentTitle": "The Album",
        "ratingKey": "302",
        "sessionKey": "9",
        "thumb": "/library/metadata/301/thumb/1",
        "title": "The Track",
        "type": "track",
        "viewOffset": 1000,
        "Player": {"machineIdentifier": "player-web", "state": "buffering", "local": 1},
    }
    data.update(changes)
    return data


def sessions_json(*entries: dict[str, Any]) -> dict[str, Any]:
    """Return the MediaContainer of GET /status/sessions holding the entries."""
    container: dict[str, Any] = {"size": len(entries)}
    if entries:
        container["Metadata"] = list(entries)
    return {"MediaContainer": container}
