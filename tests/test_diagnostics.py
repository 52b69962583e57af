"""Diagnostics: the entry, the last refresh, how each server is followed; no secret."""

import json

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.plex_account.aioplexaccount import FollowState
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, PlexTVSimulator
from library.simulators.pms import PMSSimulator, living_room_tv, sample_film

from .common import state, until


@pytest.mark.usefixtures("no_token_in_logs")
async def test_diagnostics(  # noqa: PLR0913, PLR0917
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    plextv: PlexTVSimulator,
    living_room: PMSSimulator,
    playing_room: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The diagnostics say how each server is followed: kind of connection, websocket, age.

    No token, server address or personal detail reaches them, nor a state or an attribute.
    """
    living_room.start_session(player=living_room_tv(), media=sample_film())
    await until(hass, lambda: state(hass, "media_player.living_room_tv") == "playing")
    sessions = playing_room.runtime_data.sessions
    await until(
        hass,
        lambda: (
            None
            not in (
                (server := sessions.data[LIVING_ROOM_SERVER_ID]).libraries,
                server.update,
            )
        ),
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, playing_room)
    shown = json.dumps(diagnostics)
    states = " ".join(str(s.as_dict()) for s in hass.states.async_all())
    followed = {server["name"]: server for server in diagnostics.pop("followed_servers")}
    assert followed["Living Room Server"] == {
        "name": "Living Room Server",
        "available": True,
        "connection": "local",
        "server_version": "1.41.3.9314-a0bfb8370",
        "websocket": FollowState.CONNECTED,
        "last_notification_age_s": 0.0,
        "streams": 1,
        "libraries": [
            {"type": "movie", "counts": {"movie": 6}},
            {"type": "show", "counts": {"show": 2, "season": 4, "episode": 16}},
            {"type": "artist", "counts": {"artist": 2, "album": 3, "track": 11}},
            {"type": "photo", "counts": {"photo": 3}},
        ],
        "items_added": 0,
        "update_can_install": False,
    }
    assert followed["Attic NAS"]["available"] is False
    assert followed["Attic NAS"]["connection"] is None
    assert followed["Attic NAS"]["last_notification_age_s"] is None
    # The Living Room Server's port is the one this test's server took.
    assert diagnostics == snapshot(exclude=props("entry_id", "created_at", "modified_at", "port"))

    account, resources = plextv.account, plextv.resources
    secrets = [
        living_room.token,
        living_room.url,
        living_room.host,
        *plextv.tokens,
        account["email"],
        *(r["accessToken"] for r in resources),
    ]
    for secret in secrets:
        assert secret not in shown + states
    # The account's names are in the streams' attributes, but not in the diagnostics.
    personal = [
        *(account[key] for key in ("username", "uuid", "title")),
        *(r["publicAddress"] for r in resources if r.get("publicAddress")),
        *(c[k] for r in resources for c in r.get("connections", []) for k in ("address", "uri")),
        *(r["sourceTitle"] for r in resources if not r["owned"]),
    ]
    for secret in personal:
        assert str(secret) not in shown
