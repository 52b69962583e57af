"""Signing in with a plex.tv/link code, against the plex.tv simulator over loopback HTTP.

The flow's poller and the simulator share a FakeClock: the tests move it on instead of
waiting, so a wait of minutes takes no time. The exact timing of the poller is tested with
the library; these tests prove what the user sees.
"""

import asyncio
from functools import partial
from typing import Any
from unittest.mock import AsyncMock

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import AbortFlow, FlowResultType

from custom_components.plex_account import config_flow
from custom_components.plex_account.aioplexaccount import Account, PinPoller
from custom_components.plex_account.const import (
    CONF_CLIENT_IDENTIFIER,
    CONF_CLIENT_NAME,
    CONF_DEVICE_NAME,
    DOMAIN,
    VERSION,
)
from custom_components.plex_account.helpers import markdown_text
from library.simulators.plextv import FakeClock, PlexTVFactory, PlexTVSimulator, second_account

from .common import CLIENT_IDENTIFIER, link_code, signed_in_entry

pytestmark = pytest.mark.usefixtures("plextv_url", "mock_setup_entry", "no_token_in_logs")

NAMES = {CONF_CLIENT_NAME: "Home Assistant", CONF_DEVICE_NAME: "Beach House"}
PINS = "/api/v2/pins"


@pytest.fixture
async def clock(monkeypatch: pytest.MonkeyPatch) -> Any:  # noqa: ANN401 - an async generator
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
    hass: HomeAssistant, clock: FakeClock, flow_id: str, next_step: str = "finish"
) -> ConfigFlowResult:
    """Run the background wait to its end, then fetch the flow as the frontend does."""
    await run_wait(hass, clock, flow_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result.get("step_id") != "link" or result["type"] is not FlowResultType.SHOW_PROGRESS
    if next_step != "finish":
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == next_step
    return result


async def new_code(hass: HomeAssistant, result: ConfigFlowResult) -> ConfigFlowResult:
    """Press the form's button for a new code; return the progress step that shows it."""
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    return result


def pin_checks(plextv: PlexTVSimulator) -> list[Any]:
    """Return the recorded checks of pins (GET /api/v2/pins/{id})."""
    return [r for r in plextv.requests_to(f"{PINS}/", method="GET") if "/qr/" not in r.path]


async def test_sign_in(clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """The code shown is approved at plex.tv and the entry holds the verified token.

    The form suggests Home Assistant and the location name. Spaces around a name are
    dropped before they reach plex.tv and the entry.
    """
    hass.config.location_name = "Lake Cabin"
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    schema = result["data_schema"]
    assert schema is not None
    suggested = {str(key): key.description["suggested_value"] for key in schema.schema}
    assert suggested == {CONF_CLIENT_NAME: "Home Assistant", CONF_DEVICE_NAME: "Lake Cabin"}
    spaced = {key: f"  {name} " for key, name in NAMES.items()}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], spaced)
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    code = placeholders["code"]
    assert len(code) == 4
    assert placeholders["url"] == f"{plextv.url}/link"
    assert placeholders["qr"] == f"{plextv.url}/api/v2/pins/qr/{code}"
    assert placeholders["minutes"] == "15"

    token = plextv.approve(code)
    result = await finish_link(hass, clock, result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "plexfan"
    assert result["result"].unique_id == plextv.account["uuid"]
    data = result["data"]
    assert data == {
        CONF_TOKEN: token,
        CONF_CLIENT_IDENTIFIER: data[CONF_CLIENT_IDENTIFIER],
        **NAMES,
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


@pytest.mark.parametrize(
    ("qr", "shown"),
    [
        (None, ""),
        ("https://elsewhere.example/qr.png", ""),
        ("{plextv}/api/v2/pins/qr/AB\nCD", ""),
        ("{plextv}/qr (1).png", "{plextv}/qr%20%281%29.png"),
    ],
)
def test_qr_only_from_plextv(plextv_url: str, qr: str | None, shown: str) -> None:
    """The QR picture shows only when plex.tv's own host serves it, as one Markdown URL.

    Text from plex.tv that lands in Markdown is text only.
    """
    if qr is not None:
        qr = qr.format(plextv=plextv_url)
    assert config_flow._qr_url(qr) == shown.format(plextv=plextv_url)
    assert markdown_text("A*B_[c](d)") == r"A\*B\_\[c\]\(d\)"


BAD = "invalid_name"


@pytest.mark.parametrize(
    ("names", "fault", "errors"),
    [
        (("  ", "Home"), None, {CONF_CLIENT_NAME: BAD}),
        (("\u3164", "Home"), None, {CONF_CLIENT_NAME: BAD}),
        (("Home\r\nX-Plex-Token: x", "Home"), None, {CONF_CLIENT_NAME: BAD}),
        (("HA", "x" * 256), None, {CONF_DEVICE_NAME: BAD}),
        (("tab\there", "bell\x07"), None, {CONF_CLIENT_NAME: BAD, CONF_DEVICE_NAME: BAD}),
        (("HA", "Home"), {"status": 503}, {"base": "cannot_connect"}),
        (("HA", "Home"), {"drop": True}, {"base": "cannot_connect"}),
        (
            ("HA", "Home"),
            {"status": 429, "headers": {"Retry-After": "30"}},
            {"base": "rate_limited"},
        ),
        (("HA", "Home"), {"status": 400}, {"base": "unknown"}),
    ],
)
async def test_form_errors(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    names: tuple[str, str],
    fault: dict[str, Any] | None,
    errors: dict[str, str],
) -> None:
    """The form says why it failed: a bad name, or plex.tv that cannot create a code.

    A bad name reaches no plex.tv. The same flow recovers.
    """
    if fault is not None:
        plextv.add_fault(PINS, method="POST", **fault)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    typed = dict(zip((CONF_CLIENT_NAME, CONF_DEVICE_NAME), names, strict=True))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "user")
    assert result["errors"] == errors
    if fault is None:
        assert plextv.requests == []

    result = await hass.config_entries.flow.async_configure(result["flow_id"], NAMES)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_wait_outlasts_failures(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """While plex.tv fails, drops or garbles, the wait backs off and keeps the code.

    A failed account read after approval is retried instead of losing the token.
    """
    result = await start_link(hass)
    plextv.add_fault(f"{PINS}/", status=503, count=2)
    plextv.add_fault(f"{PINS}/", drop=True, count=2)
    plextv.add_fault(f"{PINS}/", body="<html>Bad gateway</html>")
    plextv.add_fault("/api/v2/user", status=503, count=2)
    token = plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == token
    assert len(plextv.requests_to("/api/v2/user")) == 3
    # Pauses of 1 s and 2 s between the three reads, on the flow's clock.
    assert clock.sleeps[-2:] == [1.0, 2.0]
    # Every check is of the same code, the last one answered.
    checks = pin_checks(plextv)
    assert len(checks) >= 4
    assert len({check.path for check in checks}) == 1


@pytest.mark.parametrize(
    ("path", "fault", "step"),
    [
        (None, None, "expired"),
        (f"{PINS}/", {"status": 404}, "expired"),
        (f"{PINS}/", {"status": 401}, "link_failed"),
        ("/api/v2/user", {"status": 503, "count": 3}, "link_failed"),
    ],
    ids=["expired", "forgotten by plex.tv", "refused", "account unreadable"],
)
async def test_no_sign_in_then_new_code(  # noqa: PLR0913, PLR0917
    clock: FakeClock,
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    path: str | None,
    fault: dict[str, Any] | None,
    step: str,
) -> None:
    """A code that expires or plex.tv forgets, or a sign-in that fails, offers a new code.

    The button fails while plex.tv is down, says so, and works once it is back.
    """
    if path is None:
        plextv.pin_expires_in = 3
    result = await start_link(hass)
    first_code = link_code(result)
    assert (result["description_placeholders"] or {})["minutes"] == ("1" if path is None else "15")
    if path is not None:
        plextv.add_fault(path, **fault or {})
        plextv.approve(first_code)
    result = await finish_link(hass, clock, result["flow_id"], step)

    plextv.pin_expires_in = 900
    plextv.add_fault(PINS, method="POST", status=502)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert (result["step_id"], result["errors"]) == (step, {"base": "cannot_connect"})
    result = await new_code(hass, result)
    assert link_code(result) != first_code
    plextv.approve(link_code(result))
    result = await finish_link(hass, clock, result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_one_wait_until_closed(
    clock: FakeClock, hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """Fetching the flow again (a reload of the page) shows the same code, one poller.

    Closing the dialog stops the checks at once.
    """
    result = await start_link(hass)
    flow_id = result["flow_id"]
    task = progress_task(hass, flow_id)
    assert task is not None
    for _ in range(3):
        again = await hass.config_entries.flow.async_configure(flow_id)
        assert again["type"] is FlowResultType.SHOW_PROGRESS
        assert again["description_placeholders"] == result["description_placeholders"]
    await run_wait(hass, clock, flow_id, seconds=2.5)
    assert len(plextv.requests_to(PINS, method="POST")) == 1
    # One poller checks at 0, 1 and 2 s; a second one would add its own checks.
    assert len(pin_checks(plextv)) == 3
    hass.config_entries.flow.async_abort(flow_id)
    await hass.async_block_till_done()
    assert task.cancelled()
    assert clock.sleepers == 0
    clock.advance(60)
    await hass.async_block_till_done()
    assert len(pin_checks(plextv)) == 3


@pytest.mark.parametrize(
    ("source", "other_account", "reason"),
    [
        ("reauth", False, "reauth_successful"),
        ("reconfigure", False, "reconfigure_successful"),
        ("user", False, "already_configured"),
        ("reauth", True, "wrong_account"),
        ("reconfigure", True, "wrong_account"),
        ("removed", False, "entry_removed"),
    ],
)
async def test_sign_in_again(  # noqa: PLR0913, PLR0917
    clock: FakeClock,
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    mock_setup_entry: AsyncMock,
    source: str,
    other_account: bool,
    reason: str,
) -> None:
    """Reauth and reconfigure sign in again with a new code for the same identity.

    Reauth keeps the names; reconfigure asks for new ones first. The entry keeps its
    identifier, takes the new token and is reloaded; the token a reconfigure replaces (which
    still works) is signed out. A flow that aborts once the code is approved signs the new
    token out, and the entry keeps its own: the account is set up already, or another
    account approved the code, or the entry was removed while the code waited (its
    reconfigure ends; Home Assistant ends a reauth of a removed entry by itself).
    """
    entry = await signed_in_entry(plextv)
    entry.add_to_hass(hass)
    kept = entry.data[CONF_TOKEN]
    names = {CONF_CLIENT_NAME: "Home Assistant", CONF_DEVICE_NAME: "Home"}
    if source == "user":
        result = await start_link(hass)
    elif source == "reauth":
        result = await entry.start_reauth_flow(hass)
        assert result["step_id"] == "reauth_confirm"
        result = await new_code(hass, result)
    else:
        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_CLIENT_NAME: "HA", CONF_DEVICE_NAME: "\n"}
        )
        assert result["errors"] == {CONF_DEVICE_NAME: "invalid_name"}
        names = {CONF_CLIENT_NAME: "HA", CONF_DEVICE_NAME: "Cabin"}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], names)
    if source == "removed":
        assert await hass.config_entries.async_remove(entry.entry_id)
    other = second_account()["uuid"] if other_account else None
    token = plextv.approve(link_code(result), account=other)
    result = await finish_link(hass, clock, result["flow_id"])

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, reason)
    if reason.endswith("_successful"):
        assert dict(entry.data) == {
            CONF_TOKEN: token,
            CONF_CLIENT_IDENTIFIER: CLIENT_IDENTIFIER,
            **names,
        }
        for request in plextv.requests_to(PINS):
            assert request.headers["X-Plex-Client-Identifier"] == CLIENT_IDENTIFIER
            assert request.headers["X-Plex-Device"] == names[CONF_DEVICE_NAME]
        assert len(hass.config_entries.async_entries(DOMAIN)) == 1
        assert len(mock_setup_entry.mock_calls) == 1  # reloaded
        assert plextv.signed_out == ([] if source == "reauth" else [kept])
    else:
        assert entry.data[CONF_TOKEN] == kept
        # A removed entry's own token was signed out as it went.
        assert plextv.signed_out == ([kept, token] if source == "removed" else [token])


async def test_finishing_twice_keeps_the_entrys_token(
    hass: HomeAssistant, plextv: PlexTVSimulator
) -> None:
    """The last step run a second time (two fetches of the flow racing) signs nothing out.

    The run that comes second aborts as already configured: the token it would sign out is
    the one the first run stored in the new entry.
    """
    entry = await signed_in_entry(plextv)
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow = hass.config_entries.flow._progress[result["flow_id"]]
    assert isinstance(flow, config_flow.PlexAccountConfigFlow)
    # The run that made the entry had the same identity and token.
    flow._client_identifier = entry.data[CONF_CLIENT_IDENTIFIER]
    flow._token = entry.data[CONF_TOKEN]
    flow._account = Account.from_dict(plextv.account)
    with pytest.raises(AbortFlow, match="already_configured"):
        await flow.async_step_finish()
    assert plextv.signed_out == []
