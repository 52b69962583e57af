"""The watchlist as a to-do list in a real Home Assistant: REST, Assist and the to-do card."""

from pathlib import Path
from typing import TYPE_CHECKING

from harness import HomeAssistant, Simulator, wait_for
from library.simulators.plextv.catalogue import AMELIE, ARRIVAL, DUNE_1984, SAMPLE_WATCHLIST

from .test_browser import open_home_assistant, shot

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from .conftest import Browser

WATCHLIST = "todo.plex_watchlist"


def listed(hass: HomeAssistant) -> int | None:
    """Return how many items the list shows (its state), None while it has none."""
    state = (hass.state(WATCHLIST) or {}).get("state", "")
    return int(state) if state.isdigit() else None


def start(hass: HomeAssistant, plextv: Simulator) -> None:
    """Sign the sample account in with its sample watchlist; wait for the list."""
    plextv.set_watchlist([key for key, _ in SAMPLE_WATCHLIST])
    hass.sign_in(plextv)
    wait_for(lambda: listed(hass) == len(SAMPLE_WATCHLIST), timeout=30, what="the watchlist")


def test_add_over_rest_and_by_voice(hass_server: HomeAssistant, plextv: Simulator) -> None:
    """todo.add_item and Assist's own sentence both land in the watchlist at Plex."""
    start(hass_server, plextv)

    hass_server.post("/api/services/todo/add_item", {"entity_id": WATCHLIST, "item": "Arrival"})
    assert plextv.watchlist()[0] == ARRIVAL
    wait_for(lambda: listed(hass_server) == 4, timeout=10, what="the list to show it")

    answer = hass_server.post(
        "/api/conversation/process",
        {"text": "Add Dune 1984 to my Plex watchlist", "language": "en"},
    )
    assert answer["response"]["response_type"] == "action_done", answer
    assert plextv.watchlist()[0] == DUNE_1984
    wait_for(lambda: listed(hass_server) == 5, timeout=10, what="the list to show it")


def test_to_do_card(
    browser: Browser, hass_server: HomeAssistant, plextv: Simulator, artifacts: Path
) -> None:
    """The to-do list shows the watchlist; an item is added and another ticked off."""
    start(hass_server, plextv)
    browser.run(lambda context: use_the_card(context, hass_server, artifacts))
    watchlist = plextv.watchlist()
    assert watchlist[0] == ARRIVAL
    assert AMELIE not in watchlist
    state = plextv.http.get(f"/_sim/user_state/{AMELIE}").json()
    assert state["viewCount"] == 1


def use_the_card(context: BrowserContext, hass: HomeAssistant, artifacts: Path) -> None:
    """Open the watchlist in To-do lists, add an item, then tick another off."""
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 720})
    open_home_assistant(page, hass)
    page.goto(f"{hass.url}/todo?entity_id={WATCHLIST}")
    page.get_by_text("Amélie (2001)").wait_for()

    page.get_by_placeholder("Add item").fill("Arrival")
    page.get_by_placeholder("Add item").press("Enter")
    page.get_by_text("Arrival (2016)").wait_for()
    shot(page, artifacts, "20-watchlist")

    item = page.locator("ha-check-list-item", has_text="Amélie (2001)")
    item.locator("ha-checkbox").click()
    item.wait_for(state="detached")
    shot(page, artifacts, "21-watchlist-ticked-off")
