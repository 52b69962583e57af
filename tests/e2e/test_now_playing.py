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
    from playwright.sync_api import BrowserContext

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


def wait_for_state(
    hass: HomeAssistant, entity_id: str, state: str, timeout: float = 30, **attributes: object
) -> dict[str, Any]:
    """Wait until entity_id is in state with these attributes; return the state."""

    def reached() -> dict[str, Any] | None:
        current = hass.state(entity_id)
        if current is None or current["state"] != state:
            return None
        shown = current["attributes"]
        return current if all(shown.get(k) == v for k, v in attributes.items()) else None

    wanted = f"{entity_id} to be {state}" + (f" with {attributes}" if attributes else "")
    return wait_for(reached, timeout=timeout, what=wanted)


def wait_for_event(hass: HomeAssistant, event_type: str, after: str | None) -> dict[str, Any]:
    """Wait until the playback event entity shows a new event (after `after`) of event_type."""

    def fired() -> dict[str, Any] | None:
        current = hass.state(PLAYBACK)
        if current is None or current["state"] in {after, "unknown", "unavailable"}:
            return None
        return current if current["attributes"].get("event_type") == event_type else None

    return wait_for(fired, timeout=30, what=f"{PLAYBACK} to show {event_type}")


def follow_the_server(hass: HomeAssistant, plextv: Simulator) -> None:
    """Sign the sample account in; wait until the server is followed, nothing playing."""
    hass.sign_in(plextv)
    wait_for_state(hass, STREAMS, "0")
    wait_for(lambda: hass.state(PLAYER), timeout=30, what=PLAYER)


def test_media_player_follows_the_server(
    hass_server: HomeAssistant, plextv: Simulator, media_server: ServerSimulator
) -> None:
    """Playing, paused, playing and stopped on the server, as the entities show it."""
    follow_the_server(hass_server, plextv)
    before = hass_server.state(PLAYBACK)
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

    media_server.control.act("pause", key)
    wait_for_state(hass_server, PLAYER, "paused", media_title=FILM)
    last_event = wait_for_event(hass_server, "paused", last_event)["state"]
    assert (hass_server.state(STREAMS) or {})["state"] == "1"

    media_server.control.act("resume", key)
    wait_for_state(hass_server, PLAYER, "playing", media_title=FILM)

    media_server.control.act("stop", key)
    wait_for_state(hass_server, PLAYER, "idle")
    wait_for_state(hass_server, STREAMS, "0")
    last_event = wait_for_event(hass_server, "stopped", last_event)["state"]

    key = media_server.start_session("living_room_tv", "episode")
    episode = wait_for_state(hass_server, PLAYER, "playing", media_title="The Lighthouse")
    assert episode["attributes"]["media_series_title"] == "Northern Lines"
    # Home Assistant's types: an episode is "episode", or "tvshow" as core's Plex has it.
    assert episode["attributes"]["media_content_type"] in {"episode", "tvshow"}
    media_server.control.act("stop", key)
    wait_for_state(hass_server, PLAYER, "idle")

    assert media_server.token not in json.dumps(hass_server.get("/api/states"))
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
    leaked = [url for url in loaded if media_server.token in url]
    assert not leaked, "the browser loaded a URL that carries the server's token"
    assert any(PROXY in url for url in loaded)


def add_dashboard(hass: HomeAssistant) -> None:
    """Add a dashboard: the TV's media control card, the server's entities, the players."""
    dashboards = hass.ws({"type": "lovelace/dashboards/list"})["result"]
    if not any(d["url_path"] == DASHBOARD for d in dashboards):
        create = {
            "type": "lovelace/dashboards/create",
            "url_path": DASHBOARD,
            "title": "Now playing",
        }
        assert (created := hass.ws(create))["success"], created
    cards = [
        {"type": "media-control", "entity": PLAYER},
        {"type": "entities", "entities": [STREAMS, PLAYBACK, *PLAYERS]},
    ]
    config = {"views": [{"title": "Now playing", "path": "now", "cards": cards}]}
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
        card = page.locator("hui-media-control-card").first
        card.get_by_text(FILM).first.wait_for()

        def artwork() -> str | None:
            """The card's picture, from the proxy, once it has loaded (an img has a width)."""
            found = card.evaluate(IMAGES_IN)
            return next((i["url"] for i in found if PROXY in i["url"] and i["width"] != 0), None)

        picture = wait_for(artwork, timeout=10, what=f"the card's artwork from {PROXY}")
        response = page.request.get(picture)
        assert response.ok
        assert response.headers["content-type"].startswith("image/")
        shot(page, artifacts, "30-now-playing")
    finally:
        page.close()
    return loaded
