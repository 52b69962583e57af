"""End-to-end tests: the simulator and Home Assistant as processes, and a browser."""
