"""A small Plex catalogue and the sample accounts' watchlists, in Plex's JSON shapes.

The rating keys are made up, in the form Plex uses (24 hexadecimal digits); each item's guid
is plex://movie/<ratingKey> or plex://show/<ratingKey>. Thumbnails are paths, not URLs.
"""

from typing import Any

from .sample import SAMPLE_ACCOUNT_UUID, SECOND_ACCOUNT_UUID

DUNE_2021 = "5d776be17a53e9001e732ab9"
DUNE_1984 = "5d77682485719b001f3a0e2e"
DUNE_PART_TWO = "6014b4a2b0e4a3002d2e6a8f"
AMELIE = "5d776827880197001ec90f6a"
SEVERANCE = "5f5a6d4b0f6b7e0041b2c9d1"
SHOGUN = "6512a8f3c4d5e60042a7b1c3"
THE_BEAR = "61e1b7c2a1f0b8002c9d4e57"
ARRIVAL = "5d776a3d7a53e9001e6f1c42"
BLADE_RUNNER_2049 = "5d776b0f96b655001fe1d7a3"
SPIRITED_AWAY = "5d7768286f4521001ea9b0d5"
PADDINGTON_2 = "5d776b9a96b655001fe4c2e8"
FLEABAG = "5d9c08f1e264b7001fc4a0b6"

# The sample account's watchlist, newest first, and when each title went on it.
SAMPLE_WATCHLIST = ((DUNE_2021, 1764000000), (SEVERANCE, 1763500000), (AMELIE, 1762000000))
SECOND_WATCHLIST = ((PADDINGTON_2, 1763800000),)

# ratingKey, type, title, release date, popularity (0-100, simulator-only), summary.
_TITLES = [
    (DUNE_2021, "movie", "Dune", "2021-10-22", 95, "Paul Atreides travels to a dangerous planet."),
    (DUNE_1984, "movie", "Dune", "1984-12-14", 60, "A duke's son leads desert warriors."),
    (DUNE_PART_TWO, "movie", "Dune: Part Two", "2024-03-01", 90, "Paul unites with the Fremen."),
    (AMELIE, "movie", "Amélie", "2001-04-25", 70, "A shy waitress changes the lives around her."),
    (SEVERANCE, "show", "Severance", "2022-02-18", 88, "Memories split between work and home."),
    (SHOGUN, "show", "Shōgun", "2024-02-27", 80, "An English navigator in feudal Japan."),
    (THE_BEAR, "show", "The Bear", "2022-06-23", 85, "A chef runs his family's sandwich shop."),
    (ARRIVAL, "movie", "Arrival", "2016-11-11", 75, "A linguist talks with visitors."),
    (BLADE_RUNNER_2049, "movie", "Blade Runner 2049", "2017-10-06", 78, "A buried secret."),
    (SPIRITED_AWAY, "movie", "Spirited Away", "2001-07-20", 82, "A world of gods and spirits."),
    (PADDINGTON_2, "movie", "Paddington 2", "2017-11-10", 65, "Paddington is framed for a theft."),
    (FLEABAG, "show", "Fleabag", "2016-07-21", 72, "A woman navigates life in London."),
]
_ORIGINAL_TITLES = {
    AMELIE: "Le Fabuleux Destin d'Amélie Poulain",
    SPIRITED_AWAY: "千と千尋の神隠し",
}


def _item(  # noqa: PLR0913, PLR0917 - one line per catalogue item
    rating_key: str, kind: str, title: str, released: str, popularity: int, summary: str
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ratingKey": rating_key,
        "key": f"/library/metadata/{rating_key}",
        "guid": f"plex://{kind}/{rating_key}",
        "type": kind,
        "title": title,
        "year": int(released[:4]),
        "originallyAvailableAt": released,
        "summary": summary,
        "thumb": f"/library/metadata/{rating_key}/thumb",
        "publicPagesURL": f"/{kind}/{rating_key}",
        "popularity": popularity,
    }
    if rating_key in _ORIGINAL_TITLES:
        item["originalTitle"] = _ORIGINAL_TITLES[rating_key]
    return item


def sample_catalogue() -> list[dict[str, Any]]:
    """Return a fresh catalogue: `Metadata` objects, each with a simulator-only `popularity`.

    Popularity orders search hits that match equally well; it is never served.
    """
    return [_item(*title) for title in _TITLES]


def sample_watchlists() -> dict[str, list[tuple[str, int]]]:
    """Return each sample account's watchlist by uuid: (ratingKey, watchlistedAt), newest first."""
    return {
        SAMPLE_ACCOUNT_UUID: list(SAMPLE_WATCHLIST),
        SECOND_ACCOUNT_UUID: list(SECOND_WATCHLIST),
    }


def generated_items(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    """Return `count` made-up films for large watchlists, with keys no sample item has."""
    return [
        _item(
            f"{0xB0000000 + number:08x}{number:016x}",
            "movie",
            f"Generated Film {number}",
            f"{1950 + number % 75}-01-01",
            number % 50,
            f"Made-up film number {number}.",
        )
        for number in range(start, start + count)
    ]
