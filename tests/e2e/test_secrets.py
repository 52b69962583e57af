"""After every other check: no secret in the logs, and nothing reached outside loopback."""

import pytest

from tests.plextv_sim.sample import (
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)

from .conftest import check_loopback_only
from .harness import HomeAssistant, Simulator


@pytest.mark.parametrize("pair", ["main_pair", "short_pair"])
def test_logs_hold_no_secret(pair: str, request: pytest.FixtureRequest) -> None:
    """No token the simulator issued, no e-mail address, no server token is in the logs."""
    simulator: Simulator
    hass: HomeAssistant
    simulator, hass = request.getfixturevalue(pair)
    tokens = simulator.secrets()
    assert tokens or pair == "short_pair", "no sign-in happened before this check"
    secrets = [*tokens, sample_account()["email"], second_account()["email"]]
    for resources in (sample_resources(), second_account_resources()):
        secrets += [r["accessToken"] for r in resources if r.get("accessToken")]

    logs = hass.logs()
    assert "plex_account" in logs, "the integration logged nothing: wrong log file?"
    for secret in secrets:
        assert secret not in logs, f"a secret is in the log of {pair}"


@pytest.mark.parametrize("pair", ["main_pair", "short_pair"])
def test_nothing_reached_outside_loopback(pair: str, request: pytest.FixtureRequest) -> None:
    """Neither process tried to resolve or reach a host outside 127.0.0.0/8 and ::1.

    The loopback guard refused any such attempt and recorded it; stopping the pair checks
    once more for what was tried while it stopped.
    """
    simulator: Simulator
    hass: HomeAssistant
    simulator, hass = request.getfixturevalue(pair)
    check_loopback_only(pair.removesuffix("_pair"), simulator, hass)
