"""After every other check: nothing secret in what Home Assistant logged."""

import pytest

from tests.plextv_sim.sample import (
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)

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
