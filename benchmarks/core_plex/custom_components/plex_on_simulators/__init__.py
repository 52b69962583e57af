"""Point python-plexapi at the plex.tv simulator, in the Home Assistant the benchmarks start.

A custom integration, set up from configuration.yaml before Home Assistant core's Plex
integration is: python-plexapi has its plex.tv URLs as constants, https://plex.tv/...; here
each one names the simulator (PLEX_ACCOUNT_PLEXTV_URL) instead.
"""

import os

import plexapi.myplex  # type: ignore[import-not-found]
from homeassistant.core import HomeAssistant
from homeassistant.helpers.typing import ConfigType

DOMAIN = "plex_on_simulators"
PLEXTV = "https://plex.tv"


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Rewrite every plex.tv URL of python-plexapi's classes."""
    simulator = os.environ["PLEX_ACCOUNT_PLEXTV_URL"]
    for owner in vars(plexapi.myplex).values():
        for name, value in vars(owner).items() if isinstance(owner, type) else ():
            if isinstance(value, str) and value.startswith(f"{PLEXTV}/"):
                setattr(owner, name, simulator + value.removeprefix(PLEXTV))
    return True
