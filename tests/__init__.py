"""Tests for the Plex Account integration."""
