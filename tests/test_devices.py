"""Who is signed in to the account: Authorized devices, Sign-ins, and the revoke_device action."""

from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, CONF_TOKEN, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.plex_account.const import CONF_CLIENT_IDENTIFIER, DOMAIN
from custom_components.plex_account.coordinator import DEVICES_UPDATE_INTERVAL
from library.simulators.plextv import PlexTVSimulator

from .common import pass_time, state

pytestmark = pytest.mark.usefixtures("no_token_in_logs")

DEVICES = "sensor.plex_fan_authorized_devices"
SIGN_INS = "event.plex_fan_sign_ins"
SERVERS_ONLINE = "sensor.plex_fan_servers_online"
BEDROOM = {"name": "Bedroom TV", "product": "Plex for Roku", "platform": "Roku"}


def listed(plextv: PlexTVSimulator) -> list[dict[str, Any]]:
    """Return the devices plex.tv lists for the sample account, tokens included."""
    return plextv.devices.of(str(plextv.account["uuid"]))


async def update(hass: HomeAssistant) -> None:
    """Ask for an update of the Authorized devices sensor, as a user would."""
    await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {ATTR_ENTITY_ID: DEVICES}, blocking=True
    )


async def revoke(hass: HomeAssistant, client_identifier: str) -> None:
    """Call plex_account.revoke_device and wait for it."""
    await hass.services.async_call(
        DOMAIN, "revoke_device", {CONF_CLIENT_IDENTIFIER: client_identifier}, blocking=True
    )


@pytest.mark.usefixtures("init_integration")
async def test_a_new_sign_in_is_one_event(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, plextv: PlexTVSimulator
) -> None:
    """The first read is no event; a new device is one; the same one signing in again, none.

    Neither the events, the sensor nor any state carries a token or an address.
    """
    assert state(hass, DEVICES) == str(len(listed(plextv)))
    assert state(hass, SIGN_INS) == "unknown"
    bedroom = plextv.sign_in_device(**BEDROOM)
    await pass_time(hass, freezer, DEVICES_UPDATE_INTERVAL)
    sign_ins = hass.states.get(SIGN_INS)
    assert sign_ins is not None
    assert {key: sign_ins.attributes.get(key) for key in (*BEDROOM, "client_identifier")} == {
        **BEDROOM,
        "client_identifier": bedroom["clientIdentifier"],
    }
    assert sign_ins.attributes["event_type"] == "new_device"
    assert state(hass, DEVICES) == str(len(listed(plextv)))
    fired = sign_ins.last_changed

    plextv.sign_in_device(**BEDROOM, client_identifier=bedroom["clientIdentifier"])
    await pass_time(hass, freezer, DEVICES_UPDATE_INTERVAL)
    assert hass.states.get(SIGN_INS).last_changed == fired  # type: ignore[union-attr]
    secrets = [device["token"] for device in listed(plextv)] + ["127.0.0.9"]
    for entity in hass.states.async_all():
        text = f"{entity.state} {entity.attributes}"
        assert not [secret for secret in secrets if secret in text], entity.entity_id


@pytest.mark.usefixtures("init_integration")
async def test_update_entity_reads_at_once(hass: HomeAssistant, plextv: PlexTVSimulator) -> None:
    """Asking for an update of the sensor reads the list without waiting ten minutes."""
    plextv.sign_in_device(**BEDROOM)
    await update(hass)
    assert state(hass, DEVICES) == str(len(listed(plextv)))
    assert hass.states.get(SIGN_INS).attributes["name"] == "Bedroom TV"  # type: ignore[union-attr]


@pytest.mark.usefixtures("init_integration")
async def test_a_failed_read_touches_nothing_else(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, plextv: PlexTVSimulator
) -> None:
    """plex.tv failing the list makes its entities unavailable, and the account's stay."""
    # A good read first: the failed one after it must not tell its news again.
    await pass_time(hass, freezer, DEVICES_UPDATE_INTERVAL)
    plextv.add_fault("/devices.xml", status=503)
    await pass_time(hass, freezer, DEVICES_UPDATE_INTERVAL)
    assert (state(hass, DEVICES), state(hass, SIGN_INS)) == (STATE_UNAVAILABLE,) * 2
    assert state(hass, SERVERS_ONLINE) != STATE_UNAVAILABLE


async def test_revoke_device(
    hass: HomeAssistant, plextv: PlexTVSimulator, init_integration: MockConfigEntry
) -> None:
    """The action signs a device out of the account that lists it, and refuses what it must.

    It never signs out Home Assistant's own sign-in; a device no account lists, or one that
    plex.tv signed out meanwhile, is a translated error.
    """
    bedroom = plextv.sign_in_device(**BEDROOM)
    await revoke(hass, bedroom["clientIdentifier"])
    assert bedroom["clientIdentifier"] not in {d["clientIdentifier"] for d in listed(plextv)}
    assert state(hass, DEVICES) == str(len(listed(plextv)))

    own = init_integration.data[CONF_CLIENT_IDENTIFIER]
    with pytest.raises(ServiceValidationError) as refused:
        await revoke(hass, own)
    assert refused.value.translation_key == "cannot_revoke_this_device"
    assert plextv.tokens[init_integration.data[CONF_TOKEN]].revoked is None

    for gone in ("no-such-device", bedroom["clientIdentifier"]):
        with pytest.raises(ServiceValidationError) as missing:
            await revoke(hass, gone)
        assert missing.value.translation_key == "device_not_found"

    # Signed in after the last read: the action reads the list anew and finds it.
    kitchen = plextv.sign_in_device(name="Kitchen iPad", product="Plex for iOS", platform="iOS")
    await revoke(hass, kitchen["clientIdentifier"])
    assert kitchen["clientIdentifier"] not in {d["clientIdentifier"] for d in listed(plextv)}

    # Listed at the last read, but signed out at plex.tv since: plex.tv answers 404.
    again = plextv.sign_in_device(**BEDROOM)
    await update(hass)
    plextv.devices.revoke(str(plextv.account["uuid"]), _id(plextv, again["clientIdentifier"]))
    with pytest.raises(ServiceValidationError) as vanished:
        await revoke(hass, again["clientIdentifier"])
    assert vanished.value.translation_key == "device_not_found"

    plextv.add_fault("/devices/", status=500)
    listed_now = plextv.sign_in_device(name="Den", product="Plexamp", platform="Android")
    with pytest.raises(HomeAssistantError) as failed:
        await revoke(hass, listed_now["clientIdentifier"])
    assert failed.value.translation_key == "revoke_failed"


def _id(plextv: PlexTVSimulator, client_identifier: str) -> int:
    [device_id] = [d["id"] for d in listed(plextv) if d["clientIdentifier"] == client_identifier]
    return int(device_id)
