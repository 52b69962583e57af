"""The sample household both simulators serve: its shape, and loopback addresses only.

Tests, benchmarks and the demo talk to the simulators on 127.0.0.0/8 and nothing else, and
code under test may connect to whatever the sample data lists: so every URL's host and every
value that looks like an IP address or a host name must be a loopback IP literal (127.0.0.0/8
or ::1). Let through are values that name no host: e-mail addresses at the reserved
example.com (RFC 2606), Plex's reverse-DNS service identifiers such as tv.plex.sonos, version
numbers (1.67.1.237 is one, not an address) and Plex's plex:// guids.
"""

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import pytest

from library.simulators.plextv import (
    generated_items,
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)
from library.simulators.plextv.catalogue import sample_catalogue, sample_watchlists
from library.simulators.plextv.state import PIN_LOCATION
from library.simulators.pms.sample import SAMPLE_MEDIA, SAMPLE_PLAYERS
from library.tests.plextv_sim.helpers import ISO_Z

_URL = re.compile(r"([a-z][a-z0-9+.-]*)://(\[[^\]]*\]|[^\s/?#:\"'<>]*)", re.IGNORECASE)
_IPV4_LIKE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_HOST_LIKE = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]\.?", re.IGNORECASE
)
_TOKEN = re.compile(r"[^\s,;()\"'<>]+")
_VERSION = re.compile(r"\d+(?:\.\d+)*(?:[-+][0-9a-z.-]*)?", re.IGNORECASE)
# Keys whose values are no addresses, and what they must look like instead.
_EXEMPT = {
    "email": re.compile(r"[\w.+-]+@example\.com"),
    "identifier": re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*"),
    "productVersion": _VERSION,
    "platformVersion": _VERSION,
    "platform_version": _VERSION,
    "version": _VERSION,
}


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str, str]]:  # noqa: ANN401
    """Yield (path, key, string) for every string in nested dicts, lists and tuples."""
    if isinstance(value, str):
        yield path, path.rsplit(".", 1)[-1], value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def non_loopback(key: str, text: str) -> list[str]:
    """Return the hosts and addresses in text that are not loopback IP literals."""
    if (exempt := _EXEMPT.get(key)) is not None and exempt.fullmatch(text):
        return []
    found = [
        host for scheme, host in _URL.findall(text) if scheme != "plex" and not _is_loopback(host)
    ]
    for token in _TOKEN.findall(_URL.sub(" ", text)):
        bare = token.rstrip(".:!?")
        try:
            address = ipaddress.ip_address(bare.strip("[]"))
        except ValueError:
            named = _HOST_LIKE.fullmatch(bare) or bare.lower() == "localhost"
            if named or _IPV4_LIKE.search(bare) or "@" in bare:
                found.append(bare)
        else:
            if not address.is_loopback:
                found.append(bare)
    return found


def test_sample_data_lists_loopback_addresses_only() -> None:
    """No URL host, IP address or host name in either simulator's samples is off loopback."""
    data = {
        "accounts": [sample_account(), second_account()],
        "resources": [sample_resources(), second_account_resources()],
        "catalogue": [sample_catalogue(), generated_items(3)],
        "watchlists": sample_watchlists(),
        "pin_location": PIN_LOCATION,
        "players": [asdict(make()) for make in SAMPLE_PLAYERS.values()],
        "media": [make().as_json() for make in SAMPLE_MEDIA.values()],
    }
    strings = list(_strings(data))
    assert len(strings) > 150
    bad = [f"{path}: {found}" for path, key, text in strings if (found := non_loopback(key, text))]
    assert not bad, "non-loopback addresses in the sample data:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("key", "text", "caught"),
    [
        ("uri", "https://192-168-1-20.4f1c2b9e8d7a41c6b3e0f5a9d2c8e671.plex.direct:32400", True),
        ("uri", "https://[2001:db8::20]:32400", True),
        ("address", "203.0.113.24", True),
        ("publicAddress", "localhost", True),
        ("summary", "See it at plex.tv.", True),
        ("email", "someone@plex.tv", True),
        ("uri", "https://[::1]:32400", False),
        ("guid", "plex://movie/5d776be17a53e9001e732ab9", False),
        ("productVersion", "1.67.1.237", False),
        ("identifier", "tv.plex.sonos", False),
    ],
)
def test_the_check(key: str, text: str, caught: bool) -> None:
    """The check catches names and non-loopback addresses, and only those."""
    assert bool(non_loopback(key, text)) is caught


def test_sample_resources() -> None:
    """Owned servers (one online), a shared one and players; every field, fresh each call."""
    resources = sample_resources()
    for resource in resources:
        assert len(resource) == 24
        assert ISO_Z.match(resource["createdAt"])
        assert ISO_Z.match(resource["lastSeenAt"])
        for connection in resource["connections"]:
            host = f"[{connection['address']}]" if connection["IPv6"] else connection["address"]
            assert connection["uri"] == f"{connection['protocol']}://{host}:{connection['port']}"
    servers = [r for r in resources if r["provides"] == "server"]
    assert sorted((r["owned"], r["presence"]) for r in servers) == [
        (False, True),
        (True, False),
        (True, True),
    ]
    connections = [c for r in servers for c in r["connections"]]
    assert {(True, False), (False, False), (False, True)} <= {
        (c["local"], c["relay"]) for c in connections
    }
    assert any(r["provides"] == "player" and not r["presence"] for r in resources)
    for key in ("accessToken", "clientIdentifier"):
        assert len({r[key] for r in resources}) == len(resources)
    resources[0]["name"] = "changed"
    assert sample_resources()[0]["name"] == "Living Room Server"


def test_household() -> None:
    """The second account: its own ids, no Plex Pass, the first's server shared, a player."""
    first, second = sample_account(), second_account()
    assert first["subscription"]["active"] is True
    assert second["subscription"]["active"] is False
    assert all(first[key] != second[key] for key in ("id", "uuid", "username", "email", "title"))
    shared, phone = second_account_resources()
    owned = sample_resources()[0]
    assert shared["clientIdentifier"] == owned["clientIdentifier"]
    assert (shared["owned"], shared["ownerId"], shared["sourceTitle"]) == (
        False,
        first["id"],
        first["title"],
    )
    assert shared["accessToken"] != owned["accessToken"]
    assert (phone["owned"], "player" in phone["provides"]) == (True, True)
    players = {make().machine_identifier for make in SAMPLE_PLAYERS.values()}
    assert phone["clientIdentifier"] in players
    assert sample_resources()[3]["clientIdentifier"] in players  # the Living Room TV
