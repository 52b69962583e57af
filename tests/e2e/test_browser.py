"""Sign in as a person would: Home Assistant's web interface and the /link page in Chromium."""

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from harness import HomeAssistant, Simulator, release_tuple

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

    from .conftest import Browser, Pair

# The success dialog: "Finish", or "Skip and finish" when it offers to name the new devices.
FINISH = re.compile(r"^(Skip and finish|Finish)$")
# The oldest release whose frontend is known to show the sidebar's entries as links, the brand
# search as a placeholder and the brands as buttons (2026.10). 2026.3's shows list items
# without a role, a labelled search box and list items; releases between may show either.
CURRENT_FRONTEND_SINCE = (2026, 10)


def for_release(hass: HomeAssistant, current: Locator, older: Locator) -> Locator:
    """Return current, or on releases before CURRENT_FRONTEND_SINCE current or older."""
    if release_tuple(hass.version) >= CURRENT_FRONTEND_SINCE:
        return current
    return current.or_(older).first


def sidebar_entry(page: Page, hass: HomeAssistant, name: str) -> Locator:
    """Return the sidebar's entry called name."""
    return for_release(
        hass,
        page.get_by_role("link", name=name),
        # Its text may carry a badge, such as "1 Settings 1".
        page.locator("ha-sidebar ha-md-list-item", has_text=re.compile(rf"\b{name}\b")),
    )


def pick_brand(page: Page, hass: HomeAssistant, name: str) -> Locator:
    """Search the Add integration dialog for name; return the brand's entry."""
    for_release(
        hass,
        page.get_by_placeholder("Search for a brand name"),
        page.get_by_role("textbox", name="Search for a brand name"),
    ).fill(name)
    return for_release(
        hass,
        page.get_by_role("button", name=name),
        page.locator("ha-integration-list-item", has_text=name),
    )


def shot(page: Page, artifacts: Path, name: str) -> None:
    """Save a screenshot of the tab, once its animations have settled."""
    page.wait_for_timeout(400)
    page.screenshot(path=artifacts / f"{name}.png")


def open_home_assistant(page: Page, hass: HomeAssistant, artifacts: Path | None = None) -> None:
    """Open Home Assistant, signing in on the login page if it asks."""
    page.goto(hass.url + "/")
    login = page.get_by_role("button", name="Log in")
    sidebar = sidebar_entry(page, hass, "Settings")
    login.or_(sidebar).first.wait_for()
    if login.is_visible():
        page.get_by_role("textbox", name="Username").fill(hass.username)
        page.get_by_role("textbox", name="Password").fill(hass.password)
        if artifacts is not None:
            shot(page, artifacts, "01-login")
        login.click()
    sidebar.wait_for()


def open_names_form(page: Page, hass: HomeAssistant) -> None:
    """Go straight to the integrations page and pick Plex Account."""
    page.goto(hass.url + "/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    pick_brand(page, hass, "Plex Account").click()
    page.get_by_role("textbox", name="Client name").wait_for()


def shown_code(page: Page) -> str:
    """Return the code the progress dialog shows (the markdown heading)."""
    heading = page.get_by_role("heading", level=2, name=re.compile(r"^[A-Z0-9]{4}$"))
    return heading.inner_text().strip()


def link_and_finish(
    page: Page, browser: BrowserContext, plextv: Simulator, code: str, shots: Path
) -> float:
    """Type the code at /link in a second tab, then close the success dialog in the first.

    Return the seconds from submitting the code to the dialog; shots is the screenshots'
    folder and the start of their names.
    """
    link = browser.new_page()
    try:
        link.goto(plextv.link_url)
        link.locator("#code").fill(code)
        shot(link, shots.parent, f"{shots.name}-link-page")
        submitted = time.monotonic()
        link.locator("#link-submit").click()
        link.locator("#link-success").wait_for()
    finally:
        link.close()
    page.bring_to_front()
    page.get_by_role("button", name=FINISH).wait_for()
    shown_after = time.monotonic() - submitted
    shot(page, shots.parent, f"{shots.name}-success")
    page.get_by_role("button", name=FINISH).click()
    return shown_after


def test_sign_in_in_the_browser(
    browser: Browser, hass_server: HomeAssistant, plextv: Simulator, artifacts: Path
) -> None:
    """Settings, Add integration, names, code; the code typed at /link adds the entry."""
    browser.run(lambda context: sign_in(context, hass_server, plextv, artifacts))
    [entry] = hass_server.entries()
    assert entry["title"] == "plexfan"


def sign_in(
    browser: BrowserContext, hass_server: HomeAssistant, plextv: Simulator, artifacts: Path
) -> None:
    """Sign in through the web interface and the /link page."""
    page = browser.new_page()
    open_home_assistant(page, hass_server, artifacts)

    sidebar_entry(page, hass_server, "Settings").click()
    page.get_by_text("Devices & services", exact=True).first.click()
    page.get_by_role("button", name="Add integration").click()
    brand = pick_brand(page, hass_server, "Plex Account")
    brand.wait_for()
    shot(page, artifacts, "02-add-integration")
    brand.click()

    client_name = page.get_by_role("textbox", name="Client name")
    device_name = page.get_by_role("textbox", name="Device name")
    client_name.wait_for()
    assert client_name.input_value() == "Home Assistant"
    device_name.fill("Living Room")
    shot(page, artifacts, "03-names-form")
    page.get_by_role("button", name="Submit").click()

    code = shown_code(page)
    page.get_by_role("link", name=plextv.link_url).wait_for()
    shot(page, artifacts, "04-code-shown")
    pending = [pin for pin in plextv.state()["pins"] if pin["code"] == code]
    assert pending
    assert not pending[0]["approved"]

    shown_after = link_and_finish(page, browser, plextv, code, artifacts / "05")
    (artifacts / "browser-latency.json").write_text(
        json.dumps({"link_submitted_to_success_dialog": shown_after}, indent=2) + "\n"
    )
    print(f"\n/link submitted -> success dialog: {shown_after:.2f} s")  # noqa: T201
    page.goto(hass_server.url + "/config/integrations/integration/plex_account")
    page.get_by_text("plexfan").first.wait_for()
    shot(page, artifacts, "08-entry-added")
    page.close()


def test_invalid_name_shows_its_error(
    browser: Browser, hass_server: HomeAssistant, artifacts: Path
) -> None:
    """A name of only spaces passes the form's own check and gets the integration's error."""
    browser.run(lambda context: invalid_name(context, hass_server, artifacts))
    assert hass_server.entries() == []


def invalid_name(browser: BrowserContext, hass_server: HomeAssistant, artifacts: Path) -> None:
    """Submit a blank device name and look for its error."""
    page = browser.new_page()
    open_home_assistant(page, hass_server)
    open_names_form(page, hass_server)

    # The form is drawn in full once its suggested names are in: a name typed before that
    # could be drawn over.
    client_name = page.get_by_role("textbox", name="Client name")
    device_name = page.get_by_role("textbox", name="Device name")
    for _ in range(100):
        if client_name.input_value() == "Home Assistant":
            break
        page.wait_for_timeout(100)
    device_name.fill("   ")
    assert device_name.input_value() == "   "
    page.get_by_role("button", name="Submit").click()

    page.get_by_text("Enter a name of 1 to 255 characters").wait_for()
    shot(page, artifacts, "09-invalid-name")
    assert page.get_by_role("textbox", name="Device name").is_visible()
    page.close()


def test_expired_code_offers_a_new_one(
    browser: Browser, short_setup: Pair, short_hass: HomeAssistant, artifacts: Path
) -> None:
    """Nobody types the code in time: the dialog says so, and its new code works."""
    plextv = short_setup.simulator
    browser.run(lambda context: expired_code(context, short_hass, plextv, artifacts))
    [entry] = short_hass.entries()
    assert entry["title"] == "plexfan"


def expired_code(
    browser: BrowserContext, hass: HomeAssistant, plextv: Simulator, artifacts: Path
) -> None:
    """Let the code expire, ask for a new one and type that one."""
    page = browser.new_page()
    open_home_assistant(page, hass)
    open_names_form(page, hass)
    page.get_by_role("button", name="Submit").click()
    old_code = shown_code(page)

    page.get_by_text("The code expired").wait_for(timeout=60_000)
    shot(page, artifacts, "10-code-expired")
    page.get_by_role("button", name="Submit").click()
    new_code = shown_code(page)
    assert new_code != old_code
    pin = next(pin for pin in plextv.state()["pins"] if pin["code"] == old_code)
    assert pin["expired"]
    shot(page, artifacts, "11-new-code")
    link_and_finish(page, browser, plextv, new_code, artifacts / "12-new-code")
    page.close()
