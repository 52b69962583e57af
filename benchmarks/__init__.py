"""Benchmarks that run Home Assistant; `python -m benchmarks --quick` runs every benchmark.

Run them as modules from the repository root (`python -m benchmarks.X`), so that
`custom_components`, `harness` and `library` import from this repository.
"""
