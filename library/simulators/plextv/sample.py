"""A sample plex.tv account and its resources, in plex.tv's JSON shapes."""

# The access tokens below are made up; plex.tv hands out 20-character ones like them.
# ruff: noqa: S106

from typing import Any

from library.simulators import sample as household

SAMPLE_ACCOUNT_ID = household.SAMPLE_ACCOUNT_ID
SAMPLE_ACCOUNT_UUID = household.SAMPLE_ACCOUNT_UUID
SECOND_ACCOUNT_ID = household.SECOND_ACCOUNT_ID
SECOND_ACCOUNT_UUID = household.SECOND_ACCOUNT_UUID
LIVING_ROOM_SERVER_ID = household.LIVING_ROOM_SERVER_ID
SHARED_OWNER_ID = 31877254
SHARED_OWNER_NAME = "Alex Rivera"
# Every address below is a loopback one (127.0.0.0/8 or ::1), so that nothing that connects to
# them can leave the machine; library/tests/plextv_sim/test_samples.py checks it. The home's public
# address, where its owned servers and players are reached from outside, and the address the
# shared server is reached at.
HOME_PUBLIC_ADDRESS = "127.0.0.3"
SHARED_PUBLIC_ADDRESS = "127.0.0.7"

_PLEX_PASS_FEATURES = [
    "webhooks",
    "hardware_transcoding",
    "sync",
    "download_certificates",
    "camera_upload",
    "collections",
    "lyrics",
    "music_videos",
    "pass",
    "premium_music_metadata",
    "session_bandwidth_restrictions",
    "tuner-sharing",
]


def sample_account() -> dict[str, Any]:
    """Return a fresh /api/v2/user answer for a Plex Pass (lifetime) account."""
    return {
        "id": SAMPLE_ACCOUNT_ID,
        "uuid": SAMPLE_ACCOUNT_UUID,
        "username": household.SAMPLE_USERNAME,
        "email": "plexfan@example.com",
        "title": "Plex Fan",
        "friendlyName": "Plex Fan",
        "thumb": f"https://127.0.0.1/users/{SAMPLE_ACCOUNT_UUID}/avatar?c=1718000000",
        "country": "US",
        "locale": None,
        "home": True,
        "homeAdmin": True,
        "homeSize": 2,
        "guest": False,
        "restricted": False,
        "twoFactorEnabled": True,
        "joinedAt": 1556281940,
        "mailingListStatus": "active",
        "scrobbleTypes": "",
        "subscription": {
            "active": True,
            "subscribedAt": "2019-04-26 12:31:02 UTC",
            "status": "Active",
            "paymentService": "braintree",
            "plan": "lifetime",
            "features": list(_PLEX_PASS_FEATURES),
        },
        "subscriptions": [
            {
                "id": 7741203,
                "mode": "lifetime",
                "renewsAt": None,
                "endsAt": None,
                "canceled": False,
                "gracePeriod": False,
                "onHold": False,
                "canReactivate": False,
                "canUpgrade": False,
                "canDowngrade": False,
                "canConvert": False,
                "type": "plexpass",
                "transfer": None,
                "state": "active",
                "billing": None,
            },
        ],
        "entitlements": ["android", "ios", "roku", "xbox_one", "windows", "all"],
        "roles": ["plexpass"],
        "services": [
            {
                "identifier": "metadata-dev",
                "endpoint": "https://127.0.0.9",
                "token": None,
                "secret": None,
                "status": "online",
            },
            {
                "identifier": "tv.plex.sonos",
                "endpoint": "https://127.0.0.10",
                "token": None,
                "secret": None,
                "status": "online",
            },
        ],
    }


def second_account() -> dict[str, Any]:
    """Return a fresh /api/v2/user answer for the household's second account (no Plex Pass)."""
    return {
        "id": SECOND_ACCOUNT_ID,
        "uuid": SECOND_ACCOUNT_UUID,
        "username": household.SECOND_USERNAME,
        "email": "jamie@example.com",
        "title": "Jamie",
        "friendlyName": "Jamie",
        "thumb": None,
        "country": "US",
        "locale": None,
        "home": True,
        "homeAdmin": False,
        "homeSize": 2,
        "guest": False,
        "restricted": False,
        "twoFactorEnabled": False,
        "joinedAt": 1640995200,
        "mailingListStatus": "inactive",
        "scrobbleTypes": "",
        "subscription": {
            "active": False,
            "subscribedAt": None,
            "status": "Inactive",
            "paymentService": None,
            "plan": None,
            "features": [],
        },
        "subscriptions": [],
        "entitlements": [],
        "roles": [],
        "services": [],
    }


def _connection(  # noqa: PLR0913
    address: str,
    port: int,
    *,
    protocol: str = "https",
    local: bool = False,
    relay: bool = False,
    ipv6: bool = False,
) -> dict[str, Any]:
    # plex.tv lists https connections under plex.direct names, which would have to be
    # resolved: the sample lists the address itself, in the same URI shape.
    host = f"[{address}]" if ipv6 else address
    return {
        "protocol": protocol,
        "address": address,
        "port": port,
        "uri": f"{protocol}://{host}:{port}",
        "local": local,
        "relay": relay,
        "IPv6": ipv6,
    }


def _server(  # noqa: PLR0913
    *,
    name: str,
    client_identifier: str,
    access_token: str,
    owned: bool,
    presence: bool,
    connections: list[dict[str, Any]],
    public_address: str,
    created_at: str,
    last_seen_at: str,
    platform: str = "Linux",
    platform_version: str = "6.8.0-49-generic",
    device: str = "Docker Container",
    owner_id: int | None = None,
    source_title: str | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "product": "Plex Media Server",
        "productVersion": "1.41.3.9314-a0bfb8370",
        "platform": platform,
        "platformVersion": platform_version,
        "device": device,
        "clientIdentifier": client_identifier,
        "createdAt": created_at,
        "lastSeenAt": last_seen_at,
        "provides": "server",
        "ownerId": owner_id,
        "sourceTitle": source_title,
        "publicAddress": public_address,
        "accessToken": access_token,
        "owned": owned,
        "home": False,
        "synced": False,
        "relay": True,
        "presence": presence,
        "httpsRequired": False,
        "publicAddressMatches": owned,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": True,
        "connections": connections,
    }


def _player(  # noqa: PLR0913
    *,
    name: str,
    product: str,
    product_version: str,
    platform: str,
    platform_version: str,
    device: str,
    client_identifier: str,
    provides: str,
    presence: bool,
    access_token: str,
    created_at: str,
    last_seen_at: str,
    connections: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "product": product,
        "productVersion": product_version,
        "platform": platform,
        "platformVersion": platform_version,
        "device": device,
        "clientIdentifier": client_identifier,
        "createdAt": created_at,
        "lastSeenAt": last_seen_at,
        "provides": provides,
        "ownerId": None,
        "sourceTitle": None,
        "publicAddress": HOME_PUBLIC_ADDRESS,
        "accessToken": access_token,
        "owned": True,
        "home": False,
        "synced": False,
        "relay": False,
        "presence": presence,
        "httpsRequired": False,
        "publicAddressMatches": True,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": False,
        "connections": connections or [],
    }


def sample_resources() -> list[dict[str, Any]]:
    """Return a fresh /api/v2/resources answer.

    Two owned servers (one online, one offline), one server shared by another account, and
    three players or clients, two of them online. Every accessToken is distinct.
    """
    return [
        _server(
            name=household.LIVING_ROOM_SERVER_NAME,
            client_identifier=LIVING_ROOM_SERVER_ID,
            access_token=household.LIVING_ROOM_SERVER_TOKEN,
            owned=True,
            presence=True,
            public_address=HOME_PUBLIC_ADDRESS,
            created_at="2021-03-14T09:26:53Z",
            last_seen_at="2026-11-26T21:04:17Z",
            connections=[
                _connection("127.0.0.2", 32400, protocol="http", local=True),
                _connection(HOME_PUBLIC_ADDRESS, 32443),
                _connection("::1", 32400, ipv6=True),
                _connection("127.0.0.4", 8443, relay=True),
            ],
        ),
        _server(
            name="Attic NAS",
            client_identifier="a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
            access_token="Hk3mPq8ZrT2wYv6NcX5d",
            owned=True,
            presence=False,
            public_address=HOME_PUBLIC_ADDRESS,
            platform="Linux",
            platform_version="4.4.302+",
            device="DS920+",
            created_at="2019-11-02T17:45:10Z",
            last_seen_at="2026-10-30T06:12:44Z",
            connections=[
                _connection("127.0.0.5", 32400, protocol="http", local=True),
            ],
        ),
        _server(
            name="Alex's Plex",
            client_identifier="08577491ce58b7cd488a8bad517b1d5818a1240b",
            access_token="MGcNZaxjyWS4mzx2Jz5o",
            owned=False,
            presence=True,
            public_address=SHARED_PUBLIC_ADDRESS,
            owner_id=SHARED_OWNER_ID,
            source_title=SHARED_OWNER_NAME,
            created_at="2020-09-01T22:58:07Z",
            last_seen_at="2026-11-26T20:58:03Z",
            connections=[
                _connection("127.0.0.6", 32400, protocol="http", local=True),
                _connection(SHARED_PUBLIC_ADDRESS, 32400),
            ],
        ),
        _player(
            name="Living Room TV",
            product="Plex for Android (TV)",
            product_version="10.22.0.1571",
            platform="Android",
            platform_version="12",
            device="SHIELD Android TV",
            client_identifier=household.LIVING_ROOM_TV_ID,
            provides="client,player,pubsub-player",
            presence=True,
            access_token="Rw8Ls2Qd5Fj7Gk1Hn4Tz",
            created_at="2022-12-24T18:03:41Z",
            last_seen_at="2026-11-26T20:41:55Z",
        ),
        _player(
            name="Office PC",
            product="Plex HTPC",
            product_version="1.67.1.237",
            platform="Windows",
            platform_version="10.0.22631",
            device="Windows",
            client_identifier="5e6f7a8b-9c0d-41e2-a3b4-c5d6e7f80912",
            provides="client,player",
            presence=True,
            access_token="Ub9Vc3Xe6Zg1Ai4Bk7Dm",
            created_at="2023-06-18T08:15:22Z",
            last_seen_at="2026-11-26T19:30:08Z",
            connections=[
                _connection("127.0.0.8", 32500, protocol="http"),
            ],
        ),
        _player(
            name="Kitchen iPad",
            product="Plex for iOS",
            product_version="2024.22.0",
            platform="iOS",
            platform_version="17.6.1",
            device="iPad",
            client_identifier="E2A9F4C1-7B3D-4E5F-8A6B-9C0D1E2F3A4B",
            provides="player",
            presence=False,
            access_token="Pt2Ny5Mq8Lr1Ks4Jw7Hv",
            created_at="2024-02-09T12:50:33Z",
            last_seen_at="2026-11-20T07:22:19Z",
        ),
    ]


def second_account_resources() -> list[dict[str, Any]]:
    """Return a fresh /api/v2/resources answer for the second account.

    The first account's Living Room Server, shared with this one (same clientIdentifier,
    owned false, its own accessToken), and a player of its own. Addresses are loopback ones.
    """
    shared = _server(
        name=household.LIVING_ROOM_SERVER_NAME,
        client_identifier=LIVING_ROOM_SERVER_ID,
        access_token="Jm7Kw2Xp9Rt4Vb6Nz3Qs",
        owned=False,
        presence=True,
        public_address="127.0.0.1",
        owner_id=SAMPLE_ACCOUNT_ID,
        source_title=sample_account()["title"],
        created_at="2021-03-14T09:26:53Z",
        last_seen_at="2026-11-26T21:04:17Z",
        connections=[
            _connection("127.0.0.1", 32400, protocol="http"),
        ],
    )
    phone = _player(
        name="Jamie's Phone",
        product="Plex for Android (Mobile)",
        product_version="10.22.0.1571",
        platform="Android",
        platform_version="14",
        device="Pixel 8",
        client_identifier=household.FRIEND_PHONE_ID,
        provides="client,player,pubsub-player",
        presence=True,
        access_token="Yc4Td8Gh1Lm5Pn9Rs2Wx",
        created_at="2024-05-03T19:12:40Z",
        last_seen_at="2026-11-26T20:15:31Z",
    )
    phone["publicAddress"] = "127.0.0.2"
    return [shared, phone]
