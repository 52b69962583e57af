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
def test_no_secret_logged_nothing_off_loopback(setup: str, request: pytest.FixtureRequest) -> None:
    """No token the simulator issued, no e-mail address, no server token is in the logs.

    No process tried to resolve or reach a host outside 127.0.0.0/8 and ::1: the loopback
    guard refused any such attempt and recorded it; stopping the pair checks once more.
    """
    pair: Pair = request.getfixturevalue(setup)
    tokens = pair.simulator.secrets()
    assert tokens or pair.name == "short", "no sign-in happened before this check"
    secrets = [*tokens, sample_account()["email"], second_account()["email"]]
    for resources in (sample_resources(), second_account_resources()):
        secrets += [r["accessToken"] for r in resources if r.get("accessToken")]
    if pair.server is not None:
        secrets.append(pair.server.token)

    logs = pair.hass.logs()
    assert "plex_account" in logs, "the integration logged nothing: wrong log file?"
    for secret in secrets:
        assert secret not in logs, f"a secret is in the log of the {pair.name} pair"
    check_loopback_only(pair)
