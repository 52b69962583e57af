"""What the Living Room Server plays, in a real Home Assistant: media player, sensor, event.

The main pair's plex.tv lists the Plex Media Server simulator as the sample account's Living
Room Server (conftest.main_setup); playback starts, pauses and stops there, over its control
port, and Home Assistant follows it through the server's own websocket.
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import HomeAssistant, ServerSimulator, Simulator, wait_for

from .test_browser import open_home_assistant, shot

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from .conftest import Browser

PLAYER = "media_player.living_room_tv"
# The account's other players: one online, one not.
PLAYERS = (PLAYER, "media_player.office_pc", "media_player.kitchen_ipad")
STREAMS = "sensor.living_room_server_active_streams"
PLAYBACK = "event.living_room_server_playback"
FILM = "The Long Voyage"
# Home Assistant serves a media player's artwork itself, fetched from the server.
PROXY = "/api/media_player_proxy/"
DASHBOARD = "now-playing"
# Every image and every element with a background image in a card, through shadow roots.
IMAGES_IN = """
(card) => {
  const found = [];
  const walk = (root) => {
    for (const element of root.querySelectorAll("*")) {
      if (element.tagName === "IMG" && element.src) {
        found.push({ kind: "img", url: element.src, width: element.naturalWidth });
      }
      const background = getComputedStyle(element).backgroundImage;
      const match = background && background.match(/url\\(["']?(.*?)["']?\\)/);
      if (match) found.push({ kind: "background", url: match[1], width: null });
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(card.shadowRoot || card);
  return found;
}
"""
# The size of an image once loaded (from the browser's cache when the page already has it).
NATURAL_SIZE = """
(url) => new Promise((resolve) => {
  const image = new Image();
  image.onload = () => resolve([image.naturalWidth, image.naturalHeight]);
  image.onerror = () => resolve([0, 0]);
  image.src = url;
})
"""


def states(hass: HomeAssistant) -> dict[str, dict[str, Any]]:
    """Return every state by entity id."""
    return {state["entity_id"]: state for state in hass.get("/api/states")}


def state_of(hass: HomeAssistant, entity_id: str) -> dict[str, Any] | None:
    """Return an entity's state, None while it has none."""
    return states(hass).get(entity_id)


def wait_for_state(
    hass: HomeAssistant, entity_id: str, state: str, timeout: float = 30, **attributes: object
) -> dict[str, Any]:
    """Wait until entity_id is in state with these attributes; return the state."""

    def reached() -> dict[str, Any] | None:
        current = state_of(hass, entity_id)
        if current is None or current["state"] != state:
            return None
        shown = current["attributes"]
        return current if all(shown.get(k) == v for k, v in attributes.items()) else None

    wanted = f"{entity_id} to be {state}" + (f" with {attributes}" if attributes else "")
    return wait_for(reached, timeout=timeout, what=wanted)


def wait_for_event(hass: HomeAssistant, event_type: str, after: str | None) -> dict[str, Any]:
    """Wait until the playback event entity shows a new event (after `after`) of event_type."""

    def fired() -> dict[str, Any] | None:
        current = state_of(hass, PLAYBACK)
        if current is None or current["state"] in {after, "unknown", "unavailable"}:
            return None
        return current if current["attributes"].get("event_type") == event_type else None

    return wait_for(fired, timeout=30, what=f"{PLAYBACK} to show {event_type}")


def follow_the_server(hass: HomeAssistant, plextv: Simulator) -> None:
    """Sign the sample account in; wait until the server is followed, nothing playing."""
    hass.sign_in(plextv)
    wait_for_state(hass, STREAMS, "0")
    wait_for(lambda: state_of(hass, PLAYER), timeout=30, what=PLAYER)


def test_media_player_follows_the_server(
    hass_server: HomeAssistant, plextv: Simulator, media_server: ServerSimulator
) -> None:
    """Playing, paused, playing and stopped on the server, as the entities show it."""
    follow_the_server(hass_server, plextv)
    before = state_of(hass_server, PLAYBACK)
    last_event = before["state"] if before else None

    key = media_server.start_session("living_room_tv", "film")
    playing = wait_for_state(hass_server, PLAYER, "playing", media_title=FILM)
    assert playing["attributes"]["media_content_type"] == "movie"
    assert playing["attributes"]["entity_picture"].startswith(PROXY)
    wait_for_state(hass_server, STREAMS, "1")
    last_event = wait_for_event(hass_server, "started", last_event)["state"]

    artwork = hass_server.http.get(playing["attributes"]["entity_picture"])
    assert artwork.status_code == 200
    assert artwork.headers["content-type"].startswith("image/")
    assert artwork.content.startswith(b"\x89PNG")

    media_server.pause(key)
    wait_for_state(hass_server, PLAYER, "paused", media_title=FILM)
    last_event = wait_for_event(hass_server, "paused", last_event)["state"]
    assert states(hass_server)[STREAMS]["state"] == "1"

    media_server.resume(key)
    wait_for_state(hass_server, PLAYER, "playing", media_title=FILM)
    # A second stream, music in the kitchen, counts too.
    other = media_server.start_session("kitchen_speaker", "track")
    wait_for_state(hass_server, STREAMS, "2")
    media_server.stop_session(other)
    wait_for_state(hass_server, STREAMS, "1")

    media_server.stop_session(key)
    wait_for_state(hass_server, PLAYER, "idle")
    wait_for_state(hass_server, STREAMS, "0")
    last_event = wait_for_event(hass_server, "stopped", last_event)["state"]

    key = media_server.start_session("living_room_tv", "episode")
    episode = wait_for_state(hass_server, PLAYER, "playing", media_title="The Lighthouse")
    assert episode["attributes"]["media_series_title"] == "Northern Lines"
    # Home Assistant's types: an episode is "episode", or "tvshow" as core's Plex has it.
    assert episode["attributes"]["media_content_type"] in {"episode", "tvshow"}
    media_server.stop_session(key)
    wait_for_state(hass_server, PLAYER, "idle")

    text = json.dumps(hass_server.get("/api/states"))
    for secret in media_server.secrets():
        assert secret not in text, "the server's token is in a state"
    # Home Assistant read the server with the token plex.tv listed for it, and only that.
    sent = {
        request["headers"].get("X-Plex-Token") or request["query"].get("X-Plex-Token")
        for request in media_server.requests()
        if request["path"] != "/identity"
    }
    assert sent == {media_server.token}


def test_media_control_card(
    browser: Browser,
    hass_server: HomeAssistant,
    plextv: Simulator,
    media_server: ServerSimulator,
    artifacts: Path,
) -> None:
    """A media control card shows the film's title and its artwork, fetched by the proxy."""
    follow_the_server(hass_server, plextv)
    media_server.start_session("living_room_tv", "film")
    wait_for_state(hass_server, PLAYER, "playing", media_title=FILM)
    wait_for_event(hass_server, "started", None)
    add_dashboard(hass_server)

    loaded = browser.run(lambda context: watch_the_card(context, hass_server, artifacts))
    leaked = [url for url in loaded for secret in media_server.secrets() if secret in url]
    assert not leaked, "the browser loaded a URL that carries the server's token"
    assert any(PROXY in url for url in loaded)


def add_dashboard(hass: HomeAssistant) -> None:
    """Add a dashboard: the TV's media control card, the server's entities, the players."""
    dashboards = hass.ws({"type": "lovelace/dashboards/list"})["result"]
    if not any(d["url_path"] == DASHBOARD for d in dashboards):
        created = hass.ws(
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD,
                "title": "Now playing",
                "icon": "mdi:play-circle",
                "mode": "storage",
                "show_in_sidebar": True,
                "require_admin": False,
            }
        )
        assert created["success"], created
    config = {
        "title": "Now playing",
        "views": [
            {
                "title": "Now playing",
                "path": "now",
                "cards": [
                    {"type": "media-control", "entity": PLAYER},
                    {
                        "type": "entities",
                        "title": "Living Room Server",
                        "entities": [STREAMS, PLAYBACK],
                    },
                    {"type": "entities", "title": "Players", "entities": list(PLAYERS)},
                ],
            }
        ],
    }
    saved = hass.ws({"type": "lovelace/config/save", "url_path": DASHBOARD, "config": config})
    assert saved["success"], saved


def watch_the_card(context: BrowserContext, hass: HomeAssistant, artifacts: Path) -> list[str]:
    """Open the dashboard, check the card's title and artwork; return every URL loaded."""
    page = context.new_page()
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    try:
        page.set_viewport_size({"width": 1280, "height": 720})
        open_home_assistant(page, hass)
        page.goto(f"{hass.url}/{DASHBOARD}/now")
        card = page.locator("hui-media-control-card")
        card.get_by_text(FILM).first.wait_for()
        artwork = wait_for_artwork(page)
        assert PROXY in artwork
        width, height = page.evaluate(NATURAL_SIZE, artwork)
        assert width > 0
        assert height > 0
        shot(page, artifacts, "30-now-playing")
    finally:
        page.close()
    return loaded


def wait_for_artwork(page: Page) -> str:
    """Return the URL of the media control card's artwork once it shows one from the proxy."""
    card = page.locator("hui-media-control-card").first

    def shown() -> str | None:
        for image in card.evaluate(IMAGES_IN):
            if PROXY in image["url"] and image["width"] != 0:
                url: str = image["url"]
                return url
        return None

    for _ in range(100):
        if url := shown():
            return url
        page.wait_for_timeout(100)
    found = card.evaluate(IMAGES_IN)
    msg = f"the media control card shows no artwork from {PROXY}: {found}"
    raise AssertionError(msg)
