"""plex.tv-style responses: JSON when the client accepts it, XML otherwise."""

import json
from http import HTTPStatus
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web

ERRORS: dict[int, tuple[int, str]] = {
    400: (1000, "X-Plex-Client-Identifier is missing"),
    401: (1001, "User could not be authenticated"),
    404: (1020, "Code not found or expired"),
    # plex.tv's code for this answer is not documented; the status and message are.
    422: (1002, "Invalid token"),
    429: (1003, "API rate limit exceeded"),
}


def wants_json(request: web.Request) -> bool:
    """Return whether the client asked for JSON."""
    return "application/json" in request.headers.get("Accept", "")


def _xml_value(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _singular(key: str) -> str:
    if key.endswith("ies"):
        return key[:-3] + "y"
    return key.removesuffix("s")


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            child = ET.SubElement(element, key)
            _fill(child, value)
        elif isinstance(value, list):
            container = ET.SubElement(element, key)
            for item in value:
                entry = ET.SubElement(container, _singular(key))
                if isinstance(item, dict):
                    _fill(entry, item)
                else:
                    entry.set("id", _xml_value(item))
        else:
            element.set(key, _xml_value(value))


def to_xml(tag: str, data: dict[str, Any] | list[dict[str, Any]]) -> str:
    """Render data as plex.tv renders XML: scalars as attributes, objects as children."""
    root = ET.Element(tag)
    if isinstance(data, list):
        root.set("size", str(len(data)))
        for item in data:
            _fill(ET.SubElement(root, _singular(tag)), item)
    else:
        _fill(root, data)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def payload(
    request: web.Request,
    tag: str,
    data: dict[str, Any] | list[dict[str, Any]],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Answer with data as JSON or XML, following the request's Accept header."""
    if wants_json(request):
        return web.Response(
            status=status,
            text=json.dumps(data),
            content_type="application/json",
            headers=headers,
        )
    return web.Response(
        status=status,
        text=to_xml(tag, data),
        content_type="application/xml",
        headers=headers,
    )


def error_body(status: int) -> tuple[int, str]:
    """Return plex.tv's error code and message for a status."""
    if status in ERRORS:
        return ERRORS[status]
    # No documented plex.tv code: reuse the status and its reason phrase.
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return status, phrase


def error(
    request: web.Request,
    status: int,
    *,
    code: int | None = None,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Answer with a plex.tv-style error body."""
    default_code, default_message = error_body(status)
    entry = {
        "code": default_code if code is None else code,
        "message": default_message if message is None else message,
        "status": status,
    }
    if wants_json(request):
        return web.Response(
            status=status,
            text=json.dumps({"errors": [entry]}),
            content_type="application/json",
            headers=headers,
        )
    root = ET.Element("errors")
    ET.SubElement(root, "error", {key: str(value) for key, value in entry.items()})
    return web.Response(
        status=status,
        text='<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode"),
        content_type="application/xml",
        headers=headers,
    )
