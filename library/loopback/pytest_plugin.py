"""Let every test reach all of loopback and nothing else; fail a test that tried to leave it.

Loaded for every run (root pyproject: `-p library.loopback.pytest_plugin`), before the
plugins found by entry point, so that the guard is armed before pytest-socket and Home
Assistant's test plugin keep the socket functions they restore. Where Home Assistant's
plugin is installed it blocks sockets before each test and allows 127.0.0.1 alone; the
simulated servers stand on other loopback addresses too, so this opens all of loopback.
"""

from collections.abc import Generator

import pytest

from library import loopback

loopback.arm()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Open loopback to the test and its fixtures, session ones included.

    Registered before the entry-point plugins, this runs after their own setup hooks and
    before the fixtures are set up.
    """
    if item.config.pluginmanager.has_plugin("socket"):
        import pytest_socket  # noqa: PLC0415 - present only beside Home Assistant's plugin

        pytest_socket.enable_socket()
        pytest_socket.socket_allow_hosts(["127.0.0.0/8", "::1"], allow_unix_socket=True)
    # Over whatever they put in place of the guarded functions.
    loopback.arm()
    loopback.refused.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None]:
    """Fail the test if anything in it tried to leave loopback, even if that was handled."""
    yield
    if loopback.refused:
        lines = "\n".join(loopback.refused)
        loopback.refused.clear()
        pytest.fail(f"the loopback guard refused:\n{lines}", pytrace=False)
