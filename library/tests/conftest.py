"""The library's tests: the simulators' plugin gives them `clock`, `session` and the simulators."""

pytest_plugins = ["library.simulators.fixtures"]
