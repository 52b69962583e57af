"""After every other check: no secret in the logs, and nothing reached outside loopback."""

import pytest

from library.simulators.plextv.sample import (
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)

from .conftest import Pair, check_loopback_only


@pytest.mark.parametrize("setup", ["main_setup", "short_setup"])
def test_logs_hold_no_secret(setup: str, request: pytest.FixtureRequest) -> None:
    """No token the simulator issued, no e-mail address, no server token is in the logs."""
    pair: Pair = request.getfixturevalue(setup)
    tokens = pair.simulator.secrets()
    assert tokens or pair.name == "short", "no sign-in happened before this check"
    secrets = [*tokens, sample_account()["email"], second_account()["email"]]
    for resources in (sample_resources(), second_account_resources()):
        secrets += [r["accessToken"] for r in resources if r.get("accessToken")]
    if pair.server is not None:
        secrets += pair.server.secrets()

    logs = pair.hass.logs()
    assert "plex_account" in logs, "the integration logged nothing: wrong log file?"
    for secret in secrets:
        assert secret not in logs, f"a secret is in the log of the {pair.name} pair"


@pytest.mark.parametrize("setup", ["main_setup", "short_setup"])
def test_nothing_reached_outside_loopback(setup: str, request: pytest.FixtureRequest) -> None:
    """No process tried to resolve or reach a host outside 127.0.0.0/8 and ::1.

    The loopback guard refused any such attempt and recorded it; stopping the pair checks
    once more for what was tried while it stopped.
    """
    check_loopback_only(request.getfixturevalue(setup))
