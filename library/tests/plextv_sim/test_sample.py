"""The sample accounts and resources."""

import ipaddress

from library.simulators.plextv import (
    sample_account,
    sample_resources,
    second_account,
    second_account_resources,
)
from library.simulators.plextv.testing import ISO_Z


def test_sample_account_shape() -> None:
    """The sample account has every documented field and is fresh on each call."""
    account = sample_account()
    assert {
        "id",
        "uuid",
        "username",
        "email",
        "title",
        "friendlyName",
        "thumb",
        "country",
        "locale",
        "home",
        "homeAdmin",
        "homeSize",
        "guest",
        "restricted",
        "twoFactorEnabled",
        "joinedAt",
        "subscription",
        "subscriptions",
        "entitlements",
        "roles",
        "services",
    } <= set(account)
    assert isinstance(account["id"], int)
    assert (account["username"], account["email"], account["title"]) == (
        "plexfan",
        "plexfan@example.com",
        "Plex Fan",
    )
    subscription = account["subscription"]
    assert {"active", "status", "plan", "features", "subscribedAt", "paymentService"} <= set(
        subscription
    )
    assert (subscription["active"], subscription["status"], subscription["plan"]) == (
        True,
        "Active",
        "lifetime",
    )
    account["subscription"]["features"].clear()
    assert sample_account()["subscription"]["features"]


def test_sample_resources_shape() -> None:
    """The sample resources: 2 owned servers (1 online), 1 shared, players; all fields."""
    resources = sample_resources()
    fields = {
        "name",
        "product",
        "productVersion",
        "platform",
        "platformVersion",
        "device",
        "clientIdentifier",
        "createdAt",
        "lastSeenAt",
        "provides",
        "ownerId",
        "sourceTitle",
        "publicAddress",
        "accessToken",
        "owned",
        "home",
        "synced",
        "relay",
        "presence",
        "httpsRequired",
        "publicAddressMatches",
        "dnsRebindingProtection",
        "natLoopbackSupported",
        "connections",
    }
    connection_fields = {"protocol", "address", "port", "uri", "local", "relay", "IPv6"}
    for resource in resources:
        assert set(resource) == fields
        assert ISO_Z.match(resource["createdAt"])
        assert ISO_Z.match(resource["lastSeenAt"])
        for connection in resource["connections"]:
            assert set(connection) == connection_fields
    servers = [r for r in resources if "server" in r["provides"].split(",")]
    owned = [r for r in servers if r["owned"]]
    shared = [r for r in servers if not r["owned"]]
    assert sorted(r["presence"] for r in owned) == [False, True]
    assert len(shared) == 1
    assert shared[0]["sourceTitle"]
    assert isinstance(shared[0]["ownerId"], int)
    assert all(server["connections"] for server in servers)
    players = [r for r in resources if "player" in r["provides"].split(",")]
    assert len(players) >= 2
    assert any(p["presence"] for p in players)
    assert any(p["provides"] == "player" for p in players)
    tokens = [r["accessToken"] for r in resources]
    assert len(set(tokens)) == len(tokens)
    assert len({r["clientIdentifier"] for r in resources}) == len(resources)
    resources[0]["name"] = "changed"
    assert sample_resources()[0]["name"] == "Living Room Server"


def test_second_account_shares_the_server() -> None:
    """The second account: its own ids, no Plex Pass, the first's server shared, a player."""
    first, second = sample_account(), second_account()
    for field in ("id", "uuid", "username", "email", "title"):
        assert first[field] != second[field]
    assert second["subscription"]["active"] is False
    resources = second_account_resources()
    owned_server = next(r for r in sample_resources() if r["name"] == "Living Room Server")
    shared = next(r for r in resources if r["name"] == "Living Room Server")
    assert shared["clientIdentifier"] == owned_server["clientIdentifier"]
    assert (shared["owned"], shared["sourceTitle"], shared["ownerId"]) == (
        False,
        first["title"],
        first["id"],
    )
    assert shared["accessToken"] not in {r["accessToken"] for r in sample_resources()}
    own = [r for r in resources if r is not shared]
    assert own
    assert all("player" in r["provides"].split(",") and r["owned"] for r in own)
    assert len({r["accessToken"] for r in resources}) == len(resources)
    for resource in resources:
        assert set(resource) == set(owned_server)
        addresses = [resource["publicAddress"]]
        addresses += [c["address"] for c in resource["connections"]]
        assert all(ipaddress.ip_address(address).is_loopback for address in addresses)
