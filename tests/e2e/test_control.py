"""Control from the browser, in a real Home Assistant: a media control card's pause button.

The main pair's Living Room Server is the Plex Media Server simulator, whose Living Room TV
takes remote control. A film plays there; in Chromium, the pause button of a media control
card sends the command through the server to the player, which pauses; the card then shows
the play button, once the server has pushed the new state.
"""

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import ROOT, HomeAssistant, ServerSimulator, Simulator, wait_for
from library.simulators.pms import LIVING_ROOM_TV_ID

from .test_browser import open_home_assistant, shot
from .test_now_playing import FILM, PLAYER, follow_the_server, wait_for_state

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator

    from .conftest import Browser

DASHBOARD = "tv-control"
SCREENSHOT = ROOT / "docs" / "control.png"
# Set to 1, the run also saves the card's screenshot as the README's.
DOCS_ENV = "PLEX_ACCOUNT_E2E_DOCS"
PAUSE = 1  # MediaPlayerEntityFeature.PAUSE


def button(card: Locator, action: str) -> Locator:
    """Return the card's control button for a media_player action (media_pause...).

    Every supported release renders them as ha-icon-button with an action attribute; its
    label is translated, the attribute is not.
    """
    return card.locator(f"ha-icon-button[action='{action}']").first


def add_dashboard(hass: HomeAssistant) -> None:
    """Add a dashboard with the TV's media control card alone."""
    dashboards = hass.ws({"type": "lovelace/dashboards/list"})["result"]
    if not any(d["url_path"] == DASHBOARD for d in dashboards):
        create = {"type": "lovelace/dashboards/create", "url_path": DASHBOARD, "title": "Control"}
        assert (created := hass.ws(create))["success"], created
    cards = [{"type": "media-control", "entity": PLAYER}]
    config = {"views": [{"title": "Control", "path": "tv", "cards": cards}]}
    saved = hass.ws({"type": "lovelace/config/save", "url_path": DASHBOARD, "config": config})
    assert saved["success"], saved


def offers_pause(hass: HomeAssistant) -> bool:
    """Return whether the TV's media player offers pause (its server lists it as controllable)."""
    attributes = (hass.state(PLAYER) or {}).get("attributes", {})
    return bool(int(attributes.get("supported_features", 0)) & PAUSE)


def tv_session(server: ServerSimulator) -> dict[str, Any] | None:
    """Return the Living Room TV's session on the server, if it plays anything."""
    return next(
        (
            s
            for s in server.control.sessions()
            if s["Player"]["machineIdentifier"] == LIVING_ROOM_TV_ID
        ),
        None,
    )


def test_pause_on_the_media_control_card(
    browser: Browser,
    hass_server: HomeAssistant,
    plextv: Simulator,
    media_server: ServerSimulator,
    artifacts: Path,
) -> None:
    """The card's pause button pauses the TV through the server; the card shows play."""
    follow_the_server(hass_server, plextv)
    media_server.start_session("living_room_tv", "film")
    wait_for_state(hass_server, PLAYER, "playing", media_title=FILM)
    wait_for(lambda: offers_pause(hass_server), timeout=30, what=f"{PLAYER} to offer pause")
    add_dashboard(hass_server)
    commands = len(media_server.control.http.get("/_sim/state").json()["commands"])

    browser.run(lambda context: press_pause(context, hass_server, media_server, artifacts))

    session = tv_session(media_server)
    assert session is not None
    assert session["Player"]["state"] == "paused"
    assert session["title"] == FILM
    paused = wait_for_state(hass_server, PLAYER, "paused", media_title=FILM)
    assert paused["attributes"]["media_title"] == FILM
    # One pause, through the server, to the TV; nothing else was sent to it.
    sent = media_server.control.http.get("/_sim/state").json()["commands"][commands:]
    pauses = [c for c in sent if c["command"] == "playback/pause"]
    assert [c["player"] for c in pauses] == [LIVING_ROOM_TV_ID], sent
    assert pauses[0]["query"].get("type") == "video"
    assert pauses[0]["commandID"] is not None


def press_pause(
    context: BrowserContext, hass: HomeAssistant, server: ServerSimulator, artifacts: Path
) -> None:
    """Open the card, press pause; wait for the server's pause and the card's play button."""
    page = context.new_page()
    try:
        page.set_viewport_size({"width": 1280, "height": 720})
        open_home_assistant(page, hass)
        page.goto(f"{hass.url}/{DASHBOARD}/tv")
        card = page.locator("hui-media-control-card").first
        card.get_by_text(FILM).first.wait_for()
        pause = button(card, "media_pause")
        pause.wait_for()
        shot(page, artifacts, "50-control-playing")
        pause.click()

        def paused_on_the_server() -> bool:
            session = tv_session(server)
            return session is not None and session["Player"]["state"] == "paused"

        wait_for(paused_on_the_server, timeout=10, what="the TV's session to pause")
        # The card changes when Home Assistant's state does: when the server has said so.
        button(card, "media_play").wait_for()
        assert not button(card, "media_pause").is_visible()
        page.mouse.move(0, 0)  # no hover on the button it pressed, in the screenshot
        page.wait_for_timeout(400)  # the card's transitions
        card.screenshot(path=artifacts / "51-control-paused.png")
        shot(page, artifacts, "52-control-paused-page")
        if os.environ.get(DOCS_ENV) == "1":
            shutil.copy(artifacts / "51-control-paused.png", SCREENSHOT)
    finally:
        page.close()
