"""The signed-in account at work in a real Home Assistant: entities, diagnostics, reauth."""

import json

from harness import HomeAssistant, Simulator, wait_for
from library.simulators.plextv.sample import sample_account, sample_resources

# The account's sensors, binary sensor and watchlist; its players; its servers' events.
ENTITY_DOMAINS = {"sensor", "binary_sensor", "todo", "media_player", "event"}


def domains_of(entity_ids: list[str]) -> set[str]:
    """Return the domains of entity ids."""
    return {entity_id.split(".", 1)[0] for entity_id in entity_ids}


def account_secrets(token: str) -> list[str]:
    """Return what must never leave Home Assistant: the token, e-mail, server tokens."""
    secrets = [token, sample_account()["email"]]
    secrets += [r["accessToken"] for r in sample_resources() if r.get("accessToken")]
    return secrets


def test_entities_diagnostics_and_sign_out(hass_server: HomeAssistant, plextv: Simulator) -> None:
    """Entities appear, diagnostics hide secrets, and removing the entry signs the token out."""
    entry, token = hass_server.sign_in(plextv)

    # The players' and the servers' entities come a moment after the account's.
    entity_ids = wait_for(
        lambda: ids if domains_of(ids := hass_server.entity_ids()) >= ENTITY_DOMAINS else None,
        timeout=30,
        what="the entities",
    )
    assert domains_of(entity_ids) == ENTITY_DOMAINS
    states = {state["entity_id"]: state for state in hass_server.get("/api/states")}
    missing = [entity_id for entity_id in entity_ids if entity_id not in states]
    assert not missing
    assert any(
        states[entity_id]["state"] not in {"unavailable", "unknown"} for entity_id in entity_ids
    )

    diagnostics = hass_server.get(f"/api/diagnostics/config_entry/{entry['entry_id']}")
    text = json.dumps(diagnostics)
    assert diagnostics
    for secret in account_secrets(token):
        assert secret not in text, "a secret is in the diagnostics"

    hass_server.delete(f"/api/config/config_entries/entry/{entry['entry_id']}")
    assert hass_server.entries() == []
    wait_for(lambda: token in plextv.state()["signed_out"], timeout=10, what="the token's sign-out")


def test_revoked_token_asks_to_sign_in_again(hass_server: HomeAssistant, plextv: Simulator) -> None:
    """plex.tv refusing the token starts reauth; a new code fixes the same entry."""
    entry, token = hass_server.sign_in(plextv)
    [entity_id, *_] = wait_for(hass_server.entity_ids, timeout=30, what="the entities")

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
