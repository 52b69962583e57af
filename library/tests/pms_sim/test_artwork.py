"""Artwork: posters, art and avatars as small PNGs, and the photo transcoder."""

import aiohttp

from library.simulators.pms import PMSSimulator, kitchen_speaker, living_room_tv, sample_film, sample_track
from library.simulators.pms.testing import auth, sessions

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _image(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> bytes:
    async with session.get(url, headers=headers) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        return await response.read()


async def test_session_artwork(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Every artwork path of a session is an image, a different one per item."""
    pms.start_session(player=living_room_tv(), media=sample_film())
    pms.start_session(player=kitchen_speaker(), media=sample_track())
    film, track = await sessions(session, pms)
    images = set()
    for path in (film["thumb"], film["art"], track["thumb"], track["grandparentThumb"]):
        image = await _image(session, f"{pms.url}{path}", auth(pms))
        assert image.startswith(PNG_SIGNATURE)
        images.add(image)
    assert len(images) == 4
    avatar = await _image(session, f"{pms.url}{film['User']['thumb']}", auth(pms))
    assert avatar.startswith(PNG_SIGNATURE)


async def test_artwork_needs_token(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """Without the token artwork is refused; the token may be in the query."""
    path = "/library/metadata/1001/thumb/1700000000"
    async with session.get(f"{pms.url}{path}") as response:
        assert response.status == 401
    await _image(session, f"{pms.url}{path}?X-Plex-Token={pms.token}", {})
    async with session.get(f"{pms.url}/library/metadata/1001/other/1", headers=auth(pms)) as r:
        assert r.status == 404


async def test_transcode(session: aiohttp.ClientSession, pms: PMSSimulator) -> None:
    """The photo transcoder answers the image of its url, whatever the size."""
    path = "/library/metadata/1001/thumb/1700000000"
    direct = await _image(session, f"{pms.url}{path}", auth(pms))
    async with session.get(
        f"{pms.url}/photo/:/transcode",
        params={"url": path, "width": "300", "height": "450"},
        headers=auth(pms),
    ) as response:
        assert response.status == 200
        assert await response.read() == direct
    for params in ({"url": "nope"}, {"url": path, "width": "big"}):
        async with session.get(
            f"{pms.url}/photo/:/transcode", params=params, headers=auth(pms)
        ) as response:
            assert response.status == 400
    async with session.get(f"{pms.url}/photo/:/transcode", params={"url": path}) as response:
        assert response.status == 401
