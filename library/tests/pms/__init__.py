"""Tests for the Plex Media Server client."""
