"""The server client's libraries, items, tokens, scans and updater against the simulator.

Over real loopback HTTP; the server's hostile answers come from the simulator's faults.
"""

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientSession
from aioplexaccount import (
    Hub,
    LetterGroup,
    LibraryItem,
    LibrarySection,
    Page,
    Part,
    PlexAuthenticationError,
    PlexConnectionError,
    PlexNotFoundError,
    PlexResponseError,
    PMSClient,
    Release,
    SectionCounts,
    UpdateStatus,
)

from library.simulators.pms import (
    DIRECT_PLAY_FILM,
    SECTION_UUIDS,
    PMSFactory,
    PMSSimulator,
    sample_episode,
    sample_film,
    sample_track,
)
from library.simulators.pms.app import NEW_VERSION

START, SIZE = "X-Plex-Container-Start", "X-Plex-Container-Size"
FILMS = [
    "9 Lives of Ada",
    "Amber Skies",
    "The Glass Orchard",
    "The Long Voyage",
    "Midnight Ferry",
    "Zephyr Road",
]
METADATA = "/library/metadata/"


@pytest.fixture
def plex(session: ClientSession, pms: PMSSimulator) -> PMSClient:
    """Return a client of the sample server with its token."""
    return PMSClient(session=session, base_url=pms.url, token=pms.token)


def container(**fields: object) -> str:
    """Return a server's JSON answer: a MediaContainer of these fields."""
    return json.dumps({"MediaContainer": fields})


def film(rating_key: str = "7", **changes: object) -> dict[str, Any]:
    """Return a film as a server lists it, with the given fields changed."""
    return {"ratingKey": rating_key, "type": "movie", "title": f"Film {rating_key}"} | changes


def query(pms: PMSSimulator, path: str) -> dict[str, str]:
    """Return the query of the one request to exactly this path."""
    [request] = [r for r in pms.requests_to(path) if r.path == path]
    return request.query


# Sections and their counts


async def test_sections(plex: PMSClient, pms: PMSSimulator) -> None:
    """The four sections, with their uuids, their scan time and whether they scan now."""
    sections = await plex.sections()
    assert [(s.key, s.type, s.title) for s in sections] == [
        ("1", "movie", "Films"),
        ("2", "show", "TV Shows"),
        ("3", "artist", "Music"),
        ("4", "photo", "Photos"),
    ]
    assert [s.uuid for s in sections] == list(SECTION_UUIDS.values())
    films = sections[0]
    assert (films.refreshing, films.scanned_at) == (
        False,
        datetime.fromtimestamp(pms.library.section("1").scanned_at, UTC),
    )
    [request] = pms.requests_to("/library/sections")
    assert request.headers["X-Plex-Token"] == pms.token
    assert request.headers["Accept"] == "application/json"


async def test_section_counts(pms_factory: PMSFactory, session: ClientSession) -> None:
    """Each section counts its own items, and shows and music what is inside: reading none."""
    pms = await pms_factory(films=250)
    plex = PMSClient(session=session, base_url=pms.url, token=pms.token)
    counts = [await plex.section_counts(section) for section in await plex.sections()]
    assert [(c.section.key, c.counts, c.items) for c in counts] == [
        ("1", {"movie": 256}, 256),
        ("2", {"show": 2, "season": 4, "episode": 16}, 2),
        ("3", {"artist": 2, "album": 3, "track": 11}, 2),
        ("4", {"photo": 3}, 3),
    ]
    # No item is read: the count alone, asked for as a page of none, without collections.
    requests = pms.requests_to("/library/sections/2/all")
    assert [r.query for r in requests] == [
        {"type": str(number), "includeCollections": "0", START: "0", SIZE: "0"}
        for number in (2, 3, 4)
    ]
    assert await plex.count("3", "album") == 3


def test_section_counts_of_an_unknown_type() -> None:
    """A section of a type of no known counts has no count of its own items."""
    section = LibrarySection(key="9", uuid="u", type="clip", title="Clips")
    assert SectionCounts(section=section, counts={}).items is None
    films = LibrarySection(key="1", uuid="u", type="movie", title="Films")
    assert SectionCounts(section=films, counts={}).items is None


async def test_count_without_total(plex: PMSClient, pms: PMSSimulator) -> None:
    """A server that does not say how many there are in all has them all on the page."""
    pms.add_fault("/library/sections/1/all", body=container(size=0, offset=0))
    assert await plex.count("1", "movie") == 0
    pms.add_fault("/library/sections/1/all", body=container(offset=3, Metadata=[film(), film()]))
    page = await plex.section_items("1", start=3)
    assert (page.offset, page.total, [i.rating_key for i in page.items]) == (3, 5, ["7", "7"])


# Listings


async def test_section_items_are_paged(pms_factory: PMSFactory, session: ClientSession) -> None:
    """A page of a section's items: where it starts, how many in all, in the order asked."""
    pms = await pms_factory(films=250)
    plex = PMSClient(session=session, base_url=pms.url, token=pms.token)
    first = await plex.section_items("1")
    assert (len(first.items), first.offset, first.total) == (100, 0, 256)
    assert [item.title for item in first.items[:2]] == ["1 Harbours", "2 Rivers"]
    last = await plex.section_items("1", start=200, size=100)
    assert (len(last.items), last.offset, last.total) == (56, 200, 256)
    newest = await plex.section_items("1", start=0, size=1, sort="addedAt:desc")
    assert [item.rating_key for item in newest.items] == [sample_film().rating_key]
    queries = [r.query for r in pms.requests_to("/library/sections/1/all")]
    assert queries == [
        {"sort": "titleSort", START: "0", SIZE: "100"},
        {"sort": "titleSort", START: "200", SIZE: "100"},
        {"sort": "addedAt:desc", START: "0", SIZE: "1"},
    ]


async def test_films(plex: PMSClient, pms: PMSSimulator) -> None:
    """A film with its file: a path on the server, its container, size and duration."""
    page = await plex.section_items("1")
    assert [item.title for item in page.items] == FILMS
    direct = next(item for item in page.items if item.rating_key == DIRECT_PLAY_FILM)
    sim = pms.library.item(DIRECT_PLAY_FILM)
    [part] = direct.parts
    assert part == Part(
        key=sim.media_json()["Part"][0]["key"],
        container="mp4",
        size=sim.media_json()["Part"][0]["size"],
        duration_ms=sim.duration,
    )
    assert part.key.startswith("/library/parts/")
    assert (direct.type, direct.is_leaf, direct.year, direct.duration_ms) == (
        "movie",
        True,
        sim.year,
        sim.duration,
    )
    assert (direct.section_id, direct.section_title) == ("1", "Films")
    assert direct.added_at == datetime.fromtimestamp(sim.added_at, UTC)
    assert (direct.show, direct.season, direct.episode, direct.artist) == (None,) * 4
    assert direct.artwork == direct.thumb == sim.thumb()
    assert (direct.leaf_count, direct.child_count, direct.position_ms) == (None, None, None)


async def test_first_characters(plex: PMSClient, pms: PMSSimulator) -> None:
    """A section's items by the first character of their titles; "#" is sent as it must be."""
    groups = await plex.first_characters("1")
    assert groups == [
        LetterGroup(key="#", title="#", size=1),
        LetterGroup(key="A", title="A", size=1),
        LetterGroup(key="G", title="G", size=1),
        LetterGroup(key="L", title="L", size=1),
        LetterGroup(key="M", title="M", size=1),
        LetterGroup(key="Z", title="Z", size=1),
    ]
    numbers = await plex.letter_items("1", "#")
    assert ([i.title for i in numbers.items], numbers.total) == (["9 Lives of Ada"], 1)
    glass = await plex.letter_items("1", "G", start=0, size=10)
    assert [i.title for i in glass.items] == ["The Glass Orchard"]
    [request] = pms.requests_to("/library/sections/1/firstCharacter/G")
    assert request.query == {START: "0", SIZE: "10"}
    assert pms.requests_to("/library/sections/1/firstCharacter/#")


async def test_letter_groups_as_servers_send_them(plex: PMSClient, pms: PMSSimulator) -> None:
    """A group without a title is named by its key; without a size, it is empty; no key: skipped."""
    groups = [{"key": "B"}, {"key": "C", "title": "C!", "size": "4"}, {"title": "no key"}]
    pms.add_fault("/library/sections/1/firstCharacter", body=container(Directory=groups))
    assert await plex.first_characters("1") == [
        LetterGroup(key="B", title="B", size=0),
        LetterGroup(key="C", title="C!", size=4),
    ]


@pytest.mark.parametrize("character", ["", "ABCDEFGHI", "A\n", "\x00", ".", ".."])
async def test_letter_that_is_no_group(plex: PMSClient, pms: PMSSimulator, character: str) -> None:
    """A character that is no group's key reaches no path: "." and ".." would leave it."""
    with pytest.raises(ValueError, match="character must be one group's key"):
        await plex.letter_items("1", character)
    assert pms.requests == []


async def test_show_season_and_episode(plex: PMSClient) -> None:
    """A show's seasons, a season's episodes: each knows its show, season and number."""
    [show] = (await plex.section_items("2", size=1)).items
    assert (show.title, show.type, show.is_leaf, show.parts) == ("12 Stations", "show", False, ())
    assert (show.child_count, show.leaf_count, show.show) == (2, 7, None)
    seasons = await plex.children("2000")
    assert [(s.title, s.index, s.show) for s in seasons.items] == [
        ("Season 1", 1, "Northern Lines"),
        ("Season 2", 2, "Northern Lines"),
    ]
    assert (seasons.items[0].season, seasons.items[0].episode) == (None, None)
    episodes = await plex.children("2200", start=4, size=5)
    [episode] = episodes.items
    sample = sample_episode()
    assert (episodes.offset, episodes.total) == (4, 5)
    assert (episode.rating_key, episode.title, episode.is_leaf) == (
        sample.rating_key,
        sample.title,
        True,
    )
    assert (episode.show, episode.season, episode.episode) == ("Northern Lines", 2, 5)
    assert (episode.parent_title, episode.grandparent_title) == ("Season 2", "Northern Lines")
    assert episode.artwork == episode.thumb
    assert episode.parts[0].container == "mkv"


async def test_artist_album_and_track(plex: PMSClient) -> None:
    """An album and a track know their artist; a track shows its album's cover."""
    [album, _] = (await plex.children("3000")).items
    assert (album.title, album.artist, album.is_leaf) == ("Harbour Songs", "The Quiet Tides", False)
    tracks = await plex.children("3100")
    track = tracks.items[1]
    sample = sample_track()
    assert (track.rating_key, track.type, track.title) == (sample.rating_key, "track", sample.title)
    assert (track.artist, track.show, track.season, track.episode) == (
        "The Quiet Tides",
        None,
        None,
        None,
    )
    assert track.artwork == track.thumb == album.thumb
    assert track.parts[0].container == "wav"


def test_artwork_falls_back_to_the_parents() -> None:
    """An item without a picture of its own shows its parent's, else its grandparent's."""
    base = LibraryItem(rating_key="1", type="episode")
    assert base.artwork is None
    parent = LibraryItem(rating_key="1", type="episode", parent_thumb="/p", grandparent_thumb="/g")
    assert parent.artwork == "/p"
    assert LibraryItem(rating_key="1", type="episode", grandparent_thumb="/g").artwork == "/g"
    clip = LibraryItem.from_dict({"ratingKey": 5, "type": "clip"})
    assert (clip.rating_key, clip.is_leaf, clip.title) == ("5", True, "")


async def test_items(plex: PMSClient, pms: PMSSimulator) -> None:
    """Items by their keys, with their files, in the order asked; those gone are left out."""
    keys = [sample_track().rating_key, "999999", sample_film().rating_key, "2000"]
    items = await plex.items(keys)
    assert [item.rating_key for item in items] == [keys[0], keys[2], keys[3]]
    assert [len(item.parts) for item in items] == [1, 1, 0]
    [request] = pms.requests_to(METADATA)
    assert request.path == f"{METADATA}{','.join(keys)}"
    assert await plex.items([]) == []
    assert len(pms.requests_to(METADATA)) == 1


async def test_items_none_of_which_exist(plex: PMSClient, pms: PMSSimulator) -> None:
    """A 404 says none of them exists (any more): nothing, and no error."""
    assert await plex.items(["999998", "999999"]) == []
    pms.add_fault(METADATA, status=500)
    with pytest.raises(PlexConnectionError, match="answered 500"):
        await plex.items(["1001"])


async def test_many_items_in_few_requests(pms_factory: PMSFactory, session: ClientSession) -> None:
    """At most 100 keys go in one request: 250 items in three, in order, one batch gone."""
    pms = await pms_factory(films=250)
    plex = PMSClient(session=session, base_url=pms.url, token=pms.token)
    keys = [str(1_000_000 + number) for number in range(250)]
    for key in keys[100:200]:
        pms.library.remove(key)
    items = await plex.items(keys)
    assert [item.rating_key for item in items] == keys[:100] + keys[200:]
    assert [len(r.path.split(",")) for r in pms.requests_to(METADATA)] == [100, 100, 50]


async def test_recently_added_and_on_deck(plex: PMSClient, pms: PMSSimulator) -> None:
    """What was added last, newest first; what is in progress, with how far it was watched."""
    recent = await plex.recently_added(size=3)
    assert [item.type for item in recent.items] == ["episode", "movie", "movie"]
    assert recent.items[0].rating_key == sample_episode().rating_key
    assert query(pms, "/library/recentlyAdded") == {START: "0", SIZE: "3"}
    deck = await plex.on_deck()
    assert [(i.rating_key, i.position_ms) for i in deck.items] == [
        ("1004", 3_000_000),
        ("2203", 600_000),
    ]
    assert query(pms, "/library/onDeck") == {START: "0", SIZE: "100"}


async def test_search(plex: PMSClient, pms: PMSSimulator) -> None:
    """One hub per kind of item found, in the server's order, as many as the limit."""
    hubs = await plex.search("harbour", limit=1)
    assert [(h.identifier, h.type, h.title, len(h.items)) for h in hubs] == [
        ("episode", "episode", "Episodes", 1),
        ("album", "album", "Albums", 1),
        ("photo", "photo", "Photos", 1),
    ]
    assert hubs[0].items[0].title == "Harbour Lights"
    assert query(pms, "/hubs/search") == {"query": "harbour", "limit": "1"}
    assert await plex.search("nothing like it") == []


async def test_hubs_as_servers_send_them(plex: PMSClient, pms: PMSSimulator) -> None:
    """A hub without an identifier is skipped; a hub's unreadable items are too."""
    hubs = [
        {"title": "no identifier", "Metadata": [film()]},
        {"hubIdentifier": "movie", "Metadata": [film("8"), {"type": "movie"}]},
    ]
    pms.add_fault("/hubs/search", body=container(Hub=hubs))
    assert await plex.search("film") == [
        Hub(identifier="movie", items=(LibraryItem.from_dict(film("8")),))
    ]


# What the server answers that is no answer


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "the server answered GET /library/sections with a body that is not JSON"),
        ("[]", "library sections: expected a JSON object, got list"),
        ('{"MediaContainer": []}', "library sections container: expected a JSON object"),
        (container(Directory={}), "field 'Directory' must be a list, got dict"),
        (container(Directory=[1, {"key": "1"}]), "none of the 2 entries could be read"),
    ],
)
async def test_sections_that_cannot_be_read(
    plex: PMSClient, pms: PMSSimulator, body: str, message: str
) -> None:
    """Malformed JSON, a wrong type, or no entry that can be read: PlexResponseError."""
    pms.add_fault("/library/sections", body=body)
    with pytest.raises(PlexResponseError, match=message):
        await plex.sections()


async def test_unreadable_entries_are_skipped(plex: PMSClient, pms: PMSSimulator) -> None:
    """An entry that cannot be read does not hide the others."""
    directories = [
        {"key": "1", "uuid": "u1", "type": "movie"},
        {"key": "2", "uuid": "u2"},
        {"key": 3, "uuid": "u3", "type": "show", "title": None, "refreshing": "1"},
        {"key": "4", "uuid": "u4", "type": "photo", "scannedAt": "soon"},
        "not an object",
    ]
    pms.add_fault("/library/sections", body=container(Directory=directories))
    assert await plex.sections() == [
        LibrarySection(key="1", uuid="u1", type="movie", title=""),
        LibrarySection(key="3", uuid="u3", type="show", title="", refreshing=True),
    ]


async def test_items_as_servers_send_them(plex: PMSClient, pms: PMSSimulator) -> None:
    """Wrong types make an item unreadable; a file that is no path on the server is left out.

    A part's key that is a URL (or //host) would send a token elsewhere: the item stays, its
    file does not. The first media that has a file is the item's.
    """
    metadata = [
        film("1", year="1999", duration="5400000", Media=[{"Part": [{"key": "/parts/1"}]}]),
        film("2", year="last year"),
        film("3", Media=[{"Part": [{"key": "https://elsewhere.example/parts/3"}]}]),
        film("4", Media=[{"Part": [{"key": "//elsewhere.example/parts/4"}]}]),
        film(
            "5",
            Media=[
                "not an object",
                {"Part": []},
                {"Part": [{"key": ""}, {"key": "/parts/5", "container": "MKV", "size": "12"}]},
                {"Part": [{"key": "/parts/5b"}]},
            ],
        ),
        film("6", Media="not a list"),
        film("7", Media=[{"container": ""}], viewOffset=-1),
        {"type": "movie", "title": "no key"},
    ]
    pms.add_fault(METADATA, body=container(Metadata=metadata))
    items = await plex.items(["1", "2", "3", "4", "5", "6", "7"])
    assert [item.rating_key for item in items] == ["1", "3", "4", "5"]
    first, elsewhere, other_host, fifth = items
    assert (first.year, first.duration_ms, first.parts) == (
        1999,
        5_400_000,
        (Part(key="/parts/1"),),
    )
    assert (elsewhere.parts, other_host.parts) == ((), ())
    assert fifth.parts == (Part(key="/parts/5", container="mkv", size=12),)


def test_a_part_that_is_no_path() -> None:
    """A part's key must be a path on the server: the error says so, not what it was."""
    with pytest.raises(PlexResponseError, match="'key' must be a path on the server") as err:
        Part.from_dict({"key": "https://elsewhere.example/secret"})
    assert "elsewhere" not in str(err.value)
    assert Part.from_dict({"key": "/p", "container": ""}).container is None


async def test_items_that_are_gone(plex: PMSClient, pms: PMSSimulator) -> None:
    """Removed, an item is not found: no error, nothing."""
    pms.library.remove(sample_film().rating_key)
    assert await plex.items([sample_film().rating_key]) == []
    with pytest.raises(PlexNotFoundError, match="answered 404"):
        await plex.children(sample_film().rating_key)


# Keys and paging


@pytest.mark.parametrize("key", ["", "../1", "1/2", "1,2", "a b", "%31", "1" * 65, 1])
async def test_bad_keys(plex: PMSClient, pms: PMSSimulator, key: Any) -> None:  # noqa: ANN401
    """A key that is no rating or section key reaches no path."""
    calls = [
        plex.count(key, "movie"),
        plex.section_items(key),
        plex.first_characters(key),
        plex.letter_items(key, "A"),
        plex.children(key),
        plex.items(["1001", key]),
        plex.scan(key),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="a key must be a Plex rating or section key"):
            await call
    assert pms.requests == []


@pytest.mark.parametrize(("start", "size"), [(-1, 10), (0, -1)])
async def test_negative_paging(plex: PMSClient, pms: PMSSimulator, start: int, size: int) -> None:
    """A page cannot start or end before the first item."""
    with pytest.raises(ValueError, match="start and size must not be negative"):
        await plex.section_items("1", start=start, size=size)
    with pytest.raises(ValueError, match="start and size must not be negative"):
        await plex.children("2000", start=start, size=size)
    assert pms.requests == []


def test_page_from_its_json() -> None:
    """Paging attributes as text are read; a negative total is malformed."""
    data = {"MediaContainer": {"offset": "2", "totalSize": "9", "Metadata": [film()]}}
    assert Page.from_dict(data) == Page(items=(LibraryItem.from_dict(film()),), offset=2, total=9)
    with pytest.raises(PlexResponseError, match="'totalSize' must be a count"):
        Page.from_dict({"MediaContainer": {"totalSize": -1}})
    assert Page.from_dict({"MediaContainer": {}}) == Page(items=())


# Tokens, media URLs and scans


async def test_transient_token_and_media_url(
    plex: PMSClient, pms: PMSSimulator, session: ClientSession
) -> None:
    """A player fetches a file with a transient token in its URL, never the server's."""
    token = await plex.transient_token()
    assert token in pms.transient_tokens
    assert token != pms.token
    assert query(pms, "/security/token") == {"type": "delegation", "scope": "all"}
    [direct] = await plex.items([DIRECT_PLAY_FILM])
    url = plex.media_url(direct.parts[0].key, token, {"download": "1"})
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{pms.url}{direct.parts[0].key}"
    assert parse_qs(parts.query) == {"download": ["1"], "X-Plex-Token": [token]}
    async with session.get(url) as response:
        assert response.status == 200
        assert response.content_type == "video/mp4"
        assert "attachment" in response.headers["Content-Disposition"]
    assert plex.media_url("/photo/:/transcode", token) == (
        f"{pms.url}/photo/:/transcode?X-Plex-Token={token}"
    )


async def test_media_url_refuses_the_servers_token(plex: PMSClient, pms: PMSSimulator) -> None:
    """The server's own token never goes into a URL another device fetches; no token, none."""
    with pytest.raises(ValueError, match="transient token, not the server's"):
        plex.media_url("/library/parts/1", pms.token)
    with pytest.raises(PlexAuthenticationError, match="missing or not valid"):
        plex.media_url("/library/parts/1", "")


@pytest.mark.parametrize("path", ["library/x", "@elsewhere.example/x", "//elsewhere.example/x"])
def test_media_url_only_to_the_server(plex: PMSClient, path: str) -> None:
    """A media URL is a path on the server: its token goes to no other host."""
    with pytest.raises(ValueError, match="path must be a path on the server"):
        plex.media_url(path, "transient-0123")


@pytest.mark.parametrize(
    "body", ["not json", container(token=""), container(token=7), container(size=0)]
)
async def test_transient_token_not_given(plex: PMSClient, pms: PMSSimulator, body: str) -> None:
    """An answer without a token is no token."""
    pms.add_fault("/security/token", body=body)
    with pytest.raises(PlexResponseError):
        await plex.transient_token()


async def test_scan(plex: PMSClient, pms: PMSSimulator) -> None:
    """A scan is asked for with a POST, and the owner's token."""
    await plex.scan("2")
    assert pms.scans == {"2": 1}
    [request] = pms.requests_to("/library/sections/2/refresh")
    assert (request.method, request.headers["X-Plex-Token"]) == ("POST", pms.token)
    with pytest.raises(PlexNotFoundError):
        await plex.scan("9")


# The updater


async def test_update_status(plex: PMSClient, pms: PMSSimulator) -> None:
    """Up to date, then a release the server offers, which it may install or only notify of."""
    status = await plex.update_status()
    assert (status.can_install, status.releases, status.latest) == (False, (), None)
    pms.set_update(NEW_VERSION, can_install=False, notes="Faster")
    status = await plex.update_status()
    assert status.latest == Release(version=NEW_VERSION, fixed="Faster", state="notify")
    assert status.checked_at == datetime.fromtimestamp(pms.updater.checked_at, UTC)
    assert status.installed_version is None
    # The release's download URL (it carries the token) is not kept.
    assert pms.token not in repr(status)
    pms.set_update("2.0.0.1", can_install=True)
    status = await plex.update_status()
    assert status.can_install
    assert status.latest is not None
    assert (status.latest.version, status.latest.state) == ("2.0.0.1", "available")


async def test_update_status_as_servers_send_it(plex: PMSClient, pms: PMSSimulator) -> None:
    """A release without a version is skipped; blank notes are none; none readable: an error."""
    releases = [{"added": "x"}, {"version": "1.2", "added": "", "fixed": "", "state": ""}]
    pms.add_fault("/updater/status", body=container(canInstall="1", Release=releases))
    assert await plex.update_status() == UpdateStatus(
        can_install=True, releases=(Release(version="1.2"),)
    )
    pms.add_fault("/updater/status", body=container(Release=[{"version": 1}]))
    with pytest.raises(PlexResponseError, match="releases: none of the 1 entries"):
        await plex.update_status()


async def test_check_for_update(plex: PMSClient, pms: PMSSimulator) -> None:
    """A check, then a check that downloads: each a PUT."""
    await plex.check_for_update()
    await plex.check_for_update(download=True)
    assert pms.updater.checks == [False, True]
    assert [r.method for r in pms.requests_to("/updater/check")] == ["PUT", "PUT"]


async def test_install_update(plex: PMSClient, pms: PMSSimulator) -> None:
    """A server that cannot install refuses (400); one that can restarts on the new version."""
    pms.set_update(NEW_VERSION, can_install=False)
    with pytest.raises(PlexResponseError, match="answered 400 to PUT /updater/apply"):
        await plex.install_update()
    pms.set_update(NEW_VERSION, can_install=True)
    await plex.install_update()
    assert (pms.version, pms.restarts, pms.updater.applies) == (NEW_VERSION, 1, 1)
    assert (await plex.server_identity()).version == NEW_VERSION
