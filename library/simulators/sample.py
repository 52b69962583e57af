"""The household both simulators know: the ids and the token plex.tv and the server agree on.

plex.tv (library.simulators.plextv.sample) lists the Living Room Server, its access token and
the players; the Plex Media Server (library.simulators.pms.sample) is that server and shows
those players and accounts in its sessions.
"""

# The token below is made up; plex.tv hands out 20-character ones like it.
# ruff: noqa: S105

SAMPLE_ACCOUNT_ID = 48213097
SAMPLE_ACCOUNT_UUID = "6c2e1f0a9b8d7e34"
SAMPLE_USERNAME = "plexfan"
# The household's second account: the first one shares its Living Room Server with it.
SECOND_ACCOUNT_ID = 51920466
SECOND_ACCOUNT_UUID = "b47d2e9c01f35a68"
SECOND_USERNAME = "jamiewatches"

LIVING_ROOM_SERVER_ID = "3f9a1c7e5b2d4a6c8e0f1a3b5c7d9e1f2a4b6c8d"
LIVING_ROOM_SERVER_NAME = "Living Room Server"
LIVING_ROOM_SERVER_TOKEN = "qzT4vXk9LmN2pR7sW1yB"
"""The owner's token of the Living Room Server: plex.tv lists it as the accessToken."""
LIVING_ROOM_TV_ID = "c7d1e2f3a4b5968778695a4b3c2d1e0f"
FRIEND_PHONE_ID = "9d3f6a1b2c4e58d7"
"""The second account's phone."""
