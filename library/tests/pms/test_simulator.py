"""The client and the listener against the project's Plex Media Server simulator."""

import asyncio
from collections.abc import Callable

from aiohttp import ClientSession

from aioplexaccount import Connection, Resource
from aioplexaccount import (
    ConnectionKind,
    FollowState,
    NotificationListener,
    PlexAuthenticationError,
    Session,
    choose_connection,
)
from library.simulators.pms import (
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_TOKEN,
    PMSSimulator,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from library.simulators.pms.fixtures import PMSFactory


def connection(sim: PMSSimulator, *, local: bool) -> Connection:
    """Return the plex.tv connection of a simulator."""
    assert sim.host is not None
    assert sim.port is not None
    return Connection(protocol="http", address=sim.host, port=sim.port, uri=sim.url, local=local)


async def until(condition: Callable[[], object], limit: float = 3.0) -> None:
    """Wait in real time until the condition holds."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 - the condition is the listener's, not an event
            await asyncio.sleep(0.005)


async def test_sessions_through_the_chosen_connection(
    pms_factory: PMSFactory, session: ClientSession
) -> None:
    """Another server at the local address is refused; the sessions are read at the other."""
    server = await pms_factory(host="127.0.0.3")
    impostor = await pms_factory(host="127.0.0.2", machine_identifier="another-server")
    resource = Resource(
        name="Living Room Server",
        client_identifier=SAMPLE_MACHINE_IDENTIFIER,
        access_token=SAMPLE_TOKEN,
        connections=(connection(impostor, local=True), connection(server, local=False)),
    )
    chosen = await choose_connection(session, resource, grace=0.1, timeout=2)
    assert (chosen.base_url, chosen.kind) == (server.url, ConnectionKind.REMOTE)
    server.start_session(player=living_room_tv(), media=sample_film())
    server.start_session(player=kitchen_speaker(), media=sample_track())
    client = chosen.client(session)
    sessions = await client.sessions()
    assert sorted(s.type for s in sessions) == ["movie", "track"]
    track = next(s for s in sessions if s.type == "track")
    assert track.artist == sample_track().grandparent_title
    assert track.state == "playing"
    artwork = await client.artwork(track.artwork or "")
    assert artwork.content_type == "image/png"
    assert artwork.data.startswith(b"\x89PNG")
    assert impostor.requests_to("/status/sessions") == []


async def test_listener_follows_the_simulator(pms: PMSSimulator, session: ClientSession) -> None:
    """Sessions started, paused and stopped on the server reach the owner, pushed."""
    reads: list[list[Session]] = []
    failures: list[PlexAuthenticationError] = []
    resource = Resource(
        name="Living Room Server",
        client_identifier=SAMPLE_MACHINE_IDENTIFIER,
        access_token=SAMPLE_TOKEN,
        connections=(connection(pms, local=True),),
    )
    chosen = await choose_connection(session, resource)
    listener = NotificationListener(
        client=chosen.client(session),
        on_sessions=reads.append,
        on_auth_failed=failures.append,
        debounce=0.01,
    )
    listener.start()
    try:
        await until(lambda: reads and listener.state is FollowState.CONNECTED)
        assert reads[-1] == []
        key = pms.start_session(player=living_room_tv(), media=sample_episode())
        await until(lambda: reads[-1] and reads[-1][0].state == "playing")
        assert reads[-1][0].show == sample_episode().grandparent_title
        pms.pause(key)
        await until(lambda: reads[-1][0].state == "paused")
        pms.stop(key)
        await until(lambda: reads[-1] == [])
        assert listener.last_notification is not None
        # A stale token ends the listener at the next read, and tells the owner.
        pms.token = "another-token"  # noqa: S105 - a test token
        pms.start_session(player=living_room_tv(), media=sample_film())
        await until(lambda: failures)
        assert listener.state is FollowState.AUTHENTICATION_FAILED
    finally:
        await listener.stop()
