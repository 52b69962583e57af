"""Two accounts of one household in one Home Assistant, one sharing a server with the other."""

from typing import Any

from harness import HomeAssistant, Simulator, wait_for
from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID, second_account

ONLINE = "binary_sensor.living_room_server_online"


def entities_of(hass: HomeAssistant, entry: dict[str, Any]) -> dict[str, str]:
    """Return an entry's enabled entities: entity id -> unique id."""
    result = hass.ws({"type": "config/entity_registry/list"})["result"]
    return {
        entity["entity_id"]: entity["unique_id"]
        for entity in result
        if entity["config_entry_id"] == entry["entry_id"] and entity["disabled_by"] is None
    }


def states(hass: HomeAssistant) -> dict[str, str]:
    """Return every entity's state."""
    return {state["entity_id"]: state["state"] for state in hass.get("/api/states")}


def test_two_accounts_see_one_server(hass_server: HomeAssistant, plextv: Simulator) -> None:
    """Both entries show the shared server; removing one leaves the other as it was."""
    owner, _ = hass_server.sign_in(plextv)
    owner_entities = wait_for(lambda: entities_of(hass_server, owner), timeout=30, what="entities")
    friend, friend_token = hass_server.sign_in(plextv, second_account()["uuid"])
    friend_entities = wait_for(
        lambda: entities_of(hass_server, friend), timeout=30, what="the second entry's entities"
    )

    # The same server, seen by each account: one entity each, both working.
    owner_online = [
        e for e, u in owner_entities.items() if u.endswith(f"{LIVING_ROOM_SERVER_ID}_online")
    ]
    friend_online = [
        e for e, u in friend_entities.items() if u.endswith(f"{LIVING_ROOM_SERVER_ID}_online")
    ]
    assert owner_online == [ONLINE]
    assert len(friend_online) == 1
    assert friend_online != owner_online
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
