"""Fixtures shared by the Plex Account tests."""

from __future__ import annotations

import pytest

# HA puts its test config dir first on sys.path; importing the package here makes
# `custom_components` resolve to this repository's, not the plugin's empty one.
import custom_components.plex_account  # noqa: F401

pytest_plugins = ["tests.plextv_sim.fixtures"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load the integration from custom_components/.

    Only tests that run a Home Assistant instance need it; the plex.tv client tests do not.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")
