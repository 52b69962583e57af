"""Media players: what each Plex player of the account plays, on any of its owned servers."""

import hashlib
from datetime import datetime
from typing import Final, override

from homeassistant.components.media_player import (
    MediaPlayerEntity,
    MediaPlayerEntityDescription,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aioplexaccount import Account, Artwork, Resource, Session
from .coordinator import PlexAccountConfigEntry, PlexSessionsCoordinator
from .entity import PlexAccountEntity, async_add_pushed_entities

# The entities only read what the servers push: nothing to send, nothing to queue.
PARALLEL_UPDATES = 0

_STATES: Final = {
    "playing": MediaPlayerState.PLAYING,
    "paused": MediaPlayerState.PAUSED,
    "buffering": MediaPlayerState.BUFFERING,
}
# Home Assistant's own Plex integration names the kinds the same way.
_CONTENT_TYPES: Final = {
    "movie": MediaType.MOVIE,
    "episode": MediaType.TVSHOW,
    "track": MediaType.MUSIC,
}
# What the media player shows of a stream, each as `_attr_<name>`.
_MEDIA: Final = (
    "media_content_id",
    "media_content_type",
    "media_title",
    "media_series_title",
    "media_season",
    "media_episode",
    "media_artist",
    "media_album_name",
    "media_track",
    "media_duration",
    "media_position",
    "media_position_updated_at",
)
# When a player has streams on several servers (or several on one), the one that plays.
_STATE_RANK: Final = {"playing": 0, "buffering": 1, "paused": 2}

PLAYER = MediaPlayerEntityDescription(key="media_player", translation_key="player")


def _media(session: Session, read_at: datetime | None) -> dict[str, object]:
    """Return what a media player shows of a stream; times in seconds, as of `read_at`."""
    return {
        "media_content_id": session.rating_key,
        "media_content_type": _CONTENT_TYPES.get(session.type, MediaType.VIDEO),
        "media_title": session.title or None,
        "media_series_title": session.show,
        "media_season": None if session.season is None else str(session.season),
        "media_episode": None if session.episode is None else str(session.episode),
        "media_artist": session.artist,
        "media_album_name": session.album,
        "media_track": session.track,
        "media_duration": None if session.duration_ms is None else session.duration_ms // 1000,
        "media_position": None if session.position_ms is None else session.position_ms // 1000,
        # The position is as of the read, not of now.
        "media_position_updated_at": None if session.position_ms is None else read_at,
    }


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a media player for each player of the account, and for each one that appears."""
    async_add_pushed_entities(
        entry, async_add_entities, PlexMediaPlayer, PLAYER, lambda data: data.media_players
    )


class PlexMediaPlayer(PlexAccountEntity[PlexSessionsCoordinator], MediaPlayerEntity):
    """A Plex player of the account: what it plays now, read-only.

    The servers say what plays; plex.tv says whether the player is online. Nothing is
    sent to the player, so no control is offered.
    """

    # Named after its device, the player itself.
    _attr_name = None
    _attr_supported_features = MediaPlayerEntityFeature(0)
    # Artwork needs the server's token: Home Assistant fetches it and serves it itself.
    _attr_media_image_remotely_accessible = False

    def __init__(
        self,
        coordinator: PlexSessionsCoordinator,
        description: EntityDescription,
        account: Account,
        player: Resource,
    ) -> None:
        """Describe the player's entity, on the player's own device."""
        super().__init__(coordinator, description, account, player)
        self._player_id = player.client_identifier
        self._session: Session | None = None
        self._server_id: str | None = None
        self._artwork: tuple[str, Artwork] | None = None
        self._async_read()

    @override
    async def async_added_to_hass(self) -> None:
        """Follow plex.tv's word on the player too: whether it is online, whether it is listed."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.account.async_add_listener(self._handle_coordinator_update)
        )

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._async_read()
        super()._handle_coordinator_update()

    @callback
    def _async_read(self) -> None:
        """Find the player's stream on the owned servers that answer, and show it."""
        found = [
            (server_id, server.read_at, session)
            for server_id, server in self.coordinator.data.items()
            if server.available
            for session in server.sessions
            if session.player.machine_identifier == self._player_id
        ]
        found.sort(key=lambda item: _STATE_RANK.get(item[2].state, len(_STATE_RANK)))
        self._server_id, read_at, self._session = found[0] if found else (None, None, None)
        shown = {} if self._session is None else _media(self._session, read_at)
        for name in _MEDIA:
            setattr(self, f"_attr_{name}", shown.get(name))

    @property
    def _player(self) -> Resource | None:
        return self.coordinator.account.data.media_players.get(self._player_id)

    @property
    @override
    def available(self) -> bool:
        """Return whether plex.tv still lists the player readably."""
        return (
            self._player is not None
            and self._player_id not in self.coordinator.account.data.unreadable
        )

    @property
    @override
    def state(self) -> MediaPlayerState:
        """Return what the player does: its stream's state, else idle or off."""
        if self._session is not None:
            return _STATES.get(self._session.state, MediaPlayerState.PLAYING)
        player = self._player
        if player is not None and player.presence:
            return MediaPlayerState.IDLE
        return MediaPlayerState.OFF

    @property
    def _artwork_path(self) -> str | None:
        return None if self._session is None else self._session.artwork

    @property
    @override
    def media_image_hash(self) -> str | None:
        """Return a key of the picture that changes with it (the frontend caches by it)."""
        path = self._artwork_path
        if path is None or self._server_id is None:
            return None
        return hashlib.sha256(f"{self._server_id}{path}".encode()).hexdigest()[:16]

    @override
    async def async_get_media_image(self) -> tuple[bytes | None, str | None]:
        """Fetch the picture from its server, with the server's token kept here."""
        path, server_id = self._artwork_path, self._server_id
        if path is None or server_id is None:
            return None, None
        key = f"{server_id}{path}"
        if self._artwork is None or self._artwork[0] != key:
            artwork = await self.coordinator.async_artwork(server_id, path)
            if artwork is None:
                return None, None
            self._artwork = (key, artwork)
        return self._artwork[1].data, self._artwork[1].content_type
