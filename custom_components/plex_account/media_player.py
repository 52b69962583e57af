"""Media players: what each Plex player of the account plays, on any of its owned servers."""

import hashlib
from datetime import datetime
from typing import Any, Final, override
from urllib.parse import urlsplit

from homeassistant.components import media_source
from homeassistant.components.media_player import (
    BrowseMedia,
    MediaPlayerEnqueue,
    MediaPlayerEntity,
    MediaPlayerEntityDescription,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aioplexaccount import (
    Account,
    Artwork,
    PlayQueue,
    PlexError,
    PMSClient,
    RemotePlayer,
    Resource,
    Session,
)
from .const import DOMAIN
from .coordinator import PlexAccountConfigEntry, PlexSessionsCoordinator
from .entity import PlexAccountEntity, async_add_pushed_entities
from .media_source import ITEM, MAX_CHILDREN, PLAYLIST, Location

# States come from the servers' push (no polling); a command goes to one player through its
# server and waits on no other player's, so none is queued behind another.
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

# What a player that takes remote control is offered; playing a queue needs "playqueues".
_CONTROL: Final = (
    MediaPlayerEntityFeature.PLAY
    | MediaPlayerEntityFeature.PAUSE
    | MediaPlayerEntityFeature.STOP
    | MediaPlayerEntityFeature.SEEK
    | MediaPlayerEntityFeature.NEXT_TRACK
    | MediaPlayerEntityFeature.PREVIOUS_TRACK
    | MediaPlayerEntityFeature.VOLUME_SET
)
_QUEUES: Final = (
    MediaPlayerEntityFeature.PLAY_MEDIA
    | MediaPlayerEntityFeature.BROWSE_MEDIA
    | MediaPlayerEntityFeature.MEDIA_ENQUEUE
)
# Plex's kinds of play queues and commands, by the kind of item.
_AUDIO: Final = frozenset({"track", "album", "artist"})
MEDIA_SOURCE_PREFIX: Final = f"media-source://{DOMAIN}/"


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
    """A Plex player of the account: what it plays now, and control where it takes it.

    The servers say what plays; plex.tv says whether the player is online. A player that a
    server lists as taking playback commands is offered control, sent through that server;
    others are read-only. What a command does shows when the server pushes it: nothing is
    assumed meanwhile.
    """

    # Named after its device, the player itself.
    _attr_name = None
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

    # Control

    def _remote(self, only: str | None = None) -> tuple[str, RemotePlayer] | None:
        """Return the server to send commands through, and the player as it lists it.

        The server the player streams from first; else any owned server that knows it; or,
        with `only`, that server alone.
        """
        servers = sorted(self.coordinator.data.items(), key=lambda item: item[0] != self._server_id)
        if only is not None:
            servers = [(server_id, server) for server_id, server in servers if server_id == only]
        for server_id, server in servers:
            if server.available and (remote := server.players.get(self._player_id)):
                return server_id, remote
        return None

    @property
    @override
    def supported_features(self) -> MediaPlayerEntityFeature:
        """Offer control only when a server lists the player as taking it."""
        found = self._remote()
        if found is None or not found[1].accepts_control:
            return MediaPlayerEntityFeature(0)
        return _CONTROL | (_QUEUES if found[1].accepts_play_queues else 0)

    @property
    def _media_type(self) -> str:
        session = self._session
        return "music" if session is not None and session.type in _AUDIO else "video"

    def _client(self, only: str | None = None) -> PMSClient:
        """Return a client of the server that passes commands on to the player, or raise."""
        found = self._remote(only)
        client = None if found is None else self.coordinator.async_followed_client(found[0])
        if client is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="player_unreachable",
                translation_placeholders={"player": self._player_name},
            )
        return client

    @property
    def _player_name(self) -> str:
        player = self._player
        return player.name if player is not None else self._player_id

    async def _async_command(self, command: str, params: dict[str, str] | None = None) -> None:
        """Send a command to the player; its effect shows when the server says so."""
        client = self._client()
        try:
            await self._async_send(client, command, params or {}, self._media_type)
        except PlexError as err:
            raise self._command_failed(err) from err

    def _command_failed(self, err: PlexError) -> HomeAssistantError:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_failed",
            translation_placeholders={"player": self._player_name, "error": str(err)},
        )

    @override
    async def async_media_play(self) -> None:
        """Resume."""
        await self._async_command("play")

    @override
    async def async_media_pause(self) -> None:
        """Pause."""
        await self._async_command("pause")

    @override
    async def async_media_stop(self) -> None:
        """Stop."""
        await self._async_command("stop")

    @override
    async def async_media_seek(self, position: float) -> None:
        """Go to a position, in seconds."""
        await self._async_command("seekTo", {"offset": str(round(position * 1000))})

    @override
    async def async_media_next_track(self) -> None:
        """Play the next item of the queue."""
        await self._async_command("skipNext")

    @override
    async def async_media_previous_track(self) -> None:
        """Play the previous item of the queue."""
        await self._async_command("skipPrevious")

    @override
    async def async_set_volume_level(self, volume: float) -> None:
        """Set the volume, 0 to 1."""
        await self._async_command("setParameters", {"volume": str(round(volume * 100))})

    @override
    async def async_browse_media(
        self, media_content_type: MediaType | str | None = None, media_content_id: str | None = None
    ) -> BrowseMedia:
        """Browse the account's libraries, which this player plays."""
        return await media_source.async_browse_media(
            self.hass,
            media_content_id or MEDIA_SOURCE_PREFIX.rstrip("/"),
            content_filter=lambda item: item.media_content_id.startswith(MEDIA_SOURCE_PREFIX),
        )

    @override
    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Have the server build a play queue of a library item and the player play it."""
        try:
            location = Location.parse(media_id.removeprefix(MEDIA_SOURCE_PREFIX))
        except ValueError:
            location = None
        if (
            not media_id.startswith(MEDIA_SOURCE_PREFIX)
            or location is None
            or location.kind not in {ITEM, PLAYLIST}
            or location.server_id is None
            or len(location.args) != 1
        ):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_plex_media",
                translation_placeholders={"media_id": media_id},
            )
        server_id, rating_key = location.server_id, location.args[0]
        # The item's server builds the queue and tells the player: it must know the player.
        client = self._client(server_id)
        queued: tuple[PlayQueue, str] | None
        try:
            if location.kind == PLAYLIST:
                queued = await self._async_playlist_queue(client, server_id, rating_key)
            else:
                queued = await self._async_item_queue(
                    client, server_id, rating_key, kwargs.get("enqueue")
                )
            if queued is None:
                return  # added to the queue the player plays
            queue, media = queued
            # A playlist starts where the server says; an item's queue with the item.
            rating_key = queue.selected_rating_key or rating_key
            token = await client.transient_token()
            url = urlsplit(client.base_url)
            params = {
                "key": f"/library/metadata/{rating_key}",
                "offset": "0",
                "machineIdentifier": server_id,
                "address": url.hostname or "",
                "port": str(url.port or (443 if url.scheme == "https" else 80)),
                "protocol": url.scheme,
                "token": token,
                "providerIdentifier": "com.plexapp.plugins.library",
                "containerKey": f"/playQueues/{queue.id}?own=1&window=200",
            }
            await self._async_send(client, "playMedia", params, media)
        except PlexError as err:
            raise self._command_failed(err) from err

    async def _async_item_queue(
        self, client: PMSClient, server_id: str, rating_key: str, enqueue: object
    ) -> tuple[PlayQueue, str] | None:
        """Build the queue of a library item, and say its media type.

        Where `enqueue` says so and the player plays a queue, the item joins it: None.
        """
        found = await client.items([rating_key])
        if not found:
            raise _unknown(rating_key)
        media = "music" if found[0].type in _AUDIO else "video"
        if enqueue in {MediaPlayerEnqueue.ADD, MediaPlayerEnqueue.NEXT}:
            queue_id = await client.playing_queue(
                self._player_id, command_id=self.coordinator.next_command_id(self._player_id)
            )
            if queue_id is not None:
                await client.add_to_play_queue(
                    queue_id,
                    rating_key,
                    machine_identifier=server_id,
                    next_up=enqueue == MediaPlayerEnqueue.NEXT,
                )
                await self._async_send(client, "refreshPlayQueue", {"playQueueID": queue_id}, media)
                return None
        queue = await client.create_play_queue(
            rating_key,
            media_type="audio" if media == "music" else "video",
            machine_identifier=server_id,
            continuous=found[0].type == "episode",
        )
        return queue, media

    async def _async_playlist_queue(
        self, client: PMSClient, server_id: str, playlist_id: str
    ) -> tuple[PlayQueue, str]:
        """Build the queue of a playlist, and its media type."""
        playlists = (await client.playlists(size=MAX_CHILDREN)).items
        found = next((each for each in playlists if each.rating_key == playlist_id), None)
        if found is None:
            raise _unknown(playlist_id)
        media = "music" if found.playlist_type == "audio" else "video"
        queue = await client.create_play_queue(
            media_type="audio" if media == "music" else "video",
            machine_identifier=server_id,
            playlist_id=playlist_id,
        )
        return queue, media

    async def _async_send(
        self, client: PMSClient, command: str, params: dict[str, str], media: str
    ) -> None:
        await client.player_command(
            self._player_id,
            command,
            params,
            command_id=self.coordinator.next_command_id(self._player_id),
            media_type=media,
        )


def _unknown(key: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_media",
        translation_placeholders={"identifier": key},
    )
