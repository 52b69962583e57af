"""The Media panel: browsing every server of the account, posters, and playable URLs."""

from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientSession
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import media_source
from homeassistant.components.media_player import BrowseError, BrowseMedia, SearchMediaQuery
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.plex_account.aioplexaccount import LibraryItem, Part, PMSClient
from custom_components.plex_account.media_source import (
    GROUP_ABOVE,
    Location,
    PlexAccountMediaSource,
    playable,
)
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, PlexTVSimulator
from library.simulators.pms import PMSFactory, PMSSimulator

from .common import living_room_resource, set_up

ROOT = "media-source://plex_account"
SHARED_ID = "08577491ce58b7cd488a8bad517b1d5818a1240b"
SHARED_TOKEN = "MGcNZaxjyWS4mzx2Jz5o"  # noqa: S105 - the simulator's
ATTIC_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
TRACK = "3112"
MP4_FILM = "1002"
MKV_FILM = "1001"

pytestmark = pytest.mark.usefixtures("no_token_in_logs")


@pytest.fixture
async def panel(hass: HomeAssistant, playing_room: MockConfigEntry) -> MockConfigEntry:
    """Return the entry, set up, with the Media panel's media sources loaded."""
    assert await async_setup_component(hass, "media_source", {})
    await hass.async_block_till_done()
    return playing_room


@pytest.fixture
async def shared(plextv: PlexTVSimulator, pms_factory: PMSFactory) -> PMSSimulator:
    """Serve the server a friend shares with the account, where plex.tv says it is."""
    server = await pms_factory(
        host="127.0.0.6", machine_identifier=SHARED_ID, token=SHARED_TOKEN, name="Alex's Plex"
    )
    [resource] = [r for r in plextv.resources_of() if r["clientIdentifier"] == SHARED_ID]
    resource["connections"] = [
        {"protocol": "http", "address": server.host, "port": server.port, "uri": server.url,
         "local": True, "relay": False, "IPv6": False}
    ]  # fmt: skip
    return server


async def browse(hass: HomeAssistant, identifier: str = "") -> Any:  # noqa: ANN401
    """Browse one level, as the Media panel asks for it."""
    return await media_source.async_browse_media(
        hass, f"{ROOT}/{identifier}" if identifier else ROOT
    )


def child(level: BrowseMedia, title: str) -> BrowseMedia:
    """Return the child of a level with this title."""
    assert level.children is not None
    matches = [each for each in level.children if each.title == title]
    assert matches, f"{title!r} not in {[each.title for each in level.children]}"
    return matches[0]


def identifier(item: BrowseMedia) -> str:
    """Return the identifier of an item of the integration's media source."""
    return item.media_content_id.removeprefix(f"{ROOT}/")


async def test_browse_every_level(
    hass: HomeAssistant, living_room: PMSSimulator, panel: MockConfigEntry
) -> None:
    """Accounts, servers, libraries, and what is inside each kind, by Plex's own titles."""
    root = await browse(hass)
    assert root.title == "Plex"
    account = await browse(hass, identifier(child(root, "Plex Fan")))
    assert [server.title for server in account.children] == [
        "Attic NAS",
        "Living Room Server",
        "Alex's Plex",
    ]
    server = await browse(hass, identifier(child(account, "Living Room Server")))
    assert [each.title for each in server.children] == [
        "Recently added",
        "Continue watching",
        "Playlists",
        "Films",
        "TV Shows",
        "Music",
        "Photos",
    ]
    films = await browse(hass, identifier(child(server, "Films")))
    assert films.not_shown == 0
    film = child(films, "The Long Voyage")
    assert (film.can_play, film.can_expand, film.media_class) == (True, False, "movie")

    shows = await browse(hass, identifier(child(server, "TV Shows")))
    show = await browse(hass, identifier(child(shows, "Northern Lines")))
    season = await browse(hass, identifier(child(show, "Season 2")))
    episode = child(season, "The Lighthouse")
    assert (episode.can_play, episode.media_class) == (True, "episode")

    music = await browse(hass, identifier(child(server, "Music")))
    artist = await browse(hass, identifier(child(music, "The Quiet Tides")))
    album = await browse(hass, identifier(child(artist, "Harbour Songs")))
    track = child(album, "Paper Boats")
    assert (track.can_play, track.media_class) == (True, "track")

    photos = await browse(hass, identifier(child(server, "Photos")))
    summer = await browse(hass, identifier(child(photos, "Summer 2024")))
    assert {each.media_class for each in summer.children} == {"image"}

    recent = await browse(hass, identifier(child(server, "Recently added")))
    assert recent.children
    on_deck = await browse(hass, identifier(child(server, "Continue watching")))
    assert {each.title for each in on_deck.children} >= {"The Glass Orchard"}

    playlists = await browse(hass, identifier(child(server, "Playlists")))
    weekend = child(playlists, "Weekend Films")
    assert (weekend.can_play, weekend.can_expand, weekend.media_class) == (True, True, "playlist")
    films_of_it = await browse(hass, identifier(weekend))
    assert films_of_it.title == "Weekend Films"
    assert [each.title for each in films_of_it.children] == [
        "The Long Voyage",
        "The Glass Orchard",
        "Amber Skies",
    ]
    with pytest.raises(media_source.Unresolvable) as failed:
        await media_source.async_resolve_media(hass, weekend.media_content_id, None)
    assert failed.value.translation_key == "playlist_on_plex_player"

    # A leaf browsed is itself.
    leaf = await browse(hass, identifier(track))
    assert leaf.title == "Paper Boats"


async def test_a_shared_server_browses(
    hass: HomeAssistant, shared: PMSSimulator, panel: MockConfigEntry
) -> None:
    """A server shared with the account is browsed with the token plex.tv lists for it."""
    entry_id = panel.entry_id
    server = await browse(hass, f"{entry_id}/{SHARED_ID}")
    assert child(server, "Films")
    # The connection chosen is kept: it proves who it is once.
    await browse(hass, f"{entry_id}/{SHARED_ID}/section/1")
    assert len(shared.requests_to("/identity")) == 1
    assert shared.requests_to("/library/sections")
    assert all(r.headers["X-Plex-Token"] == SHARED_TOKEN for r in shared.requests_to("/library"))


async def test_a_server_that_does_not_answer(
    hass: HomeAssistant, living_room: PMSSimulator, panel: MockConfigEntry
) -> None:
    """A translated error for the server that does not answer; the others still browse."""
    with pytest.raises(BrowseError) as failed:
        await browse(hass, f"{panel.entry_id}/{ATTIC_ID}")
    assert failed.value.translation_key == "server_unreachable"
    assert failed.value.translation_placeholders == {"server": "Attic NAS"}
    assert (await browse(hass, f"{panel.entry_id}/{LIVING_ROOM_SERVER_ID}")).children

    for wrong, key in (
        (f"{panel.entry_id}/no-such-server", "server_not_found"),
        ("no-such-entry", "account_not_loaded"),
        (f"{panel.entry_id}/{LIVING_ROOM_SERVER_ID}/item/999999", "unknown_media"),
        (f"{panel.entry_id}/{LIVING_ROOM_SERVER_ID}/nonsense", "unknown_media"),
        (f"{panel.entry_id}/{LIVING_ROOM_SERVER_ID}/section/9", "unknown_media"),
        (f"{panel.entry_id}/{LIVING_ROOM_SERVER_ID}/playlist/9999", "unknown_media"),
        (f"{panel.entry_id}/{LIVING_ROOM_SERVER_ID}/item/1/2/3/4", "unknown_media"),
        (f"{panel.entry_id}/{LIVING_ROOM_SERVER_ID}//x", "unknown_media"),
    ):
        with pytest.raises(BrowseError) as failed:
            await browse(hass, wrong)
        assert failed.value.translation_key == key, wrong


async def test_a_large_library_in_letter_groups(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    plextv_url: str,
    pms_factory: PMSFactory,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A library of thousands opens as letter groups, each read a page at a time."""
    big = await pms_factory(host="127.0.0.2", films=3000)
    living_room_resource(plextv)["connections"][0].update(
        address=big.host, port=big.port, uri=big.url
    )
    await set_up(hass, mock_config_entry)
    assert await async_setup_component(hass, "media_source", {})
    films = await browse(hass, f"{mock_config_entry.entry_id}/{LIVING_ROOM_SERVER_ID}/section/1")
    groups = films.children
    assert [group.title for group in groups][:2] == ["#", "A"]
    assert all(group.can_expand and not group.can_play for group in groups)
    [page] = [r for r in big.requests_to("/library/sections/1/all") if "sort" in r.query]
    assert page.query["X-Plex-Container-Size"] == str(GROUP_ABOVE)
    letter = await browse(hass, identifier(child(films, "#")))
    assert letter.title == "#"
    assert letter.children
    assert all(item.can_play for item in letter.children)
    total = sum([len((await browse(hass, identifier(group))).children) for group in groups])
    assert total == big.library.count("1")


async def test_posters_are_signed_and_expire(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    living_room: PMSSimulator,
    panel: MockConfigEntry,
) -> None:
    """A poster's URL is Home Assistant's own, signed and expiring, with no Plex token."""
    films = await browse(hass, f"{panel.entry_id}/{LIVING_ROOM_SERVER_ID}/section/1")
    thumbnail = child(films, "The Long Voyage").thumbnail
    assert thumbnail is not None
    assert thumbnail.startswith(f"/api/plex_account/image/{panel.entry_id}/{LIVING_ROOM_SERVER_ID}")
    assert living_room.token not in thumbnail
    assert "authSig" in thumbnail
    client = await hass_client_no_auth()
    answer = await client.get(thumbnail)
    assert answer.status == 200
    assert answer.content_type == "image/png"
    assert (await answer.read()).startswith(b"\x89PNG")

    # Unsigned, or signed for another path: refused.
    unsigned = thumbnail.split("&authSig=")[0]
    assert (await client.get(unsigned)).status == 401
    query = parse_qs(urlsplit(thumbnail).query)
    other = thumbnail.replace("1001", "1002") if "1001" in query["path"][0] else thumbnail + "x"
    assert (await client.get(other)).status == 401

    # A picture the server does not have, or of an entry that is not loaded: not found.
    source = PlexAccountMediaSource(hass)
    where = Location(entry_id=panel.entry_id, server_id=LIVING_ROOM_SERVER_ID)
    missing = source._thumbnail(where, "/identity")
    assert missing is not None
    assert (await client.get(missing)).status == 404
    elsewhere = source._thumbnail(replace(where, entry_id="no-such-entry"), "/x")
    assert elsewhere is not None
    assert (await client.get(elsewhere)).status == 404
    assert source._thumbnail(where, None) is None

    freezer.tick(timedelta(hours=2))
    assert (await client.get(thumbnail)).status == 401


async def test_resolve_with_a_transient_token(
    hass: HomeAssistant, living_room: PMSSimulator, panel: MockConfigEntry
) -> None:
    """A played item's URL is on the server, with a token the server issued for it."""
    base = f"{ROOT}/{panel.entry_id}/{LIVING_ROOM_SERVER_ID}/item"

    async def resolve(key: str) -> media_source.PlayMedia:
        return await media_source.async_resolve_media(hass, f"{base}/{key}", None)

    track = await resolve(TRACK)
    assert track.mime_type == "audio/wav"
    url = urlsplit(track.url)
    assert f"{url.scheme}://{url.netloc}" == living_room.url
    assert url.path.startswith("/library/parts/")
    [token] = parse_qs(url.query)["X-Plex-Token"]
    assert token in living_room.transient_tokens
    assert living_room.token not in track.url

    # The player fetches it from the server directly, with that token alone.
    async with ClientSession() as session, session.get(track.url) as answer:
        assert answer.status == 200
        assert (await answer.read()).startswith(b"RIFF")

    film = await resolve(MP4_FILM)
    assert film.mime_type == "video/mp4"
    transcoded = await resolve(MKV_FILM)
    assert transcoded.mime_type == "application/vnd.apple.mpegurl"
    url = urlsplit(transcoded.url)
    assert url.path == "/video/:/transcode/universal/start.m3u8"
    query = parse_qs(url.query)
    assert query["path"] == [f"/library/metadata/{MKV_FILM}"]
    assert query["X-Plex-Token"][0] in living_room.transient_tokens
    async with ClientSession() as session, session.get(transcoded.url) as answer:
        assert answer.status == 200
        assert (await answer.text()).startswith("#EXTM3U")

    # A show does not play by itself; an unknown item is no item.
    for key in ("2000", "999999", "not a key"):
        with pytest.raises(media_source.Unresolvable) as failed:
            await resolve(key)
        assert failed.value.translation_key == "unknown_media"
    with pytest.raises(media_source.Unresolvable):
        await media_source.async_resolve_media(hass, f"{ROOT}/{panel.entry_id}", None)
    living_room.add_fault("/security/token", status=500)
    with pytest.raises(media_source.Unresolvable) as failed:
        await resolve(TRACK)
    assert failed.value.translation_key == "server_unreachable"


async def test_search(
    hass: HomeAssistant, living_room: PMSSimulator, panel: MockConfigEntry
) -> None:
    """The servers answer a search of the Media panel; one that does not answer finds nothing."""
    query = SearchMediaQuery(search_query="lighthouse")
    found = await media_source.async_search_media(hass, f"{ROOT}/{panel.entry_id}", query)
    titles = {item.title for item in found.result}
    assert "The Lighthouse" in titles
    assert living_room.requests_to("/hubs/search")
    everywhere = await media_source.async_search_media(hass, ROOT, query)
    assert {item.title for item in everywhere.result} == titles
    tracks = await media_source.async_search_media(
        hass,
        f"{ROOT}/{panel.entry_id}/{LIVING_ROOM_SERVER_ID}",
        SearchMediaQuery(search_query="paper", media_filter_classes=["track"]),
    )
    assert [item.title for item in tracks.result] == ["Paper Boats"]


def test_location() -> None:
    """Identifiers are paths of at most five parts, none empty."""
    assert Location.parse("e/s/letter/1/%23").args == ("1", "%23")
    assert Location.parse("e") == Location(entry_id="e")
    for wrong in ("", "e//x", "a/b/c/d/e/f"):
        with pytest.raises(ValueError, match="not an identifier"):
            Location.parse(wrong)


async def test_what_needs_the_transcoder(living_room: PMSSimulator) -> None:
    """A photo or a track in a format players do not take goes through Plex's transcoders."""
    async with ClientSession() as session:
        client = PMSClient(session=session, base_url=living_room.url, token=living_room.token)
        token = await client.transient_token()
        photo = LibraryItem(
            rating_key="4001", type="photo", parts=(Part(key="/library/parts/40012/1/f.heic"),)
        )
        shown = playable(client, photo, token, "client-id")
        assert shown.mime_type == "image/jpeg"
        assert parse_qs(urlsplit(shown.url).query)["url"] == ["/library/parts/40012/1/f.heic"]
        track = LibraryItem(
            rating_key="3112", type="track", parts=(Part(key="/p/1/f.wma", container="wma"),)
        )
        played = playable(client, track, token, "client-id")
        assert played.mime_type == "audio/mpeg"
        assert urlsplit(played.url).path == "/music/:/transcode/universal/start.mp3"
        async with session.get(played.url) as answer:
            assert answer.status == 200
        bare = playable(client, replace(photo, parts=()), token, "client-id")
        assert parse_qs(urlsplit(bare.url).query)["url"] == ["/library/metadata/4001"]
        with pytest.raises(ValueError, match="transient"):
            playable(client, track, living_room.token, "client-id")
