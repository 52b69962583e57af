"""The plex.tv simulator's state: pins and tokens."""

import math
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# plex.tv/link codes use uppercase letters and digits; strong codes are longer, lowercase.
LINK_CODE = (string.ascii_uppercase + string.digits, 4)
STRONG_CODE = (string.ascii_lowercase + string.digits, 25)
TOKEN = (string.ascii_letters + string.digits + "-_", 20)
PIN_LOCATION: dict[str, Any] = {"code": "US", "country": "United States", "city": "San Francisco"}


def random_string(alphabet: str, length: int) -> str:
    """Return a random string drawn from alphabet."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def iso_z(moment: datetime) -> str:
    """Format an aware datetime the way plex.tv does: ISO 8601, seconds, trailing Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SimPin:
    """A pin created by POST /api/v2/pins, `created` seconds on the simulator's clock."""

    id: int
    code: str
    strong: bool
    product: str
    client_identifier: str
    lifetime: float
    created_at: datetime
    created: float
    device_name: str = ""
    platform: str = ""
    auth_token: str | None = None
    last_check: float | None = None

    def seconds_left(self, now: float) -> float:
        """Return how many seconds the pin has left at `now` (never negative)."""
        return max(0.0, self.lifetime - (now - self.created))

    def expired(self, now: float) -> bool:
        """Return whether the pin has expired at `now`."""
        return self.seconds_left(now) <= 0

    def as_json(self, base_url: str, now: float) -> dict[str, Any]:
        """Return the pin in plex.tv's JSON shape, as seen at `now`."""
        return {
            "id": self.id,
            "code": self.code,
            "product": self.product,
            "trusted": False,
            "qr": f"{base_url}/api/v2/pins/qr/{self.code}",
            "clientIdentifier": self.client_identifier,
            "location": dict(PIN_LOCATION),
            "expiresIn": math.ceil(self.seconds_left(now)),
            "createdAt": iso_z(self.created_at),
            "expiresAt": iso_z(self.created_at + timedelta(seconds=self.lifetime)),
            "authToken": self.auth_token,
            "newRegistration": None,
        }


@dataclass
class SimToken:
    """An account token handed out when a pin was approved."""

    token: str
    client_identifier: str
    account_uuid: str
    product: str = ""
    device_name: str = ""
    platform: str = ""
    revoked: int | None = None
    """None while valid; otherwise the HTTP status (401 or 422) later calls get."""
