"""Signing in with a plex.tv/link code, against the plex.tv simulator over loopback HTTP.

The flow's poller and the simulator share a FakeClock: the tests move it on instead of
waiting, so a wait of minutes takes no time. The exact timing of the poller is tested in
tests/plextv/test_pin_poller.py; these tests prove what the user sees.
"""

import asyncio
import itertools
from collections.abc import AsyncIterator
from functools import partial
from typing import Any
from unittest.mock import AsyncMock

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account import config_flow
from custom_components.plex_account.const import (
    CONF_CLIENT_IDENTIFIER,
    CONF_CLIENT_NAME,
    CONF_DEVICE_NAME,
    DOMAIN,
    VERSION,
)
from custom_components.plex_account.aioplexaccount import PinPoller

from .common import CLIENT_IDENTIFIER, build_entry, link_code
from library.simulators.plextv import FakeClock, PlexTVSimulator, second_account
from library.simulators.plextv.fixtures import PlexTVFactory

pytestmark = pytest.mark.usefixtures("plextv_url", "mock_setup_entry", "no_token_in_logs")

NAMES = {CONF_CLIENT_NAME: "Home Assistant", CONF_DEVICE_NAME: "Beach House"}
PINS = "/api/v2/pins"


@pytest.fixture
async def clock(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeClock]:
    """Put the flow's poller on a fake clock, and with it the retries of the account read.

    The flow makes its PinPoller in _async_create_pin; replacing the class the module
    looks up with one bound to the clock is the seam (PinPoller takes clock and sleep).
    """
    clock = FakeClock()
    monkeypatch.setattr(
        config_flow, "PinPoller", partial(PinPoller, clock=clock, sleep=clock.sleep)
    )
    yield clock
    # Every test ends its waits: a poller left asleep would hold Home Assistant's shutdown.
    assert clock.cancel_sleepers() == 0, "a poller was still waiting at the end of the test"


@pytest.fixture
async def plextv(plextv_factory: PlexTVFactory, clock: FakeClock) -> PlexTVSimulator:
    """Return the simulator on the flow's clock, so pin lifetimes and rate limits agree."""
    return await plextv_factory(clock=clock)


def progress_task(hass: HomeAssistant, flow_id: str) -> asyncio.Task[Any] | None:
    """Return the flow's background wait, or None once it has ended."""
    return hass.config_entries.flow._progress[flow_id].async_get_progress_task()


async def run_wait(
    hass: HomeAssistant, clock: FakeClock, flow_id: str, seconds: float | None = None
) -> None:
    """Let the flow's wait run on the fake clock until it ends, or for `seconds`."""
    if (task := progress_task(hass, flow_id)) is not None:
        await clock.run_until(task, seconds=seconds)


async def start_link(hass: HomeAssistant, names: dict[str, str] = NAMES) -> ConfigFlowResult:
    """Open the flow, submit the names and return the progress step with the code."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], names)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "link"
    return result


async def finish_link(
    hass: HomeAssistant, clock: FakeClock, flow_id: str, next_step: str
) -> ConfigFlowResult:
    """Run the background wait to its end, then fetch the flow as the frontend does."""
    await run_wait(hass, clock, flow_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result.get("step_id") != "link" or result["type"] is not FlowResultType.SHOW_PROGRESS
    if next_step == "finish":
        return result
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == next_step
    return result


def pin_checks(plextv: PlexTVSimulator) -> list[Any]:
    """Return the recorded checks of pins (GET /api/v2/pins/{id})."""
    return [r for r in plextv.requests_to(f"{PINS}/", method="GET") if "/qr/" not in r.path]


async def test_sign_in(clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """The code shown is approved at plex.tv and the entry holds the verified token."""
    result = await start_link(hass)
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    code = placeholders["code"]
    assert len(code) == 4
    assert placeholders["url"] == f"{plextv.url}/link"
    assert placeholders["qr"] == f"{plextv.url}/api/v2/pins/qr/{code}"
    assert placeholders["minutes"] == "15"

    token = plextv.approve(code)
    result = await finish_link(hass, clock, result["flow_id"], "finish")

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "plexfan"
    assert result["result"].unique_id == plextv.account["uuid"]
    data = result["data"]
    assert data == {
        CONF_TOKEN: token,
        CONF_CLIENT_IDENTIFIER: data[CONF_CLIENT_IDENTIFIER],
        CONF_CLIENT_NAME: "Home Assistant",
        CONF_DEVICE_NAME: "Beach House",
    }

    # One identity from the pin to the account: the one plex.tv bound the token to.
    sent = plextv.requests_to("/api/v2/")
    assert sent[0].path == PINS
    assert sent[-1].path == "/api/v2/user"
    for request in sent:
        assert request.headers["X-Plex-Client-Identifier"] == data[CONF_CLIENT_IDENTIFIER]
        assert request.headers["X-Plex-Product"] == "Home Assistant"
        assert request.headers["X-Plex-Device"] == "Beach House"
        assert request.headers["X-Plex-Version"] == VERSION
        assert request.headers["X-Plex-Platform"] == "Home Assistant"
        assert request.headers["Accept"] == "application/json"
    assert "X-Plex-Token" not in sent[0].headers
    assert sent[-1].headers["X-Plex-Token"] == token
    assert plextv.pins[int(pin_checks(plextv)[0].path.rsplit("/", 1)[1])].code == code


async def test_defaults(hass: HomeAssistant) -> None:
    """The form suggests Home Assistant and the location name."""
    hass.config.location_name = "Lake Cabin"
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    schema = result["data_schema"]
    assert schema is not None
    suggested = {str(key): key.description["suggested_value"] for key in schema.schema}
    assert suggested == {CONF_CLIENT_NAME: "Home Assistant", CONF_DEVICE_NAME: "Lake Cabin"}


@pytest.mark.parametrize(
    ("names", "errors"),
    [
        ({CONF_CLIENT_NAME: "  ", CONF_DEVICE_NAME: "Home"}, {CONF_CLIENT_NAME: "invalid_name"}),
        (
            {CONF_CLIENT_NAME: "Home\r\nX-Plex-Token: x", CONF_DEVICE_NAME: "Home"},
            {CONF_CLIENT_NAME: "invalid_name"},
        ),
        ({CONF_CLIENT_NAME: "HA", CONF_DEVICE_NAME: "x" * 256}, {CONF_DEVICE_NAME: "invalid_name"}),
        (
            {CONF_CLIENT_NAME: "tab\there", CONF_DEVICE_NAME: "bell\x07"},
            {CONF_CLIENT_NAME: "invalid_name", CONF_DEVICE_NAME: "invalid_name"},
        ),
    ],
)
async def test_bad_names(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    names: dict[str, str],
    errors: dict[str, str],
) -> None:
    """A bad name gets a field error and the form again; nothing reaches plex.tv."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], names)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert plextv.requests == []

    # The same flow recovers once the names are fixed.
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NAMES)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_names_are_trimmed(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """Spaces around a name are dropped before they reach plex.tv and the entry."""
    result = await start_link(
        hass, {CONF_CLIENT_NAME: "  Home Assistant ", CONF_DEVICE_NAME: " Den  "}
    )
    plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["data"][CONF_DEVICE_NAME] == "Den"
    assert plextv.requests[0].headers["X-Plex-Device"] == "Den"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 503}, "cannot_connect"),
        ({"drop": True}, "cannot_connect"),
        ({"status": 429, "headers": {"Retry-After": "30"}}, "rate_limited"),
        ({"status": 400}, "unknown"),
    ],
)
async def test_code_not_created(
    hass: HomeAssistant, plextv: PlexTVSimulator, fault: dict[str, Any], error: str
) -> None:
    """When plex.tv cannot create a code the form says why, and the same flow recovers."""
    plextv.add_fault(PINS, method="POST", **fault)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NAMES)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], NAMES)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_plextv_down_then_up(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """While plex.tv fails, the wait backs off and keeps the code; then it signs in."""
    result = await start_link(hass)
    plextv.add_fault(f"{PINS}/", status=503, count=3)
    token = plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == token

    # Three failures, then the check that succeeds: all of the same code.
    checks = pin_checks(plextv)
    assert len(checks) == 4
    assert len({check.path for check in checks}) == 1


async def test_connection_dropped(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """Dropped connections and slow answers during the wait do not end it."""
    result = await start_link(hass)
    plextv.add_fault(f"{PINS}/", drop=True, count=2)
    plextv.add_fault(f"{PINS}/", body="<html>Bad gateway</html>", count=1)
    token = plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["data"][CONF_TOKEN] == token


async def test_rate_limit_honoured(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """A 429 with Retry-After delays the next check at least that long."""
    result = await start_link(hass)
    await run_wait(hass, clock, result["flow_id"], seconds=0)  # the first check is answered
    plextv.add_fault(f"{PINS}/", status=429, headers={"Retry-After": "3"})
    token = plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["data"][CONF_TOKEN] == token

    # On the shared clock: the second check got the 429, the third came 3 s after it.
    checks = pin_checks(plextv)
    assert [b.time - a.time for a, b in itertools.pairwise(checks)] == [1, 3]


async def test_expired_then_new_code(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """An expired code leads to a form that offers a new one; the new one works."""
    plextv.pin_expires_in = 3
    result = await start_link(hass)
    first_code = link_code(result)
    assert (result.get("description_placeholders") or {})["minutes"] == "1"
    result = await finish_link(hass, clock, result["flow_id"], "expired")

    plextv.pin_expires_in = 900
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    second_code = link_code(result)
    assert second_code != first_code
    plextv.approve(second_code)
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_pin_gone_at_plextv(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """plex.tv forgetting the pin (404 code 1020) also offers a new code."""
    result = await start_link(hass)
    plextv.add_fault(f"{PINS}/", status=404)
    await finish_link(hass, clock, result["flow_id"], "expired")


async def test_permanent_error_then_new_code(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """An error that waiting cannot mend leads to a form offering a new code."""
    result = await start_link(hass)
    plextv.add_fault(f"{PINS}/", status=401)
    result = await finish_link(hass, clock, result["flow_id"], "link_failed")

    # The button fails while plex.tv is down, says so, and works once it is back.
    plextv.add_fault(PINS, method="POST", status=502)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_account_read_retried(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """A failed account read after approval is retried instead of losing the token."""
    result = await start_link(hass)
    plextv.add_fault("/api/v2/user", status=503, count=2)
    plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(plextv.requests_to("/api/v2/user")) == 3
    # Pauses of 1 s and 2 s between the three reads, on the flow's clock.
    assert clock.sleeps[-2:] == [1.0, 2.0]


async def test_account_unreadable(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """When the account cannot be read at all, the user gets the form with a new code."""
    result = await start_link(hass)
    plextv.add_fault("/api/v2/user", status=503, count=3)
    plextv.approve(link_code(result))
    await finish_link(hass, clock, result["flow_id"], "link_failed")


async def test_reentering_does_not_restart(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """Fetching the flow again (a reload of the page) shows the same code, one poller."""
    result = await start_link(hass)
    flow_id = result["flow_id"]
    for _ in range(3):
        again = await hass.config_entries.flow.async_configure(flow_id)
        assert again["type"] is FlowResultType.SHOW_PROGRESS
        assert again["description_placeholders"] == result["description_placeholders"]
    await run_wait(hass, clock, flow_id, seconds=2.5)
    assert len(plextv.requests_to(PINS, method="POST")) == 1
    # One poller checks at 0, 1 and 2 s; a second one would add its own checks.
    assert len(pin_checks(plextv)) == 3
    hass.config_entries.flow.async_abort(flow_id)


async def test_closing_stops_polling(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """Closing the dialog stops the checks at once."""
    result = await start_link(hass)
    task = progress_task(hass, result["flow_id"])
    assert task is not None
    await run_wait(hass, clock, result["flow_id"], seconds=1.5)
    checks = len(pin_checks(plextv))
    assert checks == 2
    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()
    assert task.cancelled()
    assert clock.sleepers == 0
    clock.advance(60)
    await hass.async_block_till_done()
    assert len(pin_checks(plextv)) == checks


async def test_duplicate_account(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """Signing in to an account already set up aborts."""
    MockConfigEntry(domain=DOMAIN, unique_id=plextv.account["uuid"]).add_to_hass(hass)
    result = await start_link(hass)
    plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator, mock_setup_entry: AsyncMock
) -> None:
    """Reauth shows a new code for the same identity and updates the token."""
    entry = build_entry(plextv.account)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    token = plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == token
    assert entry.data[CONF_CLIENT_IDENTIFIER] == CLIENT_IDENTIFIER
    assert (
        plextv.requests[0].headers["X-Plex-Client-Identifier"] == entry.data[CONF_CLIENT_IDENTIFIER]
    )
    assert len(mock_setup_entry.mock_calls) == 1  # reloaded


async def test_reauth_wrong_account(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """A code approved by another account does not replace the entry's token."""
    entry = build_entry(plextv.account)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    plextv.approve(link_code(result), account=second_account()["uuid"])
    result = await finish_link(hass, clock, result["flow_id"], "finish")

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data[CONF_TOKEN] == "old-token"


async def test_reconfigure(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator, mock_setup_entry: AsyncMock
) -> None:
    """New names sign in again with a new code and keep the entry and its identifier."""
    entry = build_entry(plextv.account)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_NAME: "HA", CONF_DEVICE_NAME: "\n"}
    )
    assert result["errors"] == {CONF_DEVICE_NAME: "invalid_name"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_NAME: "HA", CONF_DEVICE_NAME: "Cabin"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    token = plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"], "finish")

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(entry.data) == {
        CONF_TOKEN: token,
        CONF_CLIENT_IDENTIFIER: CLIENT_IDENTIFIER,
        CONF_CLIENT_NAME: "HA",
        CONF_DEVICE_NAME: "Cabin",
    }
    assert plextv.requests[0].headers["X-Plex-Device"] == "Cabin"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    assert len(mock_setup_entry.mock_calls) == 1


async def test_reconfigure_wrong_account(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """Reconfigure refuses a sign-in with another account."""
    entry = build_entry(plextv.account)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NAMES)
    plextv.approve(link_code(result), account=second_account()["uuid"])
    result = await finish_link(hass, clock, result["flow_id"], "finish")
    assert result["reason"] == "wrong_account"
    assert entry.data[CONF_TOKEN] == "old-token"
