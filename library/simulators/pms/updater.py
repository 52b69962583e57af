"""The server's updater: the release it offers, whether it can install it, and its checks."""

from dataclasses import dataclass, field
from typing import Any

AVAILABLE = "available"
NOTIFY = "notify"
"""A release the server cannot install itself (most Linux servers and NASes)."""
INSTALLING = "installing"
CANNOT_INSTALL = "This system cannot install updates"


@dataclass
class Release:
    """A release the updater offers."""

    version: str
    notes: str
    can_install: bool
    number: int

    @property
    def state(self) -> str:
        """Return the release's state: available where it can be installed, else notify."""
        return AVAILABLE if self.can_install else NOTIFY

    @property
    def key(self) -> str:
        """Return the release's key, as plex.tv names releases."""
        return f"https://plex.tv/updater/releases/{self.number}"

    def notification(self, state: str | None = None) -> dict[str, Any]:
        """Return an `update.statechange` notification of the release (in its own state)."""
        entry = {"key": self.key, "version": self.version, "state": state or self.state}
        container = {"type": "update.statechange", "size": 1, "AutoUpdateNotification": [entry]}
        return {"NotificationContainer": container}


@dataclass
class SimUpdater:
    """What GET /updater/status reports, and how often the updater was asked to check."""

    can_install: bool = False
    release: Release | None = None
    checked_at: int = 0
    checks: list[bool] = field(default_factory=list)
    """Each PUT /updater/check, by whether it asked to download."""
    applies: int = 0
    """How many PUT /updater/apply were accepted."""
    _releases: int = 5100

    def offer(self, version: str, *, can_install: bool, notes: str) -> Release:
        """Offer a release (replacing any other)."""
        self._releases += 1
        self.can_install = can_install
        self.release = Release(version, notes, can_install, self._releases)
        return self.release

    def status(self, token: str) -> dict[str, Any]:
        """Return the MediaContainer of GET /updater/status; download URLs carry the token."""
        container: dict[str, Any] = {
            "size": 0 if self.release is None else 1,
            "canInstall": self.can_install,
            "checkedAt": self.checked_at,
            "status": 0,
        }
        if (release := self.release) is not None:
            url = (
                f"https://127.0.0.1/updater/packages/{release.version}/"
                f"plexmediaserver.deb?X-Plex-Token={token}"
            )
            container["downloadURL"] = url
            container["Release"] = [
                {
                    "key": release.key,
                    "version": release.version,
                    "added": "",
                    "fixed": release.notes,
                    "downloadURL": url,
                    "state": release.state,
                }
            ]
        return container
