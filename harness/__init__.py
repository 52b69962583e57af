"""Home Assistant and the simulators as processes, for the end-to-end tests, demo and benchmarks."""

from .home_assistant import NAMES, HomeAssistant, release_tuple, unstoppable
from .processes import (
    ROOT,
    SERVER_HOST,
    HarnessError,
    Process,
    ServerSimulator,
    Simulator,
    free_port,
    wait_for,
)

__all__ = [
    "NAMES",
    "ROOT",
    "SERVER_HOST",
    "HarnessError",
    "HomeAssistant",
    "Process",
    "ServerSimulator",
    "Simulator",
    "free_port",
    "release_tuple",
    "unstoppable",
    "wait_for",
]
