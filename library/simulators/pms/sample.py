"""Sample players, media and users of a Plex Media Server, in the server's JSON shapes.

The server is the sample account's Living Room Server (library.simulators.sample), with the
access token plex.tv lists for it. Two players are the account's own (the TV is also in the
sample plex.tv resources); the third is the household's second account's phone, which
streams from the shared server. Every address is a loopback one.
"""

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from library.simulators import sample as household

SAMPLE_MACHINE_IDENTIFIER = household.LIVING_ROOM_SERVER_ID
SAMPLE_TOKEN = household.LIVING_ROOM_SERVER_TOKEN
SAMPLE_SERVER_NAME = household.LIVING_ROOM_SERVER_NAME
LIVING_ROOM_TV_ID = household.LIVING_ROOM_TV_ID
FRIEND_PHONE_ID = household.FRIEND_PHONE_ID
KITCHEN_SPEAKER_ID = "8b2e4f6a-1c3d-4e5f-9a7b-0c1d2e3f4a5b"


def _user(user_id: int | str, title: str) -> dict[str, Any]:
    return {"id": str(user_id), "title": title, "thumb": f"/users/{user_id}/avatar"}


# A server shows its owner as user 1; other users by their plex.tv account id.
OWNER_USER = _user(1, household.SAMPLE_USERNAME)
FRIEND_USER = _user(household.SECOND_ACCOUNT_ID, household.SECOND_USERNAME)


@dataclass
class Player:
    """A Plex client that plays from the server: the session's `Player` element."""

    machine_identifier: str
    title: str
    product: str
    platform: str
    address: str = "127.0.0.1"
    local: bool = True
    platform_version: str = ""
    version: str = ""
    device: str = ""
    model: str = ""
    user: dict[str, Any] = field(default_factory=lambda: dict(OWNER_USER))
    """The user who plays on it, unless start_session() names another."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Player:
        """Build a player from snake_case fields or the server's camelCase attributes."""
        renamed = {
            "machineIdentifier": "machine_identifier",
            "platformVersion": "platform_version",
        }
        fields = {renamed.get(key, key): value for key, value in data.items()}
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in fields.items() if key in known})

    def as_json(self, state: str) -> dict[str, Any]:
        """Return the `Player` element of a session in this state."""
        return {
            "address": self.address,
            "device": self.device,
            "machineIdentifier": self.machine_identifier,
            "model": self.model,
            "platform": self.platform,
            "platformVersion": self.platform_version,
            "product": self.product,
            "profile": self.platform,
            "remotePublicAddress": self.address,
            "state": state,
            "title": self.title,
            "version": self.version,
            "local": self.local,
            "relayed": False,
            "secure": True,
            "userID": int(self.user["id"]),
        }


@dataclass
class Media:
    """An item of the server's library, as a session's metadata shows it."""

    rating_key: str
    type: str
    """movie, episode, track or clip."""
    title: str
    duration: int
    """Milliseconds."""
    library_section_title: str
    year: int | None = None
    grandparent_title: str | None = None
    """The show of an episode, the artist of a track."""
    parent_title: str | None = None
    """The season of an episode, the album of a track."""
    parent_index: int | None = None
    index: int | None = None
    grandparent_rating_key: str | None = None
    parent_rating_key: str | None = None
    guid: str = ""
    library_section_id: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
    """More attributes, copied as they are into the session's metadata."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Media:
        """Build a media item from snake_case fields or the server's camelCase attributes."""
        renamed = {
            "ratingKey": "rating_key",
            "librarySectionTitle": "library_section_title",
            "grandparentTitle": "grandparent_title",
            "parentTitle": "parent_title",
            "parentIndex": "parent_index",
            "grandparentRatingKey": "grandparent_rating_key",
            "parentRatingKey": "parent_rating_key",
            "librarySectionID": "library_section_id",
        }
        fields = {renamed.get(key, key): value for key, value in data.items()}
        known = set(cls.__dataclass_fields__)
        extra = {key: value for key, value in fields.items() if key not in known}
        media = cls(**{key: value for key, value in fields.items() if key in known})
        media.extra = {**extra, **media.extra}
        return media

    @property
    def key(self) -> str:
        """Return the item's path on the server."""
        return f"/library/metadata/{self.rating_key}"

    @property
    def thumb(self) -> str:
        """Return the path of the item's poster (a track's: its album's cover)."""
        rating_key = self.parent_rating_key if self.type == "track" else self.rating_key
        return f"/library/metadata/{rating_key or self.rating_key}/thumb/1700000000"

    @property
    def art(self) -> str:
        """Return the path of the item's background art (an episode's: its show's)."""
        rating_key = self.grandparent_rating_key or self.rating_key
        return f"/library/metadata/{rating_key}/art/1700000000"

    @property
    def grandparent_thumb(self) -> str | None:
        """Return the path of the show's poster or the artist's picture."""
        if self.grandparent_rating_key is None:
            return None
        return f"/library/metadata/{self.grandparent_rating_key}/thumb/1700000000"

    def as_json(self) -> dict[str, Any]:
        """Return the item's metadata attributes (without the session's own)."""
        item: dict[str, Any] = {
            "ratingKey": self.rating_key,
            "key": self.key,
            "guid": self.guid or f"plex://{self.type}/{self.rating_key}",
            "type": self.type,
            "title": self.title,
            "librarySectionID": str(self.library_section_id),
            "librarySectionKey": f"/library/sections/{self.library_section_id}",
            "librarySectionTitle": self.library_section_title,
            "duration": self.duration,
            "thumb": self.thumb,
            "art": self.art,
            "addedAt": 1700000000,
            "updatedAt": 1700000000,
        }
        optional = {
            "year": self.year,
            "grandparentTitle": self.grandparent_title,
            "parentTitle": self.parent_title,
            "parentIndex": self.parent_index,
            "index": self.index,
            "grandparentRatingKey": self.grandparent_rating_key,
            "parentRatingKey": self.parent_rating_key,
            "grandparentKey": (
                f"/library/metadata/{self.grandparent_rating_key}"
                if self.grandparent_rating_key
                else None
            ),
            "parentKey": (
                f"/library/metadata/{self.parent_rating_key}" if self.parent_rating_key else None
            ),
            "grandparentThumb": self.grandparent_thumb,
        }
        item.update({key: value for key, value in optional.items() if value is not None})
        item.update(copy.deepcopy(self.extra))
        return item


def as_dict(value: Player | Media) -> dict[str, Any]:
    """Return a player's or a media item's fields (the form from_dict() reads back)."""
    return asdict(value)


def living_room_tv() -> Player:
    """Return the account's Android TV in the living room."""
    return Player(
        machine_identifier=LIVING_ROOM_TV_ID,
        title="Living Room TV",
        product="Plex for Android (TV)",
        platform="Android",
        platform_version="12",
        version="10.21.1.2881",
        device="SHIELD Android TV",
        model="mdarcy",
        address="127.0.0.11",
    )


def kitchen_speaker() -> Player:
    """Return the account's Plexamp speaker in the kitchen."""
    return Player(
        machine_identifier=KITCHEN_SPEAKER_ID,
        title="Kitchen Speaker",
        product="Plexamp",
        platform="Linux",
        platform_version="6.1",
        version="4.11.2",
        device="Raspberry Pi",
        model="Pi 4",
        address="127.0.0.12",
    )


def friend_phone() -> Player:
    """Return the second account's phone, which streams from the shared server."""
    return Player(
        machine_identifier=FRIEND_PHONE_ID,
        title="Jamie's Phone",
        product="Plex for Android (Mobile)",
        platform="Android",
        platform_version="14",
        version="10.22.0.1571",
        device="Pixel 8",
        model="shiba",
        address="127.0.0.13",
        local=False,
        user=dict(FRIEND_USER),
    )


def sample_film() -> Media:
    """Return a film of the Films library: 2 h 16 min."""
    return Media(
        rating_key="1001",
        type="movie",
        title="The Long Voyage",
        year=2014,
        duration=8_160_000,
        library_section_title="Films",
        library_section_id=1,
        guid="plex://movie/5d7768ba96b655001fdc0408",
        extra={"contentRating": "PG-13", "studio": "Harbour Pictures"},
    )


def sample_episode() -> Media:
    """Return S02E05 of a show of the TV Shows library."""
    return Media(
        rating_key="2205",
        type="episode",
        title="The Lighthouse",
        grandparent_title="Northern Lines",
        parent_title="Season 2",
        parent_index=2,
        index=5,
        year=2023,
        duration=2_640_000,
        library_section_title="TV Shows",
        library_section_id=2,
        grandparent_rating_key="2000",
        parent_rating_key="2200",
        guid="plex://episode/5e1634f8c17ad50041a4d5b1",
    )


def sample_track() -> Media:
    """Return a track of an album of the Music library."""
    return Media(
        rating_key="3112",
        type="track",
        title="Paper Boats",
        grandparent_title="The Quiet Tides",
        parent_title="Harbour Songs",
        parent_index=1,
        index=2,
        year=2019,
        duration=214_000,
        library_section_title="Music",
        library_section_id=3,
        grandparent_rating_key="3000",
        parent_rating_key="3100",
        guid="plex://track/6a1b2c3d4e5f60718293a4b5",
    )


SAMPLE_PLAYERS = {
    "living_room_tv": living_room_tv,
    "kitchen_speaker": kitchen_speaker,
    "friend_phone": friend_phone,
}
SAMPLE_MEDIA = {
    "film": sample_film,
    "episode": sample_episode,
    "track": sample_track,
}
