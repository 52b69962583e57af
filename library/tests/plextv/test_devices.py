"""The account's authorized devices: read without their tokens, and revoked."""

from dataclasses import astuple

import pytest
from aioplexaccount import Device, PlexNotFoundError, PlexResponseError, PlexTVClient
from aioplexaccount.account import parse_devices

from library.simulators.plextv import PlexTVSimulator


async def test_devices_and_revoke(
    client: PlexTVClient, plextv: PlexTVSimulator, token: str
) -> None:
    """The list holds every device, this one included, and none of the tokens plex.tv sends.

    Revoking one signs it out; one plex.tv no longer knows is PlexNotFoundError.
    """
    tv = plextv.sign_in_device(name="Bedroom TV", product="Plex for Roku", platform="Roku")
    planted = [entry["token"] for entry in plextv.devices.of(str(plextv.account["uuid"]))]
    assert token in planted
    devices = await client.devices()
    assert {device.client_identifier for device in devices} >= {
        client.identity.client_identifier,
        tv["clientIdentifier"],
    }
    bedroom = next(d for d in devices if d.client_identifier == tv["clientIdentifier"])
    assert (bedroom.name, bedroom.product, bedroom.platform) == (
        "Bedroom TV",
        "Plex for Roku",
        "Roku",
    )
    assert bedroom.created_at is not None
    kept = repr(devices) + repr([astuple(device) for device in devices])
    assert not [secret for secret in planted if secret in kept]
    assert "127.0.0.9" not in kept  # nor the public address

    await client.revoke_device(bedroom.id)
    assert tv["clientIdentifier"] not in {d.client_identifier for d in await client.devices()}
    with pytest.raises(PlexNotFoundError):
        await client.revoke_device(bedroom.id)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><MediaContainer/>', "document type"),
        (b"not xml", "not XML"),
        (b"<errors/>", "MediaContainer"),
        (b'<MediaContainer><Device id="x" clientIdentifier="a"/></MediaContainer>', "none of"),
        (
            b'<MediaContainer><Device id="1" clientIdentifier="a" lastSeenAt="9'
            + b"9" * 16
            + b'"/>'
            b"</MediaContainer>",
            "none of",
        ),
    ],
)
def test_not_a_list_of_devices(body: bytes, message: str) -> None:
    """What is not plex.tv's list is PlexResponseError, an entity declaration above all."""
    with pytest.raises(PlexResponseError, match=message):
        parse_devices(body)


def test_an_odd_device_is_skipped() -> None:
    """One device that cannot be read hides none of the others."""
    body = (
        b'<MediaContainer><Device id="7" clientIdentifier="tv" token="t" lastSeenAt="12"/>'
        b'<Device id="" clientIdentifier="odd"/></MediaContainer>'
    )
    [device] = parse_devices(body)
    assert device == Device(id=7, client_identifier="tv", last_seen_at=device.last_seen_at)
    assert device.last_seen_at is not None
    assert device.last_seen_at.timestamp() == 12
