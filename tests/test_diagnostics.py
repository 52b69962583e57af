"""Diagnostics, with every secret of the account redacted."""

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

from library.simulators.plextv import PlexTVSimulator


@pytest.mark.usefixtures("no_token_in_logs")
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The diagnostics hold the entry and the last refresh, and no secret survives."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    # How the servers are followed moves as they answer: tests/test_sessions.py checks it.
    assert diagnostics == snapshot(
        exclude=props("entry_id", "created_at", "modified_at", "followed_servers")
    )

    text = json.dumps(diagnostics)
    account = plextv.account
    secrets = [
        *plextv.tokens,
        account["email"],
        account["username"],
        account["uuid"],
        account["title"],
        *(r["accessToken"] for r in plextv.resources),
        *(r["publicAddress"] for r in plextv.resources if r.get("publicAddress")),
        *(c["address"] for r in plextv.resources for c in r.get("connections", [])),
        *(c["uri"] for r in plextv.resources for c in r.get("connections", [])),
        *(r["sourceTitle"] for r in plextv.resources if not r["owned"]),
    ]
    assert secrets
    for secret in secrets:
        assert str(secret) not in text
