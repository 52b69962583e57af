"""Constants for the Plex Account integration."""

import logging
from typing import Final

DOMAIN: Final = "plex_account"
LOGGER = logging.getLogger(__package__)

# The integration's version, sent to plex.tv as X-Plex-Version (a test keeps it equal to the
# manifest's).
VERSION: Final = "0.1.0"
CLIENT_PLATFORM: Final = "Home Assistant"
DEFAULT_CLIENT_NAME: Final = "Home Assistant"

CONF_CLIENT_IDENTIFIER: Final = "client_identifier"
CONF_CLIENT_NAME: Final = "client_name"
CONF_DEVICE_NAME: Final = "device_name"

# Each replaces one plex.tv host for every call (and plex.tv's also for the link page), e.g.
# to use the simulator: plex.tv, discover.provider.plex.tv (watchlist, search) and
# metadata.provider.plex.tv (what was watched).
PLEXTV_URL_ENV: Final = "PLEX_ACCOUNT_PLEXTV_URL"
DISCOVER_URL_ENV: Final = "PLEX_ACCOUNT_DISCOVER_URL"
METADATA_URL_ENV: Final = "PLEX_ACCOUNT_METADATA_URL"
