"""The simulators, with what Home Assistant core's Plex integration asks of them and they lack.

    python -m benchmarks.stand_ins library.simulators.pms ARGS...
    python -m benchmarks.stand_ins library.simulators.plextv ARGS...

runs the simulator's own command line, with a few routes more in its application: the Plex
Media Server also answers /accounts (the owner, by whose name core's integration keeps a
session), /clients (none), /library, /library/sections (those of the sample media: a
session's media is read with its section) and /updater/status (no update); plex.tv also
answers /api/users/ (no friends). Each in the XML python-plexapi reads, in the simulator's
own process, so that nothing is added to the path that is measured.
"""

import functools
import runpy
import sys
from collections.abc import Callable

from aiohttp import web

from library.simulators.pms import OWNER_USER, sample_episode, sample_film, sample_track


def container(inner: str = "", **attributes: object) -> str:
    """Return a MediaContainer with attributes, around inner."""
    shown = " ".join(f'{name}="{value}"' for name, value in attributes.items())
    return f"<MediaContainer {shown}>{inner}</MediaContainer>"


OWNER = f'<Account id="1" key="/accounts/1" name="{OWNER_USER["title"]}"/>'
KINDS = {"movie": "movie", "episode": "show", "track": "artist"}
SECTIONS = "".join(
    f'<Directory key="{media.library_section_id}" type="{KINDS[media.type]}" '
    f'title="{media.library_section_title}"/>'
    for media in (sample_film(), sample_episode(), sample_track())
)
# A route that tells the application, and the routes it lacks.
STAND_INS = {
    "/status/sessions": {
        "/accounts": container(OWNER, size=1),
        "/clients": container(size=0),
        "/library": container(size=0, title1="Plex Library"),
        "/library/sections": container(SECTIONS, size=3, title1="Plex Library"),
        "/updater/status": container(size=0),
    },
    "/api/v2/user": {
        "/api/users/": container(friendlyName="myPlex", identifier="com.plexapp.plugins.myplex")
    },
}


async def xml(text: str, _request: web.Request) -> web.Response:
    """Answer with text, as XML."""
    return web.Response(text=text, content_type="text/xml")


def freeze(app: web.Application, *, original: Callable[[web.Application], None]) -> None:
    """Add the stand-ins to the application they belong to, as it starts serving."""
    paths = {resource.canonical for resource in app.router.resources()}
    for marker, routes in STAND_INS.items():
        for path, text in routes.items() if marker in paths and not app.frozen else ():
            app.router.add_get(path, functools.partial(xml, text))
    original(app)


if __name__ == "__main__":
    web.Application.freeze = functools.partialmethod(freeze, original=web.Application.freeze)  # type: ignore[assignment,method-assign]
    sys.argv = [sys.argv[1], *sys.argv[2:]]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
