"""The household's two plex.tv accounts and their resources, in plex.tv's JSON shapes.

Every address is a loopback one (127.0.0.0/8 or ::1), so that nothing that connects to them
can leave the machine; library/tests/plextv_sim/test_samples.py checks it.
"""

# The access tokens below are made up; plex.tv hands out 20-character ones like them.

from typing import Any

from library.simulators import sample as household

SAMPLE_ACCOUNT_UUID = household.SAMPLE_ACCOUNT_UUID
SECOND_ACCOUNT_UUID = household.SECOND_ACCOUNT_UUID
LIVING_ROOM_SERVER_ID = household.LIVING_ROOM_SERVER_ID
# The home's public address, where its owned servers and players are reached from outside,
# and the one the server shared by another account is reached at.
HOME_PUBLIC_ADDRESS = "127.0.0.3"
SHARED_PUBLIC_ADDRESS = "127.0.0.7"
TV = "SHIELD Android TV"
PLEX_PASS_FEATURES = ["webhooks", "hardware_transcoding", "sync", "download_certificates"]
PLEX_PASS_FEATURES += ["camera_upload", "collections", "lyrics", "music_videos", "pass"]
PLEX_PASS_FEATURES += ["premium_music_metadata", "session_bandwidth_restrictions", "tuner-sharing"]


def _account(**fields: Any) -> dict[str, Any]:  # noqa: ANN401
    """Return a /api/v2/user answer: a home member without Plex Pass, unless fields say else."""
    inactive = {"active": False, "subscribedAt": None, "status": "Inactive"}
    return {
        "thumb": None,
        "country": "US",
        "locale": None,
        "home": True,
        "homeAdmin": False,
        "homeSize": 2,
        "guest": False,
        "restricted": False,
        "twoFactorEnabled": False,
        "mailingListStatus": "inactive",
        "scrobbleTypes": "",
        "subscription": inactive | {"paymentService": None, "plan": None, "features": []},
        "entitlements": [],
        "roles": [],
    } | fields


def sample_account() -> dict[str, Any]:
    """Return a fresh /api/v2/user answer for a Plex Pass (lifetime) account."""
    subscription = {"active": True, "subscribedAt": "2019-04-26 12:31:02 UTC", "status": "Active"}
    return _account(
        id=household.SAMPLE_ACCOUNT_ID,
        uuid=SAMPLE_ACCOUNT_UUID,
        username=household.SAMPLE_USERNAME,
        email="plexfan@example.com",
        title="Plex Fan",
        friendlyName="Plex Fan",
        thumb=f"https://127.0.0.1/users/{SAMPLE_ACCOUNT_UUID}/avatar?c=1718000000",
        homeAdmin=True,
        twoFactorEnabled=True,
        joinedAt=1556281940,
        mailingListStatus="active",
        subscription=subscription
        | {"paymentService": "braintree", "plan": "lifetime", "features": PLEX_PASS_FEATURES},
        entitlements=["android", "ios", "roku", "xbox_one", "windows", "all"],
        roles=["plexpass"],
    )


def second_account() -> dict[str, Any]:
    """Return a fresh /api/v2/user answer for the household's second account (no Plex Pass)."""
    return _account(
        id=household.SECOND_ACCOUNT_ID,
        uuid=SECOND_ACCOUNT_UUID,
        username=household.SECOND_USERNAME,
        email="jamie@example.com",
        title="Jamie",
        friendlyName="Jamie",
        joinedAt=1640995200,
    )


def _connection(address: str, port: int, protocol: str = "https", **flags: bool) -> dict[str, Any]:
    # plex.tv lists https connections under plex.direct names, which would have to be
    # resolved: the sample lists the address itself, in the same URI shape.
    host = f"[{address}]" if flags.get("IPv6") else address
    connection = {"protocol": protocol, "address": address, "port": port}
    connection |= {"uri": f"{protocol}://{host}:{port}", "local": False, "relay": False}
    return connection | {"IPv6": False} | flags


def _resource(
    name: str,
    client_identifier: str,
    access_token: str,
    created_at: str,
    last_seen_at: str,
    *connections: dict[str, Any],
    **fields: Any,  # noqa: ANN401
) -> dict[str, Any]:
    """Return a resource: an owned, present Plex Media Server on Linux unless fields say else."""
    return {
        "name": name,
        "product": "Plex Media Server",
        "productVersion": "1.41.3.9314-a0bfb8370",
        "platform": "Linux",
        "platformVersion": "6.8.0-49-generic",
        "device": "Docker Container",
        "clientIdentifier": client_identifier,
        "createdAt": created_at,
        "lastSeenAt": last_seen_at,
        "provides": "server",
        "ownerId": None,
        "sourceTitle": None,
        "publicAddress": HOME_PUBLIC_ADDRESS,
        "accessToken": access_token,
        "owned": True,
        "home": False,
        "synced": False,
        "relay": True,
        "presence": True,
        "httpsRequired": False,
        "publicAddressMatches": True,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": True,
        "connections": list(connections),
    } | fields


def _player(  # noqa: PLR0913, PLR0917 - one line per player
    product: str,
    version: str,
    platform: str,
    platform_version: str,
    device: str,
    provides: str = "client,player,pubsub-player",
) -> dict[str, Any]:
    """Return the fields that make a resource a player (a client of the servers)."""
    return {
        "product": product,
        "productVersion": version,
        "platform": platform,
        "platformVersion": platform_version,
        "device": device,
        "provides": provides,
        "relay": False,
        "natLoopbackSupported": False,
    }


def sample_resources() -> list[dict[str, Any]]:
    """Return a fresh /api/v2/resources answer.

    Two owned servers (one online, one offline), one server shared by another account, and
    three players or clients, two of them online. Every accessToken is distinct.
    """
    return [
        _resource(
            household.LIVING_ROOM_SERVER_NAME,
            LIVING_ROOM_SERVER_ID,
            household.LIVING_ROOM_SERVER_TOKEN,
            "2021-03-14T09:26:53Z",
            "2026-11-26T21:04:17Z",
            _connection("127.0.0.2", 32400, "http", local=True),
            _connection(HOME_PUBLIC_ADDRESS, 32443),
            _connection("::1", 32400, IPv6=True),
            _connection("127.0.0.4", 8443, relay=True),
        ),
        _resource(
            "Attic NAS",
            "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
            "Hk3mPq8ZrT2wYv6NcX5d",
            "2019-11-02T17:45:10Z",
            "2026-10-30T06:12:44Z",
            _connection("127.0.0.5", 32400, "http", local=True),
            presence=False,
            platformVersion="4.4.302+",
            device="DS920+",
        ),
        _resource(
            "Alex's Plex",
            "08577491ce58b7cd488a8bad517b1d5818a1240b",
            "MGcNZaxjyWS4mzx2Jz5o",
            "2020-09-01T22:58:07Z",
            "2026-11-26T20:58:03Z",
            _connection("127.0.0.6", 32400, "http", local=True),
            _connection(SHARED_PUBLIC_ADDRESS, 32400),
            owned=False,
            publicAddress=SHARED_PUBLIC_ADDRESS,
            publicAddressMatches=False,
            ownerId=31877254,
            sourceTitle="Alex Rivera",
        ),
        _resource(
            "Living Room TV",
            household.LIVING_ROOM_TV_ID,
            "Rw8Ls2Qd5Fj7Gk1Hn4Tz",
            "2022-12-24T18:03:41Z",
            "2026-11-26T20:41:55Z",
            **_player("Plex for Android (TV)", "10.22.0.1571", "Android", "12", TV),
        ),
        _resource(
            "Office PC",
            "5e6f7a8b-9c0d-41e2-a3b4-c5d6e7f80912",
            "Ub9Vc3Xe6Zg1Ai4Bk7Dm",
            "2023-06-18T08:15:22Z",
            "2026-11-26T19:30:08Z",
            _connection("127.0.0.8", 32500, "http"),
            **_player(
                "Plex HTPC", "1.67.1.237", "Windows", "10.0.22631", "Windows", "client,player"
            ),
        ),
        _resource(
            "Kitchen iPad",
            "E2A9F4C1-7B3D-4E5F-8A6B-9C0D1E2F3A4B",
            "Pt2Ny5Mq8Lr1Ks4Jw7Hv",
            "2024-02-09T12:50:33Z",
            "2026-11-20T07:22:19Z",
            **_player("Plex for iOS", "2024.22.0", "iOS", "17.6.1", "iPad", "player"),
            presence=False,
        ),
    ]


def second_account_resources() -> list[dict[str, Any]]:
    """Return a fresh /api/v2/resources answer for the second account.

    The first account's Living Room Server, shared with this one (same clientIdentifier,
    owned false, its own accessToken), and a player of its own.
    """
    shared = _resource(
        household.LIVING_ROOM_SERVER_NAME,
        LIVING_ROOM_SERVER_ID,
        "Jm7Kw2Xp9Rt4Vb6Nz3Qs",
        "2021-03-14T09:26:53Z",
        "2026-11-26T21:04:17Z",
        _connection("127.0.0.1", 32400, "http"),
        owned=False,
        publicAddress="127.0.0.1",
        publicAddressMatches=False,
        ownerId=household.SAMPLE_ACCOUNT_ID,
        sourceTitle=sample_account()["title"],
    )
    phone = _resource(
        "Jamie's Phone",
        household.FRIEND_PHONE_ID,
        "Yc4Td8Gh1Lm5Pn9Rs2Wx",
        "2024-05-03T19:12:40Z",
        "2026-11-26T20:15:31Z",
        **_player("Plex for Android (Mobile)", "10.22.0.1571", "Android", "14", "Pixel 8"),
        publicAddress="127.0.0.2",
    )
    return [shared, phone]
