"""Home Assistant and the simulators as processes, for the end-to-end tests, demo and benchmarks."""

from .home_assistant import HomeAssistant, release_tuple, unstoppable
from .processes import ROOT, ServerSimulator, Simulator, free_port, wait_for

__all__ = [
    "ROOT",
    "HomeAssistant",
    "ServerSimulator",
    "Simulator",
    "free_port",
    "release_tuple",
    "unstoppable",
    "wait_for",
]
