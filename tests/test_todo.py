"""The watchlist as a to-do list, against the simulator's discover and metadata hosts."""

import asyncio
import gc
from typing import Any

import pytest
import voluptuous as vol
from aiohttp import ClientSession
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
from homeassistant.components.todo import DOMAIN as TODO_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import intent, translation
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.plex_account.aioplexaccount import MediaItem, SearchResult
from custom_components.plex_account.const import DOMAIN
from custom_components.plex_account.coordinator import WATCHLIST_UPDATE_INTERVAL
from custom_components.plex_account.todo import best_match, parse_title_and_year
from library.simulators.plextv import (
    AMELIE,
    BLADE_RUNNER_2049,
    DUNE_1984,
    DUNE_2021,
    DUNE_PART_TWO,
    SEVERANCE,
    SHOGUN,
    PlexTVSimulator,
)

from .common import pass_time, soon, state

WATCHLIST = "todo.plex_watchlist"
WATCHLIST_PATH = "/library/sections/watchlist"
TICK_OFF = {ATTR_ITEM: AMELIE, ATTR_STATUS: TodoItemStatus.COMPLETED}


async def items(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the list's items, as the to-do card reads them."""
    result = await call(hass, TodoServices.GET_ITEMS, {}, return_response=True)
    return list(result[WATCHLIST]["items"])


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, return_response: bool = False
) -> Any:  # noqa: ANN401 - the action's answer, if asked for
    """Call a to-do action on the list and wait for it."""
    return await hass.services.async_call(
        TODO_DOMAIN,
        service,
        {ATTR_ENTITY_ID: WATCHLIST, **data},
        blocking=True,
        return_response=return_response,
    )


def on_watchlist(plextv: PlexTVSimulator) -> list[str]:
    """Return the rating keys on the account's watchlist at Plex, newest first."""
    return [item["ratingKey"] for item in plextv.watchlist_of()]


def views(plextv: PlexTVSimulator) -> int:
    """Return how many times Amélie was marked watched at Plex."""
    count = plextv.user_state_of(AMELIE).get("viewCount", 0)
    assert isinstance(count, int)
    return count


@pytest.mark.usefixtures("init_integration")
async def test_items_described_in_the_language_of_now(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items in Plex's order: Title (Year), the kind and summary, Plex's id as uid.

    The kind is looked up in the translations each time the list is shown, not at setup.
    """
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

    load = translation._load_translations_files_by_language

    def with_german(files: dict[str, Any]) -> dict[str, dict[str, Any]]:
        loaded = load(files)
        kinds = {"kind": {"state": {"movie": "Spielfilm"}}}
        loaded["de"][DOMAIN] = {"entity": {"todo": {"watchlist": {"state_attributes": kinds}}}}
        return loaded

    monkeypatch.setattr(translation, "_load_translations_files_by_language", with_german)
    await hass.config.async_update(language="de")
    # The frontend loads the new language's words as it shows the page.
    await translation.async_get_translations(hass, "de", "entity", {DOMAIN})
    listed = await items(hass)
    assert listed[0][ATTR_DESCRIPTION].startswith("Spielfilm\n\n")
    # English stands in for what the language does not say.
    assert listed[1][ATTR_DESCRIPTION].startswith("TV show\n\n")


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
@pytest.mark.parametrize(
    ("text", "added"),
    [
        ("Dune 1984", DUNE_1984),
        ("dune (1984)", DUNE_1984),
        ("DUNE: PART TWO", DUNE_PART_TWO),
        ("Blade Runner 2049", BLADE_RUNNER_2049),
        ("shogun", SHOGUN),
        # Already there: not added twice, and no error.
        ("Dune (2021)", None),
        ("dune", None),
        ("AMELIE", None),
        ("Amélie 2001", None),
    ],
)
async def test_add_best_match(
    hass: HomeAssistant, plextv: PlexTVSimulator, text: str, added: str | None
) -> None:
    """The best match is added at Plex and the list shows it at once."""
    before = on_watchlist(plextv)
    await call(hass, TodoServices.ADD_ITEM, {ATTR_ITEM: text})
    if added is None:
        assert on_watchlist(plextv) == before
        assert not plextv.requests_to("/actions/addToWatchlist")
    else:
        assert on_watchlist(plextv) == [added, *before]
        assert (await items(hass))[0]["uid"] == added


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
@pytest.mark.parametrize(
    ("service", "data", "error"),
    [
        (TodoServices.ADD_ITEM, {ATTR_ITEM: "x" * 500}, "invalid_search_text"),
        (TodoServices.ADD_ITEM, {ATTR_ITEM: "Dune\x07"}, "invalid_search_text"),
        (TodoServices.ADD_ITEM, {ATTR_ITEM: "Dune\nX-Plex-Token: x"}, "invalid_search_text"),
        # Refused by the action's own schema, before the list sees it.
        (TodoServices.ADD_ITEM, {ATTR_ITEM: "   "}, None),
        # Plex names its items itself.
        (TodoServices.UPDATE_ITEM, {ATTR_ITEM: SEVERANCE, ATTR_RENAME: "Other"}, "cannot_rename"),
        # An update that changes nothing is no error.
        (
            TodoServices.UPDATE_ITEM,
            {ATTR_ITEM: SEVERANCE, ATTR_STATUS: TodoItemStatus.NEEDS_ACTION},
            "",
        ),
    ],
)
async def test_nothing_sent(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    service: str,
    data: dict[str, Any],
    error: str | None,
) -> None:
    """What cannot be done, or needs nothing, is refused or done before anything is sent."""
    plextv.requests.clear()
    if error == "":
        await call(hass, service, data)
    elif error is None:
        with pytest.raises(vol.Invalid, match="length of value must be at least 1"):
            await call(hass, service, data)
    else:
        with pytest.raises(ServiceValidationError) as raised:
            await call(hass, service, data)
        assert raised.value.translation_key == error
        assert str(raised.value) != error
    assert not plextv.requests


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
async def test_remove(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """Removing takes the item off the watchlist at Plex."""
    await call(hass, TodoServices.REMOVE_ITEM, {ATTR_ITEM: [SEVERANCE]})
    assert on_watchlist(plextv) == [DUNE_2021, AMELIE]
    assert [item["uid"] for item in await items(hass)] == [DUNE_2021, AMELIE]


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
@pytest.mark.parametrize("watched", [False, True], ids=["unwatched", "watched already"])
async def test_tick_off(hass: HomeAssistant, plextv: PlexTVSimulator, watched: bool) -> None:
    """Ticking an item off marks it watched at Plex, unless it is, and takes it off the list."""
    if watched:
        plextv.library.scrobble(plextv.account["uuid"], AMELIE, dt_util.utcnow())
    await call(
        hass,
        TodoServices.UPDATE_ITEM,
        {ATTR_ITEM: "Amélie (2001)", ATTR_STATUS: TodoItemStatus.COMPLETED},
    )
    assert views(plextv) == 1
    assert len(plextv.requests_to("/actions/scrobble")) == (0 if watched else 1)
    assert AMELIE not in on_watchlist(plextv)
    assert AMELIE not in [item["uid"] for item in await items(hass)]


@pytest.mark.usefixtures("init_integration", "no_token_in_logs")
@pytest.mark.parametrize(
    ("path", "key", "watched"),
    [
        ("/actions/scrobble", "mark_watched_failed", 0),
        ("/actions/removeFromWatchlist", "watched_not_removed", 1),
    ],
)
async def test_tick_off_fails(
    hass: HomeAssistant, plextv: PlexTVSimulator, path: str, key: str, watched: int
) -> None:
    """A step Plex fails is an error that says what was done; the list is read at once.

    Ticking the item off again never marks it watched twice.
    """
    plextv.add_fault(path, status=500)
    plextv.requests.clear()
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, TodoServices.UPDATE_ITEM, TICK_OFF)
    assert raised.value.translation_key == key
    assert "500" in str(raised.value)
    assert views(plextv) == watched
    assert AMELIE in on_watchlist(plextv)
    assert plextv.requests_to(WATCHLIST_PATH, host="discover")
    assert len(plextv.requests_to("/actions/removeFromWatchlist")) == watched

    await call(hass, TodoServices.UPDATE_ITEM, TICK_OFF)
    assert views(plextv) == 1
    assert AMELIE not in on_watchlist(plextv)


@pytest.mark.usefixtures("no_token_in_logs")
async def test_removed_while_an_action_waits(
    hass: HomeAssistant,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Removing the entry while Plex takes its time over an action starts no reauth for it.

    The action fails with the token signed out, and says so to whoever called it.
    """
    release = asyncio.Event()
    plextv.add_fault("/actions/removeFromWatchlist", hold=release)
    ticking = hass.async_create_task(call(hass, TodoServices.UPDATE_ITEM, TICK_OFF))
    await soon(lambda: bool(plextv.requests_to("/actions/removeFromWatchlist")))
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    release.set()
    with pytest.raises(HomeAssistantError) as raised:
        await ticking
    assert raised.value.translation_key == "invalid_token"
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert not hass.config_entries.flow.async_progress()
    gc.collect()
    assert "Task exception was never retrieved" not in caplog.text


@pytest.mark.usefixtures("plextv_url", "no_token_in_logs")
async def test_down_at_setup_then_polled_with_etag(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The account starts without its watchlist; the list comes when Plex answers.

    An unchanged list costs one conditional request; a change in Plex shows at the next.
    """
    plextv.add_fault(WATCHLIST_PATH, host="discover", status=503)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert state(hass, WATCHLIST) == STATE_UNAVAILABLE
    await pass_time(hass, freezer, WATCHLIST_UPDATE_INTERVAL)
    assert state(hass, WATCHLIST) == "3"

    plextv.requests.clear()
    await pass_time(hass, freezer, WATCHLIST_UPDATE_INTERVAL)
    [unchanged] = plextv.requests_to(WATCHLIST_PATH, host="discover")
    assert unchanged.headers["If-None-Match"]
    assert len(await items(hass)) == 3

    plextv.add_to_watchlist(SHOGUN)  # added in a Plex app
    plextv.requests.clear()
    await pass_time(hass, freezer, WATCHLIST_UPDATE_INTERVAL)
    changed = plextv.requests_to(WATCHLIST_PATH, host="discover")
    assert changed[0].headers["If-None-Match"] == unchanged.headers["If-None-Match"]
    assert (await items(hass))[0]["uid"] == SHOGUN


@pytest.mark.parametrize(
    ("text", "title", "year"),
    [("Dune (1984)", "Dune", 1984), ("Dune 1984", "Dune", 1984), ("Apollo 13", "Apollo 13", None)],
)
def test_parse_title_and_year(text: str, title: str, year: int | None) -> None:
    """A year at the end, bare or in brackets, is split off; other numbers stay."""
    assert parse_title_and_year(text) == (title, year)


@pytest.mark.parametrize(
    ("text", "chosen"),
    [("dune", "a"), ("Dune 1984", "b"), ("Dune 2024", "c"), ("Dun", "c"), ("Dune 1999", "a")],
)
def test_best_match(text: str, chosen: str) -> None:
    """Exact title, then the year, then Plex's ranking; nothing found is no match."""
    results = [
        SearchResult(
            score=None, item=MediaItem(rating_key=k, guid=None, type="movie", title=t, year=y)
        )
        for k, t, y in (("c", "Dune: Part Two", 2024), ("a", "Dune", 2021), ("b", "Dune", 1984))
    ]
    match = best_match(results, text)
    assert match is not None
    assert match.rating_key == chosen
    assert best_match([], text) is None


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


async def test_a_slow_scheduled_read_never_undoes_an_action(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    plextv: PlexTVSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A scheduled read that answers after an action's read does not put the older list back."""
    client = init_integration.runtime_data.watchlist.client
    headers = {**client.identity.headers(), "X-Plex-Token": client.token or ""}
    async with (
        ClientSession() as session,
        session.get(f"{plextv.discover_url}{WATCHLIST_PATH}/all", headers=headers) as answer,
    ):
        before = await answer.read()
    # The scheduled read is answered with the list of before the action, once released.
    release = asyncio.Event()
    plextv.add_fault(WATCHLIST_PATH, host="discover", hold=release, body=before)
    plextv.requests.clear()
    freezer.tick(WATCHLIST_UPDATE_INTERVAL)
    async_fire_time_changed(hass, dt_util.utcnow())
    await soon(lambda: bool(plextv.requests_to(WATCHLIST_PATH, host="discover")))
    adding = hass.async_create_task(call(hass, TodoServices.ADD_ITEM, {ATTR_ITEM: "Shōgun"}))
    await soon(lambda: SHOGUN in on_watchlist(plextv))
    # The action reads the list again: Home Assistant's coordinator has it wait for the
    # scheduled read (one refresh at a time), so the older answer can never come last.
    lock = init_integration.runtime_data.watchlist._debounced_refresh._execute_lock
    await soon(lambda: bool(lock._waiters))
    release.set()
    await adding
    assert (await items(hass))[0]["uid"] == SHOGUN
