"""Benchmarks of the Plex Account integration; they print figures."""
