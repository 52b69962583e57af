"""plex.tv-style responses: JSON when the client accepts it, XML otherwise.

plex.tv's XML puts a list's items in an element named by its key, each named by the key in
the singular (`<connections><connection/></connections>`).
"""

from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web

from library.simulators.common import phrase
from library.simulators.render import answer, fill, xml_text

ERRORS: dict[int, tuple[int, str]] = {
    400: (1000, "X-Plex-Client-Identifier is missing"),
    401: (1001, "User could not be authenticated"),
    404: (1020, "Code not found or expired"),
    # plex.tv's code for this answer is not documented; the status and message are.
    422: (1002, "Invalid token"),
    429: (1003, "API rate limit exceeded"),
}


def _singular(key: str, _item: object = None) -> str:
    return key[:-3] + "y" if key.endswith("ies") else key.removesuffix("s")


def to_xml(tag: str, data: dict[str, Any] | list[dict[str, Any]]) -> str:
    """Render data as plex.tv renders XML: scalars as attributes, objects as children."""
    root = ET.Element(tag)
    if isinstance(data, list):
        root.set("size", str(len(data)))
        for item in data:
            fill(ET.SubElement(root, _singular(tag)), item, _singular, wrap_lists=True)
    else:
        fill(root, data, _singular, wrap_lists=True)
    return xml_text(root)


def payload(
    request: web.Request, tag: str, data: dict[str, Any] | list[dict[str, Any]], status: int = 200
) -> web.Response:
    """Answer with data as JSON or XML, following the request's Accept header."""
    return answer(request, data, lambda: to_xml(tag, data), status=status)


def error(
    request: web.Request,
    status: int,
    *,
    code: int | None = None,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Answer with a plex.tv-style error body (a status without a plex.tv code: its own)."""
    default_code, default_message = ERRORS.get(status, (status, phrase(status)))
    entry = {"code": code or default_code, "message": message or default_message, "status": status}

    def xml() -> str:
        root = ET.Element("errors")
        ET.SubElement(root, "error", {key: str(value) for key, value in entry.items()})
        return xml_text(root)

    return answer(request, {"errors": [entry]}, xml, status=status, headers=headers)


def error_page(request: web.Request, status: int, headers: dict[str, str]) -> web.Response:
    """Answer a fault's status with plex.tv's error body."""
    return error(request, status, headers=headers)
