"""The base entity: one for the account, or one for a server of the account."""

from collections.abc import Callable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import PlexAccountConfigEntry, PlexAccountCoordinator
from .plextv import Resource

MANUFACTURER = "Plex"
ACCOUNT_URL = "https://app.plex.tv/desktop/#!/settings/account"


class PlexAccountEntity(CoordinatorEntity[PlexAccountCoordinator]):
    """An entity of the account's service device, or of one server's device."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: PlexAccountCoordinator,
        description: EntityDescription,
        server_id: str | None = None,
    ) -> None:
        """Describe the entity and its device from the coordinator's data."""
        super().__init__(coordinator)
        self.entity_description = description
        self._server_id = server_id
        if server_id is None:
            account = coordinator.data.account
            self._attr_unique_id = f"{account.uuid}_{description.key}"
            self._attr_device_info = DeviceInfo(
                identifiers={(DOMAIN, account.uuid)},
                name=account.title or account.username,
                manufacturer=MANUFACTURER,
                model="Plex account",
                entry_type=DeviceEntryType.SERVICE,
                configuration_url=ACCOUNT_URL,
            )
        else:
            server = coordinator.data.servers[server_id]
            self._attr_unique_id = f"{server_id}_{description.key}"
            self._attr_device_info = DeviceInfo(
                identifiers={(DOMAIN, server_id)},
                name=server.name,
                manufacturer=MANUFACTURER,
                model=server.product,
                model_id=server.platform,
                sw_version=server.product_version,
            )

    @property
    def server(self) -> Resource:
        """Return the server of this entity, as last read."""
        assert self._server_id is not None
        return self.coordinator.data.servers[self._server_id]

    @property
    def available(self) -> bool:
        """Return whether plex.tv answered, and still lists the server."""
        return super().available and (
            self._server_id is None or self._server_id in self.coordinator.data.servers
        )


@callback
def async_track_servers(
    entry: PlexAccountConfigEntry, add_server: Callable[[Resource], None]
) -> None:
    """Call add_server for every server now, and for each one a later refresh brings."""
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def _check() -> None:
        servers = coordinator.data.servers
        # A server that left had its device (and entities) removed: add it again if it returns.
        known.intersection_update(servers)
        for server_id in servers.keys() - known:
            known.add(server_id)
            add_server(servers[server_id])

    _check()
    entry.async_on_unload(coordinator.async_add_listener(_check))
