"""Players a server knows, commands through it, and play queues, against the simulator."""

import pytest
from aiohttp import ClientSession
from aioplexaccount import PlexError, PMSClient, RemotePlayer

from library.simulators.pms import LIVING_ROOM_TV_ID, PMSSimulator, living_room_tv, sample_film


@pytest.fixture
async def sim(pms_factory: object) -> PMSSimulator:
    """Return a Living Room Server simulator."""
    return await pms_factory(host="127.0.0.2")  # type: ignore[operator,no-any-return]


async def test_players_and_commands(session: ClientSession, sim: PMSSimulator) -> None:
    """The players and what they accept; a command reaches its player with its id."""
    client = PMSClient(session=session, base_url=sim.url, token=sim.token)
    players = {player.machine_identifier: player for player in await client.players()}
    tv = players[LIVING_ROOM_TV_ID]
    assert (tv.accepts_control, tv.accepts_play_queues) == (True, True)
    web = next(player for player in players.values() if player.product == "Plex Web")
    assert (web.accepts_control, web.accepts_play_queues) == (False, False)

    assert await client.playing_queue(LIVING_ROOM_TV_ID, command_id=1) is None
    key = sim.start_session(player=living_room_tv(), media=sample_film())
    await client.player_command(LIVING_ROOM_TV_ID, "pause", command_id=2)
    assert sim.session(key).state == "paused"
    [poll, pause] = sim.commands
    assert (poll.command, pause.command, pause.command_id) == ("timeline/poll", "playback/pause", 2)
    assert pause.query["type"] == "video"
    with pytest.raises(ValueError, match="not a playback command"):
        await client.player_command(LIVING_ROOM_TV_ID, "navigation/home", command_id=3)

    queue = await client.create_play_queue(
        "2203", media_type="video", machine_identifier=sim.machine_identifier, continuous=True
    )
    assert queue.size == 3
    await client.add_to_play_queue(
        queue.id, "1001", machine_identifier=sim.machine_identifier, next_up=True
    )
    assert len(sim.play_queue(queue.id).items) == 4
    listed = await client.create_play_queue(
        media_type="video", machine_identifier=sim.machine_identifier, playlist_id="9002"
    )
    assert (listed.size, listed.selected_rating_key) == (3, "1001")
    with pytest.raises(ValueError, match="an item or a playlist"):
        await client.create_play_queue(media_type="video", machine_identifier="x")
    playlists = await client.playlists()
    assert {(p.title, p.playlist_type) for p in playlists.items} >= {("Weekend Films", "video")}
    assert len((await client.playlist_items("9002")).items) == 3
    sim.controllable(LIVING_ROOM_TV_ID, accepts=False)
    with pytest.raises(PlexError):
        await client.player_command(LIVING_ROOM_TV_ID, "play", command_id=4)


def test_unreadable_players_are_skipped() -> None:
    """A player entry that cannot be read does not hide the others."""
    players = RemotePlayer.list_from_dict(
        {"MediaContainer": {"Server": [{"name": "no id"}, {"machineIdentifier": "a"}]}}
    )
    assert [player.machine_identifier for player in players] == ["a"]
