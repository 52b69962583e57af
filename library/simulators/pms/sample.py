"""Sample players, media and users of a Plex Media Server, in the server's JSON shapes.

The server is the sample account's Living Room Server (library.simulators.sample), with the
access token plex.tv lists for it. Three players are the account's own, on the server's LAN
(the TV is also in the sample plex.tv resources): the TV and the Plexamp speaker take remote
control, the bedroom's Plex Web does not (as Plex Web since 2022: `timeline` only). The
fourth is the household's second account's phone, which streams from the shared server over
the internet. Every address is a loopback one.
"""

from dataclasses import dataclass, field
from typing import Any

from library.simulators import sample as household

SAMPLE_MACHINE_IDENTIFIER = household.LIVING_ROOM_SERVER_ID
SAMPLE_TOKEN = household.LIVING_ROOM_SERVER_TOKEN
SAMPLE_SERVER_NAME = household.LIVING_ROOM_SERVER_NAME
LIVING_ROOM_TV_ID = household.LIVING_ROOM_TV_ID
KITCHEN_SPEAKER_ID = "8b2e4f6a-1c3d-4e5f-9a7b-0c1d2e3f4a5b"
BEDROOM_PLEX_WEB_ID = "r7k2m9q4w1x8z5c3v6b0n2l4"
CONTROL_CAPABILITIES = "timeline,playback,navigation,mirror,playqueues"
"""What a player that takes remote control says it can do (Plex for Android TV, say)."""
TIMELINE_ONLY = "timeline"
"""What Plex Web and the desktop apps say since 2022: no remote control."""
STAMP = 1700000000
"""When every item was added and last updated: the artwork's paths end with it."""


def _user(user_id: int, title: str) -> dict[str, Any]:
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
    platform_version: str
    version: str
    device: str
    model: str
    address: str
    local: bool = True
    user: dict[str, Any] = field(default_factory=lambda: dict(OWNER_USER))
    """The user who plays on it."""
    port: int = 32500
    """Where it takes Plex Companion commands (32500 Android/iOS/tvOS, 36000 Plexamp)."""
    capabilities: str = CONTROL_CAPABILITIES
    """Its protocolCapabilities: remote control needs `playback` among them."""
    device_class: str = "stb"
    """stb, pc, phone, tablet..."""
    volume: int = 100
    """0 to 100: what setParameters?volume= set last."""

    @property
    def accepts_control(self) -> bool:
        """Return whether it takes playback commands (its capabilities have `playback`)."""
        return "playback" in self.capabilities.split(",")

    def client_json(self) -> dict[str, Any]:
        """Return the player as a `Server` element of GET /clients."""
        return {
            "name": self.title,
            "host": self.address,
            "address": self.address,
            "port": self.port,
            "machineIdentifier": self.machine_identifier,
            "version": self.version,
            "protocol": "plex",
            "product": self.product,
            "deviceClass": self.device_class,
            "protocolVersion": "1",
            "protocolCapabilities": self.capabilities,
        }

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
    year: int
    duration: int
    """Milliseconds."""
    library_section_id: int
    library_section_title: str
    guid: str
    grandparent_title: str | None = None
    """The show of an episode, the artist of a track."""
    parent_title: str | None = None
    """The season of an episode, the album of a track."""
    parent_index: int | None = None
    index: int | None = None
    grandparent_rating_key: str | None = None
    parent_rating_key: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the item's metadata attributes (without the session's own).

        Its thumb is its poster (a track's: its album's cover), its art the background (an
        episode's: its show's), grandparentThumb the show's poster or the artist's picture.
        """
        own, parent, grandparent = (
            self.rating_key,
            self.parent_rating_key,
            self.grandparent_rating_key,
        )
        item: dict[str, Any] = {
            "ratingKey": own,
            "key": f"/library/metadata/{own}",
            "guid": self.guid,
            "type": self.type,
            "title": self.title,
            "year": self.year,
            "librarySectionID": str(self.library_section_id),
            "librarySectionKey": f"/library/sections/{self.library_section_id}",
            "librarySectionTitle": self.library_section_title,
            "duration": self.duration,
            "thumb": f"/library/metadata/{(self.type == 'track' and parent) or own}/thumb/{STAMP}",
            "art": f"/library/metadata/{grandparent or own}/art/{STAMP}",
            "addedAt": STAMP,
            "updatedAt": STAMP,
        }
        optional = {
            "grandparentTitle": self.grandparent_title,
            "parentTitle": self.parent_title,
            "parentIndex": self.parent_index,
            "index": self.index,
            "grandparentRatingKey": grandparent,
            "parentRatingKey": parent,
            "grandparentKey": grandparent and f"/library/metadata/{grandparent}",
            "parentKey": parent and f"/library/metadata/{parent}",
            "grandparentThumb": grandparent and f"/library/metadata/{grandparent}/thumb/{STAMP}",
        }
        return item | {key: value for key, value in optional.items() if value is not None}


def living_room_tv() -> Player:
    """Return the account's Android TV in the living room."""
    return Player(
        machine_identifier=LIVING_ROOM_TV_ID, title="Living Room TV",
        product="Plex for Android (TV)", platform="Android", platform_version="12",
        version="10.21.1.2881", device="SHIELD Android TV", model="mdarcy", address="127.0.0.11",
    )  # fmt: skip


def kitchen_speaker() -> Player:
    """Return the account's Plexamp speaker in the kitchen."""
    return Player(
        machine_identifier=KITCHEN_SPEAKER_ID, title="Kitchen Speaker", product="Plexamp",
        platform="Linux", platform_version="6.1", version="4.11.2", device="Raspberry Pi",
        model="Pi 4", address="127.0.0.12", port=36000, device_class="pc",
        capabilities="timeline,playback,playqueues,provider-playback",
    )  # fmt: skip


def bedroom_plex_web() -> Player:
    """Return Plex Web in the bedroom's browser: it plays, but takes no remote control."""
    return Player(
        machine_identifier=BEDROOM_PLEX_WEB_ID, title="Bedroom Plex Web", product="Plex Web",
        platform="Chrome", platform_version="131.0", version="4.145.1", device="Linux",
        model="hosted", address="127.0.0.14", port=32400, device_class="pc",
        capabilities=TIMELINE_ONLY,
    )  # fmt: skip


def friend_phone() -> Player:
    """Return the second account's phone, which streams from the shared server."""
    return Player(
        machine_identifier=household.FRIEND_PHONE_ID, title="Jamie's Phone",
        product="Plex for Android (Mobile)", platform="Android", platform_version="14",
        version="10.22.0.1571", device="Pixel 8", model="shiba", address="127.0.0.13",
        local=False, user=dict(FRIEND_USER), device_class="phone",
        capabilities="timeline,playback,navigation,playqueues,provider-playback",
    )  # fmt: skip


def sample_film() -> Media:
    """Return a film of the Films library: 2 h 16 min."""
    return Media(
        rating_key="1001", type="movie", title="The Long Voyage", year=2014, duration=8_160_000,
        library_section_id=1, library_section_title="Films",
        guid="plex://movie/5d7768ba96b655001fdc0408",
    )  # fmt: skip


def sample_episode() -> Media:
    """Return S02E05 of a show of the TV Shows library."""
    return Media(
        rating_key="2205", type="episode", title="The Lighthouse", year=2023, duration=2_640_000,
        library_section_id=2, library_section_title="TV Shows",
        guid="plex://episode/5e1634f8c17ad50041a4d5b1", grandparent_title="Northern Lines",
        parent_title="Season 2", parent_index=2, index=5,
        grandparent_rating_key="2000", parent_rating_key="2200",
    )  # fmt: skip


def sample_track() -> Media:
    """Return a track of an album of the Music library."""
    return Media(
        rating_key="3112", type="track", title="Paper Boats", year=2019, duration=214_000,
        library_section_id=3, library_section_title="Music",
        guid="plex://track/6a1b2c3d4e5f60718293a4b5", grandparent_title="The Quiet Tides",
        parent_title="Harbour Songs", parent_index=1, index=2,
        grandparent_rating_key="3000", parent_rating_key="3100",
    )  # fmt: skip


SAMPLE_PLAYERS = {
    "living_room_tv": living_room_tv,
    "kitchen_speaker": kitchen_speaker,
    "friend_phone": friend_phone,
    "bedroom_plex_web": bedroom_plex_web,
}
KNOWN_PLAYERS = ("living_room_tv", "kitchen_speaker", "bedroom_plex_web")
"""The players a new server knows (GET /clients): those on its LAN; the friend's phone is not."""
SAMPLE_MEDIA = {"film": sample_film, "episode": sample_episode, "track": sample_track}
