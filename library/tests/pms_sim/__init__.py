"""The Plex Media Server simulator's own tests."""
