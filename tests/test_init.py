"""Loading, setting up and unloading the integration."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.const import DOMAIN, VERSION

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


async def test_setup_and_unload(hass: HomeAssistant) -> None:
    """A config entry sets up and unloads."""
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
