"""Buttons: scan a library of an owned server for new files."""

from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PlexAccountConfigEntry
from .entity import PlexSectionEntity, async_add_section_entities
from .errors import action_errors

# A scan request is one call to the server; the server queues scans itself.
PARALLEL_UPDATES = 1

SCAN = ButtonEntityDescription(key="scan", translation_key="scan")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a scan button for each library of each owned server, as they appear."""
    async_add_section_entities(entry, async_add_entities, PlexScanButton, SCAN)


class PlexScanButton(PlexSectionEntity, ButtonEntity):
    """Ask the server to scan one library's folders for new and changed files."""

    @override
    async def async_press(self) -> None:
        """Ask for the scan; the server's notifications tell what it finds."""
        assert self.resource_id is not None
        client = self.coordinator.async_owned_client(self.resource_id)
        counts = self.section_counts
        # A button whose section is gone is unavailable: Home Assistant presses none.
        assert counts is not None
        with action_errors("scan_failed"):
            await client.scan(counts.section.key)
