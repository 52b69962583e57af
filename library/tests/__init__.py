"""The tests of the aioplexaccount library and of the simulators it is tested against."""
