"""The account's libraries in a real Home Assistant: the Media panel and the Library event.

The main pair's Living Room Server is the Plex Media Server simulator, with its sample
libraries (Films, TV Shows, Music, Photos). In Chromium, the Media panel browses Plex down to
a track and plays it in the browser's own player; its tracks are real WAV files, so the
browser really plays them. An episode added on the server fires the server's Library event.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness import ROOT, HomeAssistant, ServerSimulator, Simulator, wait_for

from .test_browser import open_home_assistant, shot
from .test_now_playing import IMAGES_IN, wait_for_state

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page, Response

    from .conftest import Browser

LIBRARY_EVENT = "event.living_room_server_library"
TV_SHOWS = "sensor.living_room_server_tv_shows"
FILMS = "sensor.living_room_server_films"
# The way down to a track, as the panel lists it: the source, the account, the server...
TO_THE_TRACK = ("Plex", "Plex Fan", "Living Room Server", "Music", "The Quiet Tides")
ALBUM = "Harbour Songs"
TRACK = "Low Tide"
TO_THE_FILMS = ("Plex", "Plex Fan", "Living Room Server", "Films")
FILM_TITLES = ("Amber Skies", "The Glass Orchard", "Zephyr Road")
FILM_COUNT = 6
# Posters come through Home Assistant, on signed paths.
POSTERS = "/api/plex_account/image/"
SCREENSHOT = ROOT / "docs" / "media-panel.png"
# Set to 1, the run also saves the Films screenshot as the README's.
DOCS_ENV = "PLEX_ACCOUNT_E2E_DOCS"

# Before any script of the page runs: keep every media element the page makes (the panel's
# browser player is an Audio object outside the document), and how far each one played.
WATCH_MEDIA = """
(() => {
  const seen = [];
  window.__plexAccountMedia = seen;
  const watch = (element) => {
    if (!seen.includes(element)) {
      seen.push(element);
      element.__furthest = 0;
      element.addEventListener("timeupdate", () => {
        element.__furthest = Math.max(element.__furthest, element.currentTime);
      });
      element.addEventListener("playing", () => { element.__playing = true; });
    }
    return element;
  };
  const NativeAudio = window.Audio;
  window.Audio = function (...args) { return watch(new NativeAudio(...args)); };
  window.Audio.prototype = NativeAudio.prototype;
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function (...args) {
    watch(this);
    return play.apply(this, args);
  };
})();
"""
MEDIA_STATE = """
() => window.__plexAccountMedia.map((element) => ({
  src: element.currentSrc || element.src,
  paused: element.paused,
  time: element.currentTime,
  furthest: element.__furthest,
  playing: Boolean(element.__playing),
  readyState: element.readyState,
  error: element.error ? element.error.code : null,
}))
"""


@pytest.fixture(autouse=True)
def forget_the_requests(media_server: ServerSimulator) -> Iterator[None]:
    """Clear the server's request log after each test.

    The browser fetched media with a transient token, which later tests that check that
    every request to the server carried Home Assistant's token must not find.
    """
    yield
    media_server.forget_requests()


def follow_the_libraries(hass: HomeAssistant, plextv: Simulator) -> dict[str, Any]:
    """Sign the sample account in; wait until the server's libraries are counted."""
    entry, _token = hass.sign_in(plextv)
    wait_for_state(hass, FILMS, "6")
    wait_for(lambda: hass.state(LIBRARY_EVENT), timeout=30, what=LIBRARY_EVENT)
    return entry


def entry_in_panel(page: Page, title: str) -> Locator:
    """Return the entry of the Media panel's current level called title (shadow DOM pierced).

    Visible ones only: a tooltip that repeats the title is in the page, hidden.
    """
    browse = page.locator("ha-media-player-browse")
    return browse.get_by_text(title, exact=True).filter(visible=True).first


def open_level(page: Page, title: str) -> None:
    """Click an entry of the Media panel: the panel opens its level (or plays it)."""
    entry_in_panel(page, title).click()


def test_media_panel_plays_a_track_in_the_browser(
    browser: Browser,
    hass_server: HomeAssistant,
    plextv: Simulator,
    media_server: ServerSimulator,
    artifacts: Path,
) -> None:
    """Plex, the account, the server, Music, an artist, an album, a track: it plays here."""
    follow_the_libraries(hass_server, plextv)
    played, posters = browser.run(lambda context: play_a_track(context, hass_server, artifacts))

    # The browser fetched the track from the server itself, with a transient token.
    assert played["src"].startswith(media_server.url + "/library/parts/"), played["src"]
    assert "X-Plex-Token=" in played["src"]
    assert media_server.library()["transientTokens"] >= 1
    assert any(POSTERS in url for url in posters), posters


def play_a_track(
    context: BrowserContext, hass: HomeAssistant, artifacts: Path
) -> tuple[dict[str, Any], list[str]]:
    """Browse to the films (a screenshot) and to a track; play it; return how it played."""
    page = context.new_page()
    page.add_init_script(WATCH_MEDIA)
    try:
        page.set_viewport_size({"width": 1280, "height": 800})
        open_home_assistant(page, hass)
        page.goto(f"{hass.url}/media-browser/browser")
        posters = films_with_posters(page, artifacts)

        page.goto(f"{hass.url}/media-browser/browser")
        for title in TO_THE_TRACK:
            open_level(page, title)
        open_level(page, ALBUM)
        shot(page, artifacts, "40-album")
        entry_in_panel(page, TRACK).click()

        def playing() -> dict[str, Any] | None:
            elements: list[dict[str, Any]] = page.evaluate(MEDIA_STATE)
            for element in elements:
                if element["error"] is not None:
                    msg = f"the browser could not play the track: MediaError {element['error']}"
                    raise AssertionError(msg)
                moved = element["furthest"] > 0.3
                if moved or (element["playing"] and element["readyState"] >= 2):
                    return element
            return None

        played = wait_for(playing, timeout=30, what="the browser to play the track")
        # Its three seconds play on: the position moves while the test looks.
        wait_for(
            lambda: any(e["furthest"] > 0.5 for e in page.evaluate(MEDIA_STATE)),
            timeout=10,
            what="the track's position to move",
        )
        page.get_by_text(TRACK).first.wait_for()
        shot(page, artifacts, "41-track-playing")
    finally:
        page.close()
    return played, posters


def films_with_posters(page: Page, artifacts: Path) -> list[str]:
    """Open the Films library; wait for its posters; save the screenshot; return their URLs.

    The panel fetches each poster from Home Assistant's signed path and draws it as an image
    of its own (a data: URL): both are checked.
    """
    fetched: list[str] = []

    def poster(response: Response) -> None:
        kind = response.headers.get("content-type", "")
        if POSTERS in response.url and response.ok and kind.startswith("image/"):
            fetched.append(response.url)

    page.on("response", poster)
    for title in TO_THE_FILMS:
        open_level(page, title)
    for title in FILM_TITLES:
        entry_in_panel(page, title).wait_for()
    browse = page.locator("ha-media-player-browse").first

    def drawn() -> list[dict[str, Any]] | None:
        found = [i for i in browse.evaluate(IMAGES_IN) if i["url"].startswith(("data:", "blob:"))]
        return found if len(fetched) >= FILM_COUNT and len(found) >= FILM_COUNT else None

    wait_for(drawn, timeout=20, what=f"the films' posters from {POSTERS}, drawn")
    page.remove_listener("response", poster)
    page.wait_for_timeout(600)  # the posters fade in
    shot(page, artifacts, "42-media-panel-films")
    if os.environ.get(DOCS_ENV) == "1":
        shutil.copy(artifacts / "42-media-panel-films.png", SCREENSHOT)
    return fetched


def test_added_episode_fires_the_library_event(
    hass_server: HomeAssistant, plextv: Simulator, media_server: ServerSimulator
) -> None:
    """An episode added on the server (its timeline notifications) is the Library event."""
    follow_the_libraries(hass_server, plextv)
    before = hass_server.state(LIBRARY_EVENT)
    episodes = int((hass_server.state(TV_SHOWS) or {})["attributes"]["episodes"])

    [key] = media_server.add_items(
        "2", "episode", title="Harbour Ice", show="Northern Lines", season=2, episode=6
    )

    def fired() -> dict[str, Any] | None:
        current = hass_server.state(LIBRARY_EVENT)
        if current is None or current["state"] == (before or {}).get("state"):
            return None
        return current if current["attributes"].get("title") == "Harbour Ice" else None

    event = wait_for(fired, timeout=30, what=f"{LIBRARY_EVENT} to tell of Harbour Ice")
    attributes = event["attributes"]
    assert attributes["event_type"] == "added"
    assert attributes["media_type"] == "episode"
    assert attributes["library"] == "TV Shows"
    assert (attributes["show"], attributes["season"], attributes["episode"]) == (
        "Northern Lines",
        2,
        6,
    )
    # The server said its library changed: the count follows.
    wait_for_state(hass_server, TV_SHOWS, "2", episodes=episodes + 1)
    assert media_server.library()["sections"][1]["counts"]["episode"] == episodes + 1
    assert key
