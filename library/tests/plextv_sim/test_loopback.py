"""Every address in the simulator's sample data is a loopback one.

Tests, benchmarks and the demo talk to the project's simulators on 127.0.0.0/8 and nothing
else, and code under test may connect to whatever the sample data lists: so every URL's host
and every value that looks like an IP address or a host name must be a loopback IP literal
(127.0.0.0/8 or ::1). Two kinds of value name no host and are let through: the e-mail
addresses, at the reserved example.com (RFC 2606), Plex's reverse-DNS service identifiers such
as tv.plex.sonos, and version numbers (1.67.1.237 is one, not an address). Plex's own plex://
guids name a catalogue item, not a host.
"""

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

import pytest

from library.simulators.plextv import (
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)
from library.simulators.plextv.catalogue import (
    SAMPLE_WATCHLIST,
    SECOND_WATCHLIST,
    generated_items,
    sample_catalogue,
)
from library.simulators.plextv.state import PIN_LOCATION

_URL = re.compile(r"([a-z][a-z0-9+.-]*)://(\[[^\]]*\]|[^\s/?#:\"'<>]*)", re.IGNORECASE)
_IPV4_LIKE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_HOST_LIKE = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]\.?", re.IGNORECASE
)
_TOKEN = re.compile(r"[^\s,;()\"'<>]+")
# Keys whose values are no addresses, and what they must look like instead.
_EMAIL = re.compile(r"[\w.+-]+@example\.com")
_SERVICE_IDENTIFIER = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")
_VERSION = re.compile(r"\d+(?:\.\d+)*(?:[-+][0-9a-z.-]*)?", re.IGNORECASE)
_EXEMPT = {
    "email": _EMAIL,
    "identifier": _SERVICE_IDENTIFIER,
    "productVersion": _VERSION,
    "platformVersion": _VERSION,
}


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str, str]]:  # noqa: ANN401
    """Yield (path, key, string) for every string in nested dicts, lists and tuples."""
    if isinstance(value, str):
        yield path, path.rsplit(".", 1)[-1], value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
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
        host
        for scheme, host in _URL.findall(text)
        if scheme.lower() != "plex" and not _is_loopback(host)
    ]
    rest = _URL.sub(" ", text)
    for token in _TOKEN.findall(rest):
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


def sample_data() -> dict[str, Any]:
    """Return everything the simulator serves by default, by name."""
    return {
        "sample_account": sample_account(),
        "sample_resources": sample_resources(),
        "second_account": second_account(),
        "second_account_resources": second_account_resources(),
        "catalogue": sample_catalogue(),
        "generated_items": generated_items(3),
        "watchlists": [SAMPLE_WATCHLIST, SECOND_WATCHLIST],
        "pin_location": PIN_LOCATION,
    }


def test_sample_data_lists_loopback_addresses_only() -> None:
    """No URL host, IP address or host name in the sample data is outside loopback."""
    strings = list(_strings(sample_data()))
    assert len(strings) > 100
    bad = [f"{path}: {found}" for path, key, text in strings if (found := non_loopback(key, text))]
    assert not bad, "non-loopback addresses in the sample data:\n" + "\n".join(bad)


def test_sample_connections_are_loopback_and_varied() -> None:
    """Each connection's address and URI name the same loopback host; flags stay meaningful."""
    connections = [c for r in sample_resources() for c in r["connections"]]
    for connection in connections:
        assert _is_loopback(connection["address"])
        host = f"[{connection['address']}]" if connection["IPv6"] else connection["address"]
        assert connection["uri"] == f"{connection['protocol']}://{host}:{connection['port']}"
    kinds = {(c["local"], c["relay"]) for c in connections}
    assert {(True, False), (False, False), (False, True)} <= kinds
    assert len({(c["address"], c["port"]) for c in connections}) == len(connections)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("uri", "https://192-168-1-20.4f1c2b9e8d7a41c6b3e0f5a9d2c8e671.plex.direct:32400"),
        ("uri", "http://192.168.1.42:32500"),
        ("uri", "https://[2001:db8::20]:32400"),
        ("thumb", "https://plex.tv/users/1/avatar"),
        ("address", "203.0.113.24"),
        ("address", "2001:db8::20"),
        ("address", "999.1.1.1"),
        ("publicAddress", "localhost"),
        ("endpoint", "sonos.plex.tv"),
        ("summary", "See it at plex.tv."),
        ("email", "someone@plex.tv"),
        ("identifier", "https://sonos.plex.tv"),
        ("productVersion", "sonos.plex.tv"),
        ("title", "write to someone@plex.tv"),
    ],
)
def test_the_check_catches_addresses(key: str, text: str) -> None:
    """What the check must refuse: names, private and public addresses, documentation ones."""
    assert non_loopback(key, text)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("uri", "http://127.0.0.2:32400"),
        ("uri", "https://[::1]:32400"),
        ("address", "127.255.0.1"),
        ("address", "::1"),
        ("guid", "plex://movie/5d776be17a53e9001e732ab9"),
        ("productVersion", "1.41.3.9314-a0bfb8370"),
        ("productVersion", "1.67.1.237"),
        ("platformVersion", "4.4.302+"),
        ("platformVersion", "10.0.22631"),
        ("email", "plexfan@example.com"),
        ("identifier", "tv.plex.sonos"),
        ("coordinates", "37.7697, -122.3933"),
        ("summary", "Paul Atreides travels to the most dangerous planet in the universe."),
        ("subscribedAt", "2019-04-26 12:31:02 UTC"),
    ],
)
def test_the_check_lets_through(key: str, text: str) -> None:
    """What the check must let through: loopback literals and values that name no host."""
    assert non_loopback(key, text) == []
