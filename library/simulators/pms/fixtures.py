"""The simulators' pytest plugin under an older name: see library.simulators.fixtures."""

from library.simulators.fixtures import *  # noqa: F403 - the plugin's fixtures and types
