"""Fixtures shared by the Plex Account tests."""

from __future__ import annotations

import logging
from collections.abc import Generator
from unittest.mock import AsyncMock, patch

import pytest

# HA puts its test config dir first on sys.path; importing the package here makes
# `custom_components` resolve to this repository's, not the plugin's empty one.
import custom_components.plex_account  # noqa: F401
from custom_components.plex_account.const import PLEXTV_URL_ENV

from .plextv_sim import PlexTVSimulator

pytest_plugins = ["tests.plextv_sim.fixtures"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load the integration from custom_components/.

    Only tests that run a Home Assistant instance need it; the plex.tv client tests do not.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def plextv_url(plextv: PlexTVSimulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the integration at the simulator, as a contributor would with the variable."""
    monkeypatch.setenv(PLEXTV_URL_ENV, plextv.url)
    return plextv.url


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep the entry from being set up, for tests of the sign-in alone."""
    with patch("custom_components.plex_account.async_setup_entry", return_value=True) as mock_setup:
        yield mock_setup


@pytest.fixture
def no_token_in_logs(caplog: pytest.LogCaptureFixture, plextv: PlexTVSimulator) -> Generator[None]:
    """Fail the test if any token the simulator issued appears in a log record."""
    caplog.set_level(logging.DEBUG)
    yield
    secrets = [*plextv.tokens, plextv.account.get("email", "")]
    secrets += [r["accessToken"] for r in plextv.resources if r.get("accessToken")]
    # At teardown caplog.records holds only this phase's records: read the test's own.
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert records, "no log records were captured"
    for record in records:
        text = record.getMessage() + (record.exc_text or "")
        for secret in filter(None, secrets):
            assert secret not in text, f"a secret is in the log: {record.name}"
