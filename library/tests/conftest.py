"""Fixtures shared by the library's tests: the simulators' plugin (with `clock`, `session`)."""

import pytest
from aioplexaccount import PlexIdentity

from .builders import build_identity

pytest_plugins = ["library.simulators.fixtures"]


@pytest.fixture
def identity() -> PlexIdentity:
    """Return the identity the client sends."""
    return build_identity()
