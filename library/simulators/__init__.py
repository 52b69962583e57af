"""Simulators of plex.tv (plextv) and of a Plex Media Server (pms), served on loopback.

What they share is in common (the core: clock, faults, request log, serving, the command
line), render (JSON or XML answers), clock (FakeClock), sample (the household's ids) and
fixtures (the pytest plugin of both).
"""
