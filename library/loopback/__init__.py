"""The one loopback guard of the tests, the end-to-end harness, the demo and the benchmarks."""
