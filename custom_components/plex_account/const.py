"""Constants for the Plex Account integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "plex_account"
LOGGER = logging.getLogger(__package__)
