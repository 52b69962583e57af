"""Plex Media Server responses: JSON with `Accept: application/json`, XML otherwise.

A server's XML differs from plex.tv's: a list is a run of sibling elements named by its key
(`<Media><Part/></Media>`), and each item of MediaContainer.Metadata is named by its type
(`<Video>` for films and episodes, `<Track>` for music). Errors are short HTML pages.
"""

from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web

from library.simulators.common import phrase
from library.simulators.render import answer, fill, xml_text

TOKEN = "X-Plex-Token"  # noqa: S105 - a header name, not a secret
ELEMENT_BY_TYPE = {
    "movie": "Video",
    "episode": "Video",
    "clip": "Video",
    "track": "Track",
    "photo": "Photo",
}


def _tag(key: str, item: object) -> str:
    if key == "Metadata" and isinstance(item, dict):
        return ELEMENT_BY_TYPE.get(str(item.get("type")), "Directory")
    return key


def to_xml(container: dict[str, Any]) -> str:
    """Render a MediaContainer's contents as the server's XML."""
    root = ET.Element("MediaContainer")
    fill(root, container, _tag, wrap_lists=False)
    return xml_text(root)


def media_container(
    request: web.Request, container: dict[str, Any], headers: dict[str, str] | None = None
) -> web.Response:
    """Answer with a MediaContainer as JSON or XML, following the Accept header."""
    return answer(
        request, {"MediaContainer": container}, lambda: to_xml(container), headers=headers
    )


def error_page(status: int, headers: dict[str, str] | None = None) -> web.Response:
    """Answer with a status and the server's short HTML page."""
    title = phrase(status)
    text = f"<html><head><title>{title}</title></head><body><h1>{status} {title}</h1></body></html>"
    return web.Response(status=status, text=text, content_type="text/html", headers=headers)
