"""Let every test reach loopback (127.0.0.0/8, ::1) and nothing else.

Home Assistant's test plugin, when installed, blocks sockets and allows 127.0.0.1 alone; the
simulated servers stand on other loopback addresses too.
"""

import pytest


@pytest.fixture(autouse=True)
def loopback_only(request: pytest.FixtureRequest) -> None:
    """Open loopback to the test, where Home Assistant's socket rules are in force."""
    if request.config.pluginmanager.has_plugin("socket"):
        import pytest_socket  # noqa: PLC0415 - present only beside Home Assistant's plugin

        request.getfixturevalue("socket_enabled")
        pytest_socket.socket_allow_hosts(["127.0.0.0/8", "::1"], allow_unix_socket=True)
