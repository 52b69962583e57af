"""The watchlist as a to-do list, against the simulator's discover and metadata hosts."""

from typing import Any

import pytest
import voluptuous as vol
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation
from homeassistant.components.todo import (
    ATTR_DESCRIPTION,
    ATTR_ITEM,
    ATTR_RENAME,
    ATTR_STATUS,
    TodoItemStatus,
    TodoServices,
)
from homeassistant.components.todo import (
    DOMAIN as TODO_DOMAIN,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_TOKEN, STATE_UNAVAILABLE, Platform
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.plex_account.coordinator import WATCHLIST_UPDATE_INTERVAL
from custom_components.plex_account.aioplexaccount import MediaItem, SearchResult
from custom_components.plex_account.todo import best_match, parse_title_and_year

from .common import block_till_refreshed
from .conftest import setup_platform
from library.simulators.plextv import PlexTVSimulator, second_account
from library.simulators.plextv.catalogue import (
    AMELIE,
    BLADE_RUNNER_2049,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    SEVERANCE,
    SHOGUN,
)

WATCHLIST = "todo.plex_watchlist"
WATCHLIST_PATH = "/library/sections/watchlist"


async def items(hass: HomeAssistant, entity_id: str = WATCHLIST) -> list[dict[str, Any]]:
    """Return the list's items, as the to-do card reads them."""
    result = await hass.services.async_call(
        TODO_DOMAIN,
        TodoServices.GET_ITEMS,
        {ATTR_ENTITY_ID: entity_id},
        blocking=True,
        return_response=True,
    )
    assert result is not None
    answer = result[entity_id]
    assert isinstance(answer, dict)
    found = answer["items"]
    assert isinstance(found, list)
    return found


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> None:
    """Call a to-do action on the watchlist and wait for it."""
    await hass.services.async_call(
        TODO_DOMAIN, service, {ATTR_ENTITY_ID: WATCHLIST, **data}, blocking=True
    )


def on_watchlist(plextv: PlexTVSimulator, account: str | None = None) -> list[str]:
    """Return the rating keys on an account's watchlist at Plex, newest first."""
    return [item["ratingKey"] for item in plextv.watchlist_of(account)]


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one watchlist interval pass."""
    freezer.tick(WATCHLIST_UPDATE_INTERVAL)
    async_fire_time_changed(hass)
    await block_till_refreshed(hass)


@pytest.mark.usefixtures("plextv_url", "no_token_in_logs")
async def test_entity(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The list's registry entry and state (how many items are left to watch)."""
    await setup_platform(hass, mock_config_entry, Platform.TODO)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_items(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """Items in Plex's order: Title (Year), the kind and summary, Plex's id as uid."""
    listed = await items(hass)
    assert [item["uid"] for item in listed] == [DUNE_2021, SEVERANCE, AMELIE]
    assert [item["summary"] for item in listed] == [
        "Dune (2021)",
        "Severance (2022)",
        "Amélie (2001)",
    ]
    assert {item["status"] for item in listed} == {TodoItemStatus.NEEDS_ACTION}
    assert listed[0][ATTR_DESCRIPTION].startswith("Film\n\n")
    assert listed[1][ATTR_DESCRIPTION].startswith("TV show\n\n")
    summary = plextv.user_state_of(DUNE_2021)  # the item exists at Plex
    assert summary["watchlistedAt"]


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
@pytest.mark.parametrize(
    ("text", "added"),
    [
        ("Dune 1984", DUNE_1984),
        ("dune (1984)", DUNE_1984),
        ("DUNE: PART TWO", DUNE_PART_TWO),
        ("Blade Runner 2049", BLADE_RUNNER_2049),
        ("shogun", SHOGUN),
    ],
)
async def test_add_best_match(
    hass: HomeAssistant, plextv: PlexTVSimulator, text: str, added: str
) -> None:
    """The best match is added at Plex and the list shows it at once."""
    await call(hass, TodoServices.ADD_ITEM, {ATTR_ITEM: text})
    assert on_watchlist(plextv)[0] == added
    assert (await items(hass))[0]["uid"] == added


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
@pytest.mark.parametrize("text", ["Dune (2021)", "dune", "AMELIE", "Amélie 2001"])
async def test_add_already_there(hass: HomeAssistant, plextv: PlexTVSimulator, text: str) -> None:
    """Something already on the watchlist is not added twice, and that is no error."""
    before = on_watchlist(plextv)
    plextv.requests.clear()
    await call(hass, TodoServices.ADD_ITEM, {ATTR_ITEM: text})
    assert on_watchlist(plextv) == before
    assert not plextv.requests_to("/actions/addToWatchlist")


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
@pytest.mark.parametrize("text", ["Zyzzyva Quux", "Zyzzyva 1984"])
async def test_add_not_found(hass: HomeAssistant, plextv: PlexTVSimulator, text: str) -> None:
    """Nothing found is a translated error that names the text."""
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, TodoServices.ADD_ITEM, {ATTR_ITEM: text})
    assert raised.value.translation_key == "not_found"
    assert f'"{text}"' in str(raised.value)
    assert not plextv.requests_to("/actions/addToWatchlist")
    # With a year at the end, the whole text is tried too before giving up.
    queries = [r.query["query"] for r in plextv.requests_to("/library/search")]
    assert queries == (["Zyzzyva", text] if text.endswith("1984") else [text])


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
@pytest.mark.parametrize("text", ["x" * 500, "Dune\x07", "Dune\nX-Plex-Token: x"])
async def test_add_bad_text(hass: HomeAssistant, plextv: PlexTVSimulator, text: str) -> None:
    """Text that cannot be searched for is a field error, and nothing is sent."""
    plextv.requests.clear()
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, TodoServices.ADD_ITEM, {ATTR_ITEM: text})
    assert raised.value.translation_key == "invalid_search_text"
    assert "255 characters" in str(raised.value)
    assert not plextv.requests_to("/", host="discover")
    assert not plextv.requests_to("/", host="metadata")


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_add_empty_text(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """Empty text is refused by the action's own schema, before the list sees it."""
    plextv.requests.clear()
    with pytest.raises(vol.Invalid, match="length of value must be at least 1"):
        await call(hass, TodoServices.ADD_ITEM, {ATTR_ITEM: "   "})
    assert not plextv.requests_to("/", host="discover")
    assert not plextv.requests_to("/", host="metadata")


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_remove(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """Removing takes the item off the watchlist at Plex."""
    await call(hass, TodoServices.REMOVE_ITEM, {ATTR_ITEM: [SEVERANCE]})
    assert on_watchlist(plextv) == [DUNE_2021, AMELIE]
    assert [item["uid"] for item in await items(hass)] == [DUNE_2021, AMELIE]


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_complete(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """Ticking an item off marks it watched at Plex and takes it off the watchlist."""
    assert plextv.user_state_of(AMELIE).get("viewCount", 0) == 0
    await call(
        hass, TodoServices.UPDATE_ITEM, {ATTR_ITEM: AMELIE, ATTR_STATUS: TodoItemStatus.COMPLETED}
    )
    assert plextv.user_state_of(AMELIE)["viewCount"] == 1
    assert AMELIE not in on_watchlist(plextv)
    assert AMELIE not in [item["uid"] for item in await items(hass)]


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_complete_refused(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """When Plex refuses to mark the item watched, nothing changes and the error says why."""
    plextv.add_fault("/actions/scrobble", status=500, host="metadata")
    with pytest.raises(HomeAssistantError) as raised:
        await call(
            hass,
            TodoServices.UPDATE_ITEM,
            {ATTR_ITEM: "Amélie (2001)", ATTR_STATUS: TodoItemStatus.COMPLETED},
        )
    assert raised.value.translation_key == "mark_watched_failed"
    assert "500" in str(raised.value)
    assert AMELIE in on_watchlist(plextv)
    assert not plextv.requests_to("/actions/removeFromWatchlist")


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_rename_refused(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """Plex names its items itself: a rename is refused before anything is sent."""
    plextv.requests.clear()
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, TodoServices.UPDATE_ITEM, {ATTR_ITEM: SEVERANCE, ATTR_RENAME: "Other"})
    assert raised.value.translation_key == "cannot_rename"
    assert not plextv.requests


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_reopen_is_nothing(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """An update that changes nothing sends nothing."""
    plextv.requests.clear()
    await call(
        hass,
        TodoServices.UPDATE_ITEM,
        {ATTR_ITEM: SEVERANCE, ATTR_STATUS: TodoItemStatus.NEEDS_ACTION},
    )
    assert not plextv.requests


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ({"status": 429, "headers": {"Retry-After": "30"}}, "rate_limited"),
        ({"status": 401}, "invalid_token"),
        ({"status": 503}, "watchlist_failed"),
    ],
)
async def test_action_errors(
    hass: HomeAssistant, plextv: PlexTVSimulator, fault: dict[str, Any], key: str
) -> None:
    """Plex failing an action is a translated error, and the list stays as it was."""
    plextv.add_fault("/library/search", host="discover", **fault)
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, TodoServices.ADD_ITEM, {ATTR_ITEM: "Arrival"})
    assert raised.value.translation_key == key
    assert str(raised.value) != key
    assert len(await items(hass)) == 3


async def test_poll_with_etag(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """An unchanged list costs one conditional request; a change in Plex shows at the next."""
    plextv.requests.clear()
    await poll(hass, freezer)
    [unchanged] = plextv.requests_to(WATCHLIST_PATH, host="discover")
    assert unchanged.headers["If-None-Match"]
    assert len(await items(hass)) == 3

    plextv.add_to_watchlist(SHOGUN)  # added in a Plex app
    plextv.requests.clear()
    await poll(hass, freezer)
    changed = plextv.requests_to(WATCHLIST_PATH, host="discover")
    assert changed[0].headers["If-None-Match"] == unchanged.headers["If-None-Match"]
    assert (await items(hass))[0]["uid"] == SHOGUN


async def test_poll_rate_limited(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A 429 makes the list unavailable and the next read waits as long as Plex asks."""
    plextv.add_fault(WATCHLIST_PATH, host="discover", status=429, headers={"Retry-After": "900"})
    await poll(hass, freezer)
    assert (state := hass.states.get(WATCHLIST))
    assert state.state == STATE_UNAVAILABLE
    plextv.requests.clear()
    for _ in range(2):  # ten more minutes: still waiting
        await poll(hass, freezer)
    assert not plextv.requests_to(WATCHLIST_PATH)
    await poll(hass, freezer)
    assert (state := hass.states.get(WATCHLIST))
    assert state.state == "3"


@pytest.mark.usefixtures("plextv_url", "no_token_in_logs")
async def test_watchlist_down_at_setup(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The account starts without its watchlist; the list comes when Plex answers."""
    plextv.add_fault(WATCHLIST_PATH, host="discover", status=503)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert (state := hass.states.get(WATCHLIST))
    assert state.state == STATE_UNAVAILABLE
    await poll(hass, freezer)
    assert (state := hass.states.get(WATCHLIST))
    assert state.state == "3"


@pytest.mark.usefixtures("plextv_url", "no_token_in_logs")
async def test_account_down_at_setup_stops_the_watchlist_read(
    hass: HomeAssistant, plextv: PlexTVSimulator, mock_config_entry: MockConfigEntry
) -> None:
    """When the account cannot be read the entry retries later, watchlist and all."""
    plextv.add_fault("/api/v2/user", status=503)
    plextv.add_fault(WATCHLIST_PATH, host="discover", delay=5)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.usefixtures("plextv_url", "no_token_in_logs")
async def test_two_accounts_two_lists(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    mock_config_entry: MockConfigEntry,
    second_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Each account has its own list; Assist's "Plex watchlist" is the first account's."""
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    friend = second_account()
    lists = {
        entity.unique_id: entity.entity_id
        for entity in entity_registry.entities.values()
        if entity.domain == TODO_DOMAIN
    }
    assert lists.keys() == {
        f"{plextv.account['uuid']}_watchlist",
        f"{friend['uuid']}_watchlist",
    }
    first = hass.states.get(lists[f"{plextv.account['uuid']}_watchlist"])
    other = hass.states.get(lists[f"{friend['uuid']}_watchlist"])
    assert first is not None
    assert other is not None
    assert first.name == "Plex watchlist"
    assert other.name == f"Plex watchlist of {friend['title']}"
    assert [item["summary"] for item in await items(hass, other.entity_id)] == [
        "Paddington 2 (2017)"
    ]

    await hass.services.async_call(
        TODO_DOMAIN,
        TodoServices.ADD_ITEM,
        {ATTR_ENTITY_ID: other.entity_id, ATTR_ITEM: "Arrival"},
        blocking=True,
    )
    assert len(plextv.watchlist_of(friend["uuid"])) == 2
    assert len(plextv.watchlist_of()) == 3


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_dead_token_on_poll_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A token refused by the watchlist host asks for a new sign-in like any other."""
    plextv.add_fault(WATCHLIST_PATH, host="discover", status=401)
    await poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler("plex_account")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert init_integration.data[CONF_TOKEN]


def _result(title: str, year: int | None, key: str, kind: str = "movie") -> SearchResult:
    return SearchResult(
        score=None, item=MediaItem(rating_key=key, guid=None, type=kind, title=title, year=year)
    )


def test_parse_title_and_year() -> None:
    """A year at the end, bare or in brackets, is split off; other numbers stay."""
    assert parse_title_and_year("Dune (1984)") == ("Dune", 1984)
    assert parse_title_and_year("Dune 1984") == ("Dune", 1984)
    assert parse_title_and_year("Dune") == ("Dune", None)
    assert parse_title_and_year("Apollo 13") == ("Apollo 13", None)


def test_best_match() -> None:
    """Exact title, then the year, then Plex's ranking."""
    results = [
        _result("Dune: Part Two", 2024, "c"),
        _result("Dune", 2021, "a"),
        _result("Dune", 1984, "b"),
    ]

    def chosen(text: str) -> str | None:
        match = best_match(results, text)
        return None if match is None else match.rating_key

    assert best_match([], "Dune") is None
    assert chosen("dune") == "a"
    assert chosen("Dune 1984") == "b"
    assert chosen("Dune 2024") == "c"
    assert chosen("Dun") == "c"
    assert chosen("Dune 1999") == "a"


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_assist_adds_to_the_watchlist(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """Assist's own list sentence finds the list by its name and adds the best match."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    result = await conversation.async_converse(
        hass, "Add Dune 1984 to my Plex watchlist", None, Context(), language="en"
    )
    assert result.response.response_type is intent.IntentResponseType.ACTION_DONE
    assert on_watchlist(plextv)[0] == DUNE_1984
