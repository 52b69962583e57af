"""Fixtures shared by the library's tests: the simulators, served on loopback."""

pytest_plugins = ["library.simulators.plextv.fixtures", "library.simulators.pms.fixtures"]
