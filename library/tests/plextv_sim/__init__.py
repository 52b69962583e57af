"""The plex.tv simulator's own tests, and those of what both simulators share."""
