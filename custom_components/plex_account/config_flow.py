"""Sign in to a Plex account with a code typed at plex.tv/link."""

import asyncio
import uuid
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING, Any, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_TOKEN
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.selector import TextSelector

if TYPE_CHECKING:
    # Home Assistant 2026.10 and newer run `voluptuous` as its alias of probatio, whose types
    # its signatures name; older releases have no probatio, so the code imports voluptuous.
    import probatio as vol
else:
    import voluptuous as vol

from .aioplexaccount import (
    Account,
    PinPoller,
    PlexConnectionError,
    PlexError,
    PlexPinExpiredError,
    PlexRateLimitError,
    PlexTVClient,
    validate_name,
)
from .const import (
    CONF_CLIENT_IDENTIFIER,
    CONF_CLIENT_NAME,
    CONF_DEVICE_NAME,
    DEFAULT_CLIENT_NAME,
    DOMAIN,
    LOGGER,
)
from .helpers import async_sign_out, create_client, link_url, markdown_text, plextv_url

# Pauses between attempts at reading the account once the code is approved: the token is
# too precious to drop over one lost request.
ACCOUNT_RETRY_DELAYS = (1.0, 2.0)

NAMES_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_CLIENT_NAME): TextSelector(),
        vol.Required(CONF_DEVICE_NAME): TextSelector(),
    }
)


def _qr_url(qr: str | None) -> str:
    """Return the QR code's picture if plex.tv's own host serves it, else nothing.

    The page shows it as an image: a picture from anywhere else would tell that host who
    opened the page.
    """
    if qr is None or not qr.startswith(f"{plextv_url()}/") or not qr.isprintable():
        return ""
    return qr.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


class PlexAccountConfigFlow(ConfigFlow, domain=DOMAIN):
    """Show a link code, wait for it to be entered at plex.tv/link, store the token."""

    VERSION = 1
    # 1.2: server entities and devices are named by the account too (see async_migrate_entry).
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with no pin and no wait."""
        self._client_identifier = str(uuid.uuid4())
        self._client_name = DEFAULT_CLIENT_NAME
        self._device_name = ""
        self._poller: PinPoller | None = None
        self._login_task: asyncio.Task[tuple[str, Account]] | None = None
        self._token: str | None = None
        self._account: Account | None = None

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the names plex.tv shows in the account's authorized devices."""
        if user_input is None:
            self._device_name = self.hass.config.location_name
        return await self._async_names_step("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the names; plex.tv records them at sign-in, so sign in again."""
        entry = self._get_reconfigure_entry()
        self._client_identifier = entry.data[CONF_CLIENT_IDENTIFIER]
        if user_input is None:
            self._client_name = entry.data[CONF_CLIENT_NAME]
            self._device_name = entry.data[CONF_DEVICE_NAME]
        return await self._async_names_step("reconfigure", user_input)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start a new sign-in when plex.tv no longer accepts the token."""
        self._client_identifier = entry_data[CONF_CLIENT_IDENTIFIER]
        self._client_name = entry_data[CONF_CLIENT_NAME]
        self._device_name = entry_data[CONF_DEVICE_NAME]
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain why a new code is needed, then show one."""
        return await self._async_offer_code("reauth_confirm", user_input)

    async def async_step_expired(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say the code expired and offer a new one with one click."""
        return await self._async_offer_code("expired", user_input)

    async def async_step_link_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say the sign-in failed and offer a new code with one click."""
        return await self._async_offer_code("link_failed", user_input)

    async def async_step_link(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the code while waiting in the background for it to be entered.

        Home Assistant runs this step again on every fetch of the flow and when the wait
        ends, so the wait is started once and only read here.
        """
        assert self._poller is not None
        if self._login_task is None:
            self._login_task = self.hass.async_create_task(
                self._async_wait_for_login(self._poller),
                "plex_account link code wait",
            )
        if not self._login_task.done():
            return self.async_show_progress(
                step_id="link",
                progress_action="link",
                description_placeholders={
                    "code": markdown_text(self._poller.pin.code),
                    "url": link_url(),
                    "minutes": str(max(round(self._poller.seconds_left / 60), 1)),
                    "qr": _qr_url(self._poller.pin.qr),
                },
                progress_task=self._login_task,
            )
        task, self._login_task = self._login_task, None
        try:
            self._token, self._account = task.result()
        except PlexPinExpiredError:
            return self.async_show_progress_done(next_step_id="expired")
        except PlexError as err:
            LOGGER.warning("Signing in at plex.tv failed: %s", err)
            return self.async_show_progress_done(next_step_id="link_failed")
        return self.async_show_progress_done(next_step_id="finish")

    async def async_step_finish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the verified token: a new entry, or an update of the entry being fixed.

        A token that is not kept (the flow aborts) is signed out at plex.tv, and so is the
        token a reconfigure replaces: no unused sign-in stays on the account.
        """
        assert self._token is not None
        try:
            return await self._async_keep_token(self._token)
        except AbortFlow:
            # Unless an entry holds it: the step can run twice when two fetches of the flow
            # race, and the one that made the entry must keep its token.
            if not any(
                entry.data.get(CONF_TOKEN) == self._token
                for entry in self.hass.config_entries.async_entries(DOMAIN)
            ):
                await async_sign_out(self._client(self._token))
            raise

    async def _async_keep_token(self, token: str) -> ConfigFlowResult:
        assert self._account is not None
        data = {
            CONF_TOKEN: token,
            CONF_CLIENT_IDENTIFIER: self._client_identifier,
            CONF_CLIENT_NAME: self._client_name,
            CONF_DEVICE_NAME: self._device_name,
        }
        await self.async_set_unique_id(self._account.uuid)
        if self.source not in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            self._abort_if_unique_id_configured()
            return self.async_create_entry(
                title=self._account.username or self._account.title or self._account.uuid,
                data=data,
            )
        # The entry may have been removed while the code waited.
        entry = self.hass.config_entries.async_get_entry(self.context["entry_id"])
        if entry is None:
            reason = "entry_removed"
            raise AbortFlow(reason)
        self._abort_if_unique_id_mismatch(reason="wrong_account")
        replaced = entry.data[CONF_TOKEN]
        result = self.async_update_reload_and_abort(entry, data_updates=data)
        # Reauth's old token is dead already; a reconfigure's still works until signed out.
        if self.source == SOURCE_RECONFIGURE and replaced != token:
            await async_sign_out(self._client(replaced))
        return result

    def _client(self, token: str | None = None) -> PlexTVClient:
        """Return a client with this flow's identity (and the token, if given)."""
        return create_client(
            self.hass,
            client_identifier=self._client_identifier,
            client_name=self._client_name,
            device_name=self._device_name,
            token=token,
        )

    async def _async_names_step(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Show the names form; with valid names, create a pin and show its code."""
        errors: dict[str, str] = {}
        if user_input is not None:
            names: dict[str, str] = {}
            for key in (CONF_CLIENT_NAME, CONF_DEVICE_NAME):
                typed = user_input.get(key, "")
                try:
                    names[key] = validate_name(typed)
                except ValueError:
                    # What was typed stays in the form, beside the error.
                    names[key] = typed
                    errors[key] = "invalid_name"
            self._client_name = names[CONF_CLIENT_NAME]
            self._device_name = names[CONF_DEVICE_NAME]
            if not errors and (linked := await self._async_link(errors)):
                return linked
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                NAMES_SCHEMA,
                {CONF_CLIENT_NAME: self._client_name, CONF_DEVICE_NAME: self._device_name},
            ),
            errors=errors,
        )

    async def _async_offer_code(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Show a message with a button; the button creates a new pin and shows its code."""
        errors: dict[str, str] = {}
        if user_input is not None and (linked := await self._async_link(errors)):
            return linked
        return self.async_show_form(step_id=step_id, errors=errors)

    async def _async_link(self, errors: dict[str, str]) -> ConfigFlowResult | None:
        """Show a new code; or put why plex.tv made none in `errors`, and return None."""
        if (error := await self._async_create_pin()) is None:
            return await self.async_step_link()
        errors["base"] = error
        return None

    async def _async_create_pin(self) -> str | None:
        """Create a pin and its poller; return an error key when plex.tv cannot."""
        client = self._client()
        try:
            pin = await client.create_pin()
        except PlexRateLimitError:
            return "rate_limited"
        except PlexConnectionError:
            return "cannot_connect"
        except PlexError:
            LOGGER.exception("plex.tv refused to create a code")
            return "unknown"
        self._poller = PinPoller(client=client, pin=pin)
        return None

    async def _async_wait_for_login(self, poller: PinPoller) -> tuple[str, Account]:
        """Wait for the token, then read the account with it (test before configure)."""
        token = await poller.wait_for_token()
        signed_in = replace(poller.client, token=token)
        for delay in ACCOUNT_RETRY_DELAYS:
            with suppress(PlexConnectionError, PlexRateLimitError):
                return token, await signed_in.account()
            # On the poller's clock: the retries are part of the same wait.
            await poller.sleep(delay)
        return token, await signed_in.account()
