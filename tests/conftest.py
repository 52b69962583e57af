"""Fixtures shared by the Plex Account tests."""

import logging
from collections.abc import Generator
from pathlib import Path
from unittest.mock import AsyncMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

# HA puts its test config dir first on sys.path; importing the package here makes
# `custom_components` resolve to this repository's, not the plugin's empty one.
import custom_components.plex_account  # noqa: F401
from custom_components.plex_account.const import (
    DISCOVER_URL_ENV,
    METADATA_URL_ENV,
    PLEXTV_URL_ENV,
)
from library.simulators.plextv import PlexTVSimulator
from library.simulators.pms import PMSFactory, PMSSimulator

from .common import living_room_resource, set_up, signed_in_entry

pytest_plugins = ["library.simulators.fixtures"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Bound each of these tests: on a frozen clock, an answer that never comes is no timeout."""
    here = Path(__file__).parent
    for item in items:
        if item.path.parent == here:
            item.add_marker(pytest.mark.timeout(60))


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load the integration from custom_components/, in its tests only."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def plextv_url(plextv: PlexTVSimulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the integration at the simulator's hosts, as a contributor would with the variables."""
    monkeypatch.setenv(PLEXTV_URL_ENV, plextv.url)
    monkeypatch.setenv(DISCOVER_URL_ENV, plextv.discover_url)
    monkeypatch.setenv(METADATA_URL_ENV, plextv.metadata_url)
    return plextv.url


@pytest.fixture
async def living_room(
    plextv: PlexTVSimulator, pms_factory: PMSFactory, freezer: FrozenDateTimeFactory
) -> PMSSimulator:
    """Serve the sample account's Living Room Server, where plex.tv says its local one is.

    plex.tv's other connections for it stay listed: nothing answers there (refused at once).
    Home Assistant's clock stands still: the followers' timers fire when a test says so.
    """
    server = await pms_factory(host="127.0.0.2")
    living_room_resource(plextv)["connections"][0].update(
        address=server.host, port=server.port, uri=server.url
    )
    return server


@pytest.fixture
async def playing_room(
    hass: HomeAssistant,
    plextv_url: str,
    living_room: PMSSimulator,
    mock_config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """Return the entry, set up, once the Living Room Server has been read."""
    await set_up(hass, mock_config_entry)
    return mock_config_entry


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep the entry from being set up, for tests of the sign-in alone."""
    with patch("custom_components.plex_account.async_setup_entry", return_value=True) as mock_setup:
        yield mock_setup


@pytest.fixture
def no_token_in_logs(caplog: pytest.LogCaptureFixture, plextv: PlexTVSimulator) -> Generator[None]:
    """Fail the test if a token or email of any of the simulator's accounts is logged."""
    caplog.set_level(logging.DEBUG)
    yield
    secrets = list(plextv.tokens)
    for account in plextv.accounts.values():
        secrets.append(account.get("email") or "")
        secrets += [r.get("accessToken") or "" for r in plextv.resources_of(account)]
    # At teardown caplog.records holds only this phase's records: read the test's own.
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert records, "no log records were captured"
    for record in records:
        text = record.getMessage() + (record.exc_text or "")
        for secret in filter(None, secrets):
            assert secret not in text, f"a secret is in the log: {record.name}"


@pytest.fixture
async def mock_config_entry(hass: HomeAssistant, plextv: PlexTVSimulator) -> MockConfigEntry:
    """Return an entry of the simulator's account holding a live token, added to hass."""
    entry = await signed_in_entry(plextv)
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, plextv_url: str, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Return the entry, set up against the simulator."""
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return snapshots that leave out ids and times that change from run to run."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)
