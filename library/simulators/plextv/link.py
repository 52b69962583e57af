"""The /link page, where a user types the 4-character code a device shows."""

from html import escape
from typing import TYPE_CHECKING

from aiohttp import web

from .state import LINK_CODE

if TYPE_CHECKING:
    from .app import PlexTVSimulator

LENGTH = LINK_CODE[1]
BAD_CODE = "That code was not found or has expired. Check the code on your device and try again."
_STYLE = """
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  background: #1f2326; color: #eee; font-family: system-ui, sans-serif; }
main { width: 22rem; padding: 2rem; border-radius: 8px; background: #2b2f33; text-align: center; }
h1 { margin: 0 0 1.5rem; font-size: 1.4rem; }
label { display: block; margin-bottom: .5rem; color: #bbb; }
input { box-sizing: border-box; width: 100%; padding: .6rem; font-size: 2rem; letter-spacing: .5rem;
  text-align: center; text-transform: uppercase; background: #111; color: #fff; }
button { margin-top: 1rem; width: 100%; padding: .7rem; font-weight: 600; border: 0;
  background: #e5a00d; color: #1f2326; cursor: pointer; }
.error { padding: .6rem; background: #5c1e1e; color: #ffd7d7; }
"""


def _page(title: str, content: str, status: int = 200) -> web.Response:
    text = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{title}</h1>\n{content}\n</main>\n</body>\n</html>\n"
    )
    return web.Response(status=status, text=text, content_type="text/html")


def form_page(code: str = "", error: str | None = None) -> web.Response:
    """Return the link form, with an error message above it if given (and status 400)."""
    message = (
        f'<p class="error" id="link-error" role="alert">{escape(error)}</p>\n' if error else ""
    )
    return _page(
        "Link Account",
        f'{message}<form method="post" action="/link">\n'
        '<label for="code">Enter the code</label>\n'
        f'<input type="text" id="code" name="code" maxlength="{LENGTH}" value="{escape(code)}" '
        'autocomplete="off" autocapitalize="characters" spellcheck="false" autofocus required>\n'
        '<button type="submit" id="link-submit">Link</button>\n</form>',
        400 if error else 200,
    )


def add_link_routes(sim: PlexTVSimulator) -> None:
    """Serve GET and POST /link for sim: a pending 4-character code posted there is approved."""

    async def show_form(request: web.Request) -> web.Response:
        return form_page(request.query.get("code", "")[:LENGTH])

    async def submit(request: web.Request) -> web.Response:
        raw = (await request.post()).get("code")
        code = raw.strip().upper() if isinstance(raw, str) else ""
        # plex.tv/link takes only the short codes; strong codes belong to app.plex.tv.
        pin = next((p for p in sim.pins.values() if len(code) == LENGTH and p.code == code), None)
        if pin is None or pin.auth_token is not None or pin.expired(sim.clock()):
            return form_page(code[:LENGTH], BAD_CODE)
        sim.approve(pin.code)
        device = escape(pin.product) if pin.product else "Your device"
        return _page(
            "Device linked",
            f'<p id="link-success">{device} is now linked to your Plex account.</p>\n'
            "<p>You can close this page.</p>",
        )

    sim.app.router.add_get("/link", show_form)
    sim.app.router.add_post("/link", submit)
