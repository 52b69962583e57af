"""Answers in JSON when the request accepts it, XML otherwise, as Plex's hosts answer.

Both simulators render XML alike: scalars as attributes (booleans as 1 and 0), objects as
child elements. They differ in how a list is laid out, which each says through fill().
"""

import json
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web

type TagOf = Callable[[str, object], str]
"""The tag of a list's item, from the list's key and the item."""


def wants_json(request: web.Request) -> bool:
    """Return whether the client asked for JSON."""
    return "application/json" in request.headers.get("Accept", "")


def xml_value(value: object) -> str:
    """Return a scalar as an XML attribute's value."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def fill(element: ET.Element, data: dict[str, Any], tag_of: TagOf, *, wrap_lists: bool) -> None:
    """Add data to element: scalars as attributes, objects and list items as children.

    A list's items are children of an element named by the list's key (`wrap_lists`, as
    plex.tv does) or of element itself (as a Plex Media Server does); tag_of names each.
    An item that is no object is an element with an `id` attribute.
    """
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            fill(ET.SubElement(element, key), value, tag_of, wrap_lists=wrap_lists)
        elif isinstance(value, list):
            parent = ET.SubElement(element, key) if wrap_lists else element
            for item in value:
                child = ET.SubElement(parent, tag_of(key, item))
                if isinstance(item, dict):
                    fill(child, item, tag_of, wrap_lists=wrap_lists)
                else:
                    child.set("id", xml_value(item))
        else:
            element.set(key, xml_value(value))


def xml_text(root: ET.Element) -> str:
    """Return an XML document of root, with its declaration."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def answer(
    request: web.Request,
    data: object,
    xml: Callable[[], str],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Answer data as JSON if the request accepts it, otherwise the document xml() renders."""
    if wants_json(request):
        text, kind = json.dumps(data), "application/json"
    else:
        text, kind = xml(), "application/xml"
    return web.Response(status=status, text=text, content_type=kind, headers=headers)
