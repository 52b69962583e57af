"""Tests for the plex.tv client."""
