"""The fake clock, where the plex.tv simulator's users have long imported it from."""

from library.simulators.clock import FakeClock

__all__ = ["FakeClock"]
