"""Accounts in a real Home Assistant: sign-in latency, entities, diagnostics, household, reauth."""

import json
import statistics
import time
from pathlib import Path
from typing import Any

from harness import HomeAssistant, Simulator, wait_for
from library.simulators.plextv.sample import (
    LIVING_ROOM_SERVER_ID,
    sample_account,
    sample_resources,
    second_account,
)

# A sanity bound, not a target: the integration checks the code once a second.
LATENCY_BOUND = 15.0
LATENCY_SAMPLES = 4
# The account's sensors, binary sensor and watchlist; its players; its servers' events.
ENTITY_DOMAINS = {"sensor", "binary_sensor", "todo", "media_player", "event", "button", "update"}
ONLINE = "binary_sensor.living_room_server_online"


def entities_of(hass: HomeAssistant, entry: dict[str, Any]) -> dict[str, str]:
    """Return an entry's enabled entities (disabled ones have no state): entity id -> unique id."""
    result = hass.ws({"type": "config/entity_registry/list"})["result"]
    return {
        entity["entity_id"]: entity["unique_id"]
        for entity in result
        if entity["config_entry_id"] == entry["entry_id"] and entity["disabled_by"] is None
    }


def states(hass: HomeAssistant) -> dict[str, str]:
    """Return every entity's state."""
    return {state["entity_id"]: state["state"] for state in hass.get("/api/states")}


def test_household(hass_server: HomeAssistant, plextv: Simulator) -> None:
    """Entities appear, diagnostics hide secrets; a second account sees the shared server.

    Removing the second entry signs its token out and leaves the first as it was.
    """
    owner, token = hass_server.sign_in(plextv)

    def every_kind() -> dict[str, str] | None:
        """The players' and the servers' entities come a moment after the account's."""
        found = entities_of(hass_server, owner)
        return found if {e.split(".")[0] for e in found} == ENTITY_DOMAINS else None

    owner_entities = wait_for(every_kind, timeout=30, what="the entities")
    now = states(hass_server)
    assert set(owner_entities) <= set(now)
    assert {now[entity_id] for entity_id in owner_entities} - {"unavailable", "unknown"}
    diagnostics = hass_server.get(f"/api/diagnostics/config_entry/{owner['entry_id']}")
    assert diagnostics
    secrets = [token, sample_account()["email"]]
    secrets += [r["accessToken"] for r in sample_resources() if r.get("accessToken")]
    for secret in secrets:
        assert secret not in json.dumps(diagnostics), "a secret is in the diagnostics"

    friend, friend_token = hass_server.sign_in(plextv, second_account()["uuid"])
    friend_entities = wait_for(
        lambda: entities_of(hass_server, friend), timeout=30, what="the second entry's entities"
    )
    # The same server, seen by each account: one entity each, both working.
    friend_online = [
        e for e, u in friend_entities.items() if u.endswith(f"{LIVING_ROOM_SERVER_ID}_online")
    ]
    assert owner_entities[ONLINE].endswith(f"{LIVING_ROOM_SERVER_ID}_online")
    assert len(friend_online) == 1
    assert friend_online != [ONLINE]
    now = states(hass_server)
    assert now[ONLINE] == now[friend_online[0]] == "on"
    assert not set(owner_entities.values()) & set(friend_entities.values())
    assert "does not generate unique IDs" not in hass_server.logs()

    before = {entity_id: now[entity_id] for entity_id in owner_entities}
    hass_server.delete(f"/api/config/config_entries/entry/{friend['entry_id']}")
    wait_for(lambda: friend_token in plextv.state()["signed_out"], timeout=10, what="the sign-out")
    assert [entry["entry_id"] for entry in hass_server.entries()] == [owner["entry_id"]]
    assert entities_of(hass_server, owner) == owner_entities
    after = states(hass_server)
    assert {entity_id: after[entity_id] for entity_id in owner_entities} == before
    assert friend_online[0] not in after


def test_revoked_token_asks_to_sign_in_again(hass_server: HomeAssistant, plextv: Simulator) -> None:
    """plex.tv refusing the token starts reauth; a new code fixes the same entry."""
    entry, token = hass_server.sign_in(plextv)
    [entity_id, *_] = wait_for(lambda: entities_of(hass_server, entry), timeout=30, what="entities")

    plextv.revoke(token)
    # The coordinator refreshes every minute or so; asking for an update refreshes it now.
    hass_server.post("/api/services/homeassistant/update_entity", {"entity_id": entity_id})
    flow = wait_for(
        lambda: next(
            (f for f in hass_server.flows_in_progress() if f["context"]["source"] == "reauth"),
            None,
        ),
        timeout=90,
        interval=0.5,
        what="a reauth flow",
    )
    assert flow["context"]["entry_id"] == entry["entry_id"]

    step = hass_server.flow_step(flow["flow_id"])
    assert step["step_id"] == "reauth_confirm"
    step = hass_server.flow_step(flow["flow_id"], {})
    assert step["type"] == "progress"
    new_token = plextv.approve(step["description_placeholders"]["code"])
    result, _, _ = hass_server.wait_for_entry(flow["flow_id"])
    assert result["type"] in {"abort", "finished"}, result
    if result["type"] == "abort":
        assert result["reason"] == "reauth_successful"

    assert new_token != token
    wait_for(
        lambda: [e["state"] for e in hass_server.entries()] == ["loaded"],
        timeout=30,
        what="the entry to load again",
    )
    assert [e["entry_id"] for e in hass_server.entries()] == [entry["entry_id"]]


def test_a_new_sign_in_shows_and_is_signed_out(
    hass_server: HomeAssistant, plextv: Simulator
) -> None:
    """A device signed in at plex.tv is a Sign-ins event; revoke_device signs it out again."""
    entry, _ = hass_server.sign_in(plextv)

    def by_key(key: str) -> str | None:
        found = [e for e, u in entities_of(hass_server, entry).items() if u.endswith(f"_{key}")]
        return found[0] if found else None

    sensor = wait_for(lambda: by_key("authorized_devices"), timeout=30, what="the sensor")
    event = wait_for(lambda: by_key("sign_ins"), timeout=30, what="the event entity")
    before = int(hass_server.get(f"/api/states/{sensor}")["state"])
    tv = plextv.sign_in_device(name="Bedroom TV", product="Plex for Roku", platform="Roku")
    # The list is read every ten minutes; asking for an update of the sensor reads it now.
    hass_server.post("/api/services/homeassistant/update_entity", {"entity_id": sensor})
    fired = wait_for(
        lambda: (s := hass_server.get(f"/api/states/{event}"))["attributes"].get("name") and s,
        timeout=30,
        what="the Sign-ins event",
    )
    assert fired["attributes"]["event_type"] == "new_device"
    assert fired["attributes"]["client_identifier"] == tv["clientIdentifier"]
    assert tv["token"] not in json.dumps(fired)
    assert int(hass_server.get(f"/api/states/{sensor}")["state"]) == before + 1

    hass_server.post(
        "/api/services/plex_account/revoke_device", {"client_identifier": tv["clientIdentifier"]}
    )
    wait_for(
        lambda: int(hass_server.get(f"/api/states/{sensor}")["state"]) == before,
        timeout=30,
        what="the device signed out",
    )


def test_code_to_entry_latency(
    hass_server: HomeAssistant, plextv: Simulator, artifacts: Path
) -> None:
    """Approving the code at plex.tv creates the entry; time it from approval to entry."""
    samples: list[dict[str, float]] = []
    for index in range(LATENCY_SAMPLES):
        step = hass_server.link()
        placeholders = step["description_placeholders"]
        assert placeholders["url"] == plextv.link_url
        assert placeholders["minutes"] == "15"
        assert len(placeholders["code"]) == 4
        assert placeholders["qr"].startswith(plextv.url)

        # Approve at a different moment of the integration's once-a-second check each time.
        time.sleep(1 + index / LATENCY_SAMPLES)
        token = plextv.approve(placeholders["code"])
        result, flow_done, entry_seen = hass_server.wait_for_entry(step["flow_id"])

        assert result["type"] in {"create_entry", "finished"}, result
        [entry] = hass_server.entries()
        assert entry["title"] == "plexfan"
        assert token in plextv.secrets()
        samples.append({"flow_finished": flow_done, "entry_listed": entry_seen})
        hass_server.remove_all()

    listed = [sample["entry_listed"] for sample in samples]
    summary = {
        "samples": samples,
        "entry_listed_median": statistics.median(listed),
        "entry_listed_max": max(listed),
    }
    (artifacts / "latency.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(  # noqa: T201
        "\ncode approved -> entry listed: "
        + ", ".join(f"{value:.2f} s" for value in listed)
        + f" (median {summary['entry_listed_median']:.2f} s)"
    )
    assert max(listed) < LATENCY_BOUND
