"""Loading, setting up, unloading and removing the integration."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.const import DOMAIN, VERSION

from .plextv_sim import PlexTVSimulator

MANIFEST = Path(__file__).parent.parent / "custom_components" / DOMAIN / "manifest.json"


async def test_loader_accepts_the_integration(hass: HomeAssistant) -> None:
    """Home Assistant's own loader finds the integration and accepts its manifest."""
    integration = await async_get_integration(hass, DOMAIN)
    manifest = json.loads(MANIFEST.read_text())
    assert integration.domain == DOMAIN
    assert integration.name == "Plex Account"
    assert str(integration.version) == manifest["version"] == VERSION
    assert integration.config_flow is True
    assert integration.is_built_in is False
    assert integration.integration_type == "service"


@pytest.mark.usefixtures("no_token_in_logs")
async def test_setup_and_unload(
    hass: HomeAssistant, plextv: PlexTVSimulator, init_integration: MockConfigEntry
) -> None:
    """The entry sets up with one read of the account and resources, and unloads."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.data.account.uuid == plextv.account["uuid"]
    assert {r.path for r in plextv.requests} == {"/api/v2/user", "/api/v2/resources"}
    resources = plextv.requests_to("/api/v2/resources")[0]
    assert resources.query == {"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"}
    assert resources.headers["X-Plex-Token"] == entry.data[CONF_TOKEN]

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not plextv.signed_out  # unloading is not removing


@pytest.mark.parametrize(
    "fault", [{"status": 503}, {"drop": True, "count": 2}, {"status": 429}, {"body": "<html>"}]
)
@pytest.mark.usefixtures("plextv_url")
async def test_setup_not_ready(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    mock_config_entry: MockConfigEntry,
    fault: dict[str, object],
) -> None:
    """When plex.tv cannot be read the entry retries later (not ready)."""
    plextv.add_fault("/api/v2/resources", **fault)  # type: ignore[arg-type]
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize("status", [401, 422])
@pytest.mark.usefixtures("plextv_url")
async def test_setup_dead_token_starts_reauth(
    hass: HomeAssistant, plextv: PlexTVSimulator, mock_config_entry: MockConfigEntry, status: int
) -> None:
    """A token plex.tv refuses (401, or 422 after a password reset) asks for a sign-in."""
    plextv.revoke(mock_config_entry.data[CONF_TOKEN], status=status)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "reauth_confirm"


@pytest.mark.usefixtures("no_token_in_logs")
async def test_remove_signs_out(
    hass: HomeAssistant, plextv: PlexTVSimulator, init_integration: MockConfigEntry
) -> None:
    """Removing the entry signs its token out at plex.tv."""
    token = init_integration.data[CONF_TOKEN]
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert plextv.signed_out == [token]
    assert plextv.requests[-1].method == "DELETE"
    assert plextv.requests[-1].headers["X-Plex-Token"] == token
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.usefixtures("no_token_in_logs")
async def test_remove_when_plextv_is_down(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed sign-out is logged and never blocks removal."""
    plextv.add_fault("/api/v2/users/signout", status=503)
    with caplog.at_level(logging.WARNING):
        await hass.config_entries.async_remove(init_integration.entry_id)
        await hass.async_block_till_done()
    assert not hass.config_entries.async_entries(DOMAIN)
    assert not plextv.signed_out
    assert "Could not sign out of plex.tv" in caplog.text


@pytest.mark.usefixtures("no_token_in_logs")
async def test_remove_with_dead_token(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token plex.tv already revoked needs no sign-out and no warning."""
    plextv.revoke(init_integration.data[CONF_TOKEN])
    with caplog.at_level(logging.WARNING):
        await hass.config_entries.async_remove(init_integration.entry_id)
        await hass.async_block_till_done()
    assert not hass.config_entries.async_entries(DOMAIN)
    assert "Could not sign out" not in caplog.text
