"""A test Home Assistant in the benchmark's process, and an entry signed in for real."""

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from typing import Any, Protocol
from unittest.mock import patch

from aiohttp.resolver import ThreadedResolver
from homeassistant import loader
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

# Imported before a test Home Assistant puts its config dir on sys.path, so that
# `custom_components` is this repository's.
import custom_components.plex_account
from custom_components.plex_account.const import (
    CONF_CLIENT_IDENTIFIER,
    CONF_CLIENT_NAME,
    CONF_DEVICE_NAME,
    DISCOVER_URL_ENV,
    DOMAIN,
    METADATA_URL_ENV,
    PLEXTV_URL_ENV,
)
from custom_components.plex_account.helpers import create_client
from library.simulators.plextv import sample_account

NAMES = {CONF_CLIENT_NAME: "Home Assistant", CONF_DEVICE_NAME: "Benchmark"}


class PlexTV(Protocol):
    """A plex.tv simulator, in this process or another: its hosts and its approval."""

    @property
    def url(self) -> str:
        """Return plex.tv's stand-in."""

    @property
    def discover_url(self) -> str:
        """Return the discover host's."""

    @property
    def metadata_url(self) -> str:
        """Return the metadata host's."""

    def approve(self, code: str, account: Any = None) -> str:  # noqa: ANN401
        """Approve a pending code; return the token."""


class PlainResolver(ThreadedResolver):
    """The system's resolver, where Home Assistant would build one on zeroconf."""

    async def real_close(self) -> None:
        """Close, as Home Assistant closes its resolver at shutdown."""
        await self.close()


@contextlib.asynccontextmanager
async def home_assistant(
    sim: PlexTV, *, set_up_entries: bool = True
) -> AsyncIterator[HomeAssistant]:
    """Yield a test Home Assistant that loads this repository's integration, on the simulator.

    With set_up_entries False, async_setup_entry is patched out: entries are created but
    never set up (to time the sign-in alone).
    """
    hosts = {PLEXTV_URL_ENV: sim.url, DISCOVER_URL_ENV: sim.discover_url}
    with contextlib.ExitStack() as stack:
        config_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="plex-account-"))
        stack.enter_context(patch.dict(os.environ, {**hosts, METADATA_URL_ENV: sim.metadata_url}))
        if not set_up_entries:
            stack.enter_context(
                patch.object(custom_components.plex_account, "async_setup_entry", return_value=True)
            )
        # As the test plugin's fixtures: no zeroconf resolver, and no look-up of this
        # machine's address (a connect towards 8.8.8.8, which the loopback guard refuses).
        stack.enter_context(
            patch("homeassistant.helpers.aiohttp_client._async_make_resolver", PlainResolver)
        )
        stack.enter_context(
            patch(
                "homeassistant.components.network.util.async_get_source_ip",
                return_value="127.0.0.1",
            )
        )
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            frame.async_setup(hass)
            # What the enable_custom_integrations fixture does: stop hiding custom_components.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


async def add_entry(hass: HomeAssistant, sim: PlexTV) -> MockConfigEntry:
    """Sign in as plex.tv lets a user (a pin, approved) and add the entry, not set up."""
    identifier = str(uuid.uuid4())
    client = create_client(
        hass,
        client_identifier=identifier,
        client_name=NAMES[CONF_CLIENT_NAME],
        device_name=NAMES[CONF_DEVICE_NAME],
    )
    token = sim.approve((await client.create_pin()).code)
    account = sample_account()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=account["username"],
        unique_id=account["uuid"],
        data={CONF_TOKEN: token, CONF_CLIENT_IDENTIFIER: identifier, **NAMES},
    )
    entry.add_to_hass(hass)
    return entry
