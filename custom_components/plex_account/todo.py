"""The account's Plex watchlist as a to-do list: add a film or show by name, tick it off."""

import re
import unicodedata
from collections.abc import Awaitable, Sequence
from typing import Final, override

from homeassistant.components.todo import (
    TodoItem,
    TodoItemStatus,
    TodoListEntity,
    TodoListEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import (
    async_get_cached_translations,
    async_get_translations,
)

from .aioplexaccount import Account, MediaItem, SearchResult, validate_name
from .const import DOMAIN
from .coordinator import PlexAccountConfigEntry, PlexWatchlistCoordinator
from .entity import PlexAccountEntity
from .errors import action_errors

# Watchlist actions run one at a time, so that two additions never race each other's refresh.
PARALLEL_UPDATES = 1

# "Dune (1984)" or "Dune 1984": a year at the end chooses between films of one title.
_TITLE_AND_YEAR: Final = re.compile(r"^(?P<title>.+?)\s*(?:\((?P<paren>\d{4})\)|(?P<bare>\d{4}))$")
# Where en.json keeps the words for the kinds of item (film, TV show).
_KIND_KEY: Final = f"component.{DOMAIN}.entity.todo.watchlist.state_attributes.kind.state"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PlexAccountConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's watchlist."""
    # Loaded now, read from the cache each time the list is shown, in the language of then.
    await async_get_translations(hass, hass.config.language, "entity", {DOMAIN})
    async_add_entities(
        [
            PlexWatchlistTodoListEntity(
                entry.runtime_data.watchlist,
                entry.runtime_data.account.data.account,
                first_account=_is_first_account(hass, entry),
            )
        ]
    )


def _is_first_account(hass: HomeAssistant, entry: PlexAccountConfigEntry) -> bool:
    """Return whether the entry is the integration's oldest.

    Assist finds a list by its name, so the oldest account's list is plainly "Plex watchlist"
    ("add Dune to my Plex watchlist"); the lists of other accounts say whose they are.
    """
    entries = hass.config_entries.async_entries(DOMAIN)
    return min(entries, key=lambda e: (e.created_at, e.entry_id)).entry_id == entry.entry_id


def _normalise(text: str) -> str:
    """Fold case, accents and spacing, so that "amelie" finds "Amélie"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def parse_title_and_year(text: str) -> tuple[str, int | None]:
    """Split "Dune (1984)" or "Dune 1984" into the title and the year, if there is one."""
    if (found := _TITLE_AND_YEAR.match(text)) is None:
        return text, None
    return found["title"].strip(), int(found["paren"] or found["bare"])


def best_match(results: Sequence[SearchResult], text: str) -> MediaItem | None:
    """Choose what the text names among Plex's search results (in Plex's order).

    An exact title (case and accents ignored) comes first; a year at the end of the text
    chooses between titles that are the same; otherwise Plex's own ranking decides. A
    title that ends in a number, such as "Blade Runner 2049", is taken whole first.
    """
    if not results:
        return None
    items = [result.item for result in results]
    whole = _normalise(text)
    title, year = parse_title_and_year(text)
    wanted = _normalise(title)
    same_title = [item for item in items if _normalise(item.title) == wanted]
    for candidates in (
        [item for item in items if _normalise(item.title) == whole],
        [item for item in same_title if item.year == year],
        [item for item in items if year is not None and item.year == year],
        same_title,
        items,
    ):
        if candidates:
            return candidates[0]
    return None  # pragma: no cover - `items` is never empty here


def item_summary(item: MediaItem) -> str:
    """Return how an item reads in the list: its title and, when known, the year."""
    return f"{item.title} ({item.year})" if item.year else item.title


class PlexWatchlistTodoListEntity(PlexAccountEntity[PlexWatchlistCoordinator], TodoListEntity):
    """The watchlist: every film and show the account wants to watch, newest first."""

    _attr_supported_features = (
        TodoListEntityFeature.CREATE_TODO_ITEM
        | TodoListEntityFeature.DELETE_TODO_ITEM
        | TodoListEntityFeature.UPDATE_TODO_ITEM
    )

    def __init__(
        self, coordinator: PlexWatchlistCoordinator, account: Account, *, first_account: bool
    ) -> None:
        """Name the list for Assist: the oldest account's plainly, the others' by account."""
        key = "watchlist" if first_account else "watchlist_of_account"
        # No device: its name would come first and Assist would not find "Plex watchlist".
        super().__init__(
            coordinator,
            EntityDescription(key="watchlist", translation_key=key),
            account,
            device=False,
        )
        if not first_account:
            self._attr_translation_placeholders = {"account": account.title or account.username}

    @property
    @override
    def todo_items(self) -> list[TodoItem] | None:
        """Return the watchlist in Plex's order, most recently added first."""
        if self.coordinator.data is None:
            return None
        return [
            TodoItem(
                summary=item_summary(item),
                uid=item.rating_key,
                status=TodoItemStatus.NEEDS_ACTION,
                description=self._description(item),
            )
            for item in self.coordinator.data
        ]

    def _description(self, item: MediaItem) -> str | None:
        kinds = async_get_cached_translations(
            self.hass, self.hass.config.language, "entity", DOMAIN
        )
        kind = kinds.get(f"{_KIND_KEY}.{item.type}")
        parts = [part for part in (kind, item.summary) if part]
        return "\n\n".join(parts) or None

    @override
    async def async_create_todo_item(self, item: TodoItem) -> None:
        """Add the film or show that best matches the text; already listed is fine."""
        text = _checked_text(item.summary)
        client = self.coordinator.client
        title, _ = parse_title_and_year(text)
        results = await _call(client.search_catalogue(title))
        if title != text and not results:
            results = await _call(client.search_catalogue(text))
        if (match := best_match(results, text)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_found",
                translation_placeholders={"text": text},
            )
        state = await _call(client.user_state(match.rating_key))
        if not state.on_watchlist:
            await _call(client.add_to_watchlist(match.rating_key))
        await self.coordinator.async_refresh()

    @override
    async def async_delete_todo_items(self, uids: list[str]) -> None:
        """Take the items off the watchlist at Plex."""
        for uid in uids:
            await _call(self.coordinator.client.remove_from_watchlist(uid))
        await self.coordinator.async_refresh()

    @override
    async def async_update_todo_item(self, item: TodoItem) -> None:
        """Tick an item off: mark it watched at Plex, then take it off the watchlist.

        An item watched already is not marked again. If Plex refuses to mark it watched,
        nothing changes; if it then refuses to take it off, the error says it is watched
        now. Either way the list is read again at once. Plex's items cannot be renamed.
        """
        # Home Assistant found the item in todo_items, that is in this very data.
        current = next(
            entry for entry in self.coordinator.data or () if entry.rating_key == item.uid
        )
        if item.summary is not None and item.summary != item_summary(current):
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="cannot_rename")
        if item.status != TodoItemStatus.COMPLETED:
            return
        client = self.coordinator.client
        key = current.rating_key
        try:
            state = await _call(client.user_state(key), failed_key="mark_watched_failed")
            if not state.view_count:
                await _call(client.mark_watched(key), failed_key="mark_watched_failed")
            await _call(client.remove_from_watchlist(key), failed_key="watched_not_removed")
        finally:
            await self.coordinator.async_refresh()


def _checked_text(summary: str | None) -> str:
    """Return the text to search for, or raise a field error before any request."""
    try:
        return validate_name(summary or "")
    except ValueError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="invalid_search_text"
        ) from err


async def _call[T](request: Awaitable[T], *, failed_key: str = "watchlist_failed") -> T:
    """Await one call to Plex, turning its failure into an error the user can read."""
    with action_errors(failed_key):
        return await request
