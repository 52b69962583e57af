"""Benchmarks of the library alone: no Home Assistant."""
