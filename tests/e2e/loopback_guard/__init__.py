"""The loopback guard the end-to-end harness arms in every process it starts."""
