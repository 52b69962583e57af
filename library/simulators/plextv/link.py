"""The /link page, where a user types the 4-character code a device shows."""

from html import escape
from typing import TYPE_CHECKING

from aiohttp import web

from .state import LINK_CODE_LENGTH

if TYPE_CHECKING:
    from .app import PlexTVSimulator

_STYLE = """
body { margin: 0; min-height: 100vh; display: flex; align-items: center;
  justify-content: center; background: #1f2326; color: #eee;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: 22rem; padding: 2rem; border-radius: 8px; background: #2b2f33;
  box-shadow: 0 8px 24px rgba(0, 0, 0, .4); text-align: center; }
h1 { margin: 0 0 1.5rem; font-size: 1.4rem; font-weight: 600; }
label { display: block; margin-bottom: .5rem; color: #bbb; }
input { box-sizing: border-box; width: 100%; padding: .6rem; font-size: 2rem;
  letter-spacing: .5rem; text-align: center; text-transform: uppercase;
  border: 1px solid #555; border-radius: 4px; background: #111; color: #fff; }
button { margin-top: 1rem; width: 100%; padding: .7rem; font-size: 1rem;
  font-weight: 600; border: 0; border-radius: 4px; background: #e5a00d;
  color: #1f2326; cursor: pointer; }
.error { margin: 0 0 1rem; padding: .6rem; border-radius: 4px; background: #5c1e1e;
  color: #ffd7d7; }
.linked { font-size: 1.1rem; }
"""


def _page(title: str, content: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{content}\n</main>\n</body>\n</html>\n"
    )


def form_page(*, code: str = "", error: str | None = None) -> str:
    """Return the link form, with an error message above it if given."""
    message = (
        f'<p class="error" id="link-error" role="alert">{escape(error)}</p>\n' if error else ""
    )
    return _page(
        "Link Account",
        "<h1>Link Account</h1>\n"
        f"{message}"
        '<form method="post" action="/link">\n'
        '<label for="code">Enter the code</label>\n'
        f'<input type="text" id="code" name="code" maxlength="{LINK_CODE_LENGTH}" '
        f'value="{escape(code)}" autocomplete="off" autocapitalize="characters" '
        'spellcheck="false" autofocus required>\n'
        '<button type="submit" id="link-submit">Link</button>\n'
        "</form>",
    )


def linked_page(product: str) -> str:
    """Return the page shown once a code has been approved."""
    device = escape(product) if product else "Your device"
    return _page(
        "Device linked",
        "<h1>Device linked</h1>\n"
        f'<p class="linked" id="link-success">{device} is now linked to your Plex account.</p>\n'
        "<p>You can close this page.</p>",
    )


BAD_CODE = "That code was not found or has expired. Check the code on your device and try again."


def add_link_routes(sim: PlexTVSimulator) -> None:
    """Serve GET and POST /link for sim."""

    async def show_form(request: web.Request) -> web.Response:
        code = request.query.get("code", "")[:LINK_CODE_LENGTH]
        return web.Response(text=form_page(code=code), content_type="text/html")

    async def submit(request: web.Request) -> web.Response:
        form = await request.post()
        raw = form.get("code")
        code = raw.strip().upper() if isinstance(raw, str) else ""
        # plex.tv/link takes only the short codes; strong codes belong to app.plex.tv.
        if len(code) == LINK_CODE_LENGTH:
            try:
                pin = sim.find_pending_pin(code)
            except KeyError:
                pass
            else:
                sim.approve(pin.code)
                return web.Response(text=linked_page(pin.product), content_type="text/html")
        return web.Response(
            status=400,
            text=form_page(code=code[:LINK_CODE_LENGTH], error=BAD_CODE),
            content_type="text/html",
        )

    sim.app.router.add_get("/link", show_form)
    sim.app.router.add_post("/link", submit)
