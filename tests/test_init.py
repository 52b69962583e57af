"""Loading, setting up and unloading the integration."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from custom_components.plex_account.const import DOMAIN

MANIFEST = Path(__file__).parent.parent / "custom_components" / DOMAIN / "manifest.json"


async def test_loader_accepts_the_integration(hass: HomeAssistant) -> None:
    """Home Assistant's own loader finds the integration and accepts its manifest."""
    integration = await async_get_integration(hass, DOMAIN)
    manifest = json.loads(MANIFEST.read_text())
    assert integration.domain == DOMAIN
    assert integration.name == "Plex Account"
    assert str(integration.version) == manifest["version"]
    assert integration.config_flow is True
    assert integration.is_built_in is False
    assert integration.integration_type == "service"
