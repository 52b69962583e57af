"""Plex Media Server responses: JSON with `Accept: application/json`, XML otherwise.

A server's XML differs from plex.tv's: a list is a run of sibling elements named by its key
(`<Media><Part/></Media>`), and each item of MediaContainer.Metadata is named by its type
(`<Video>` for films and episodes, `<Track>` for music).
"""

import json
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web

from library.simulators.plextv.render import wants_json

ELEMENT_BY_TYPE = {
    "movie": "Video",
    "episode": "Video",
    "clip": "Video",
    "track": "Track",
    "photo": "Photo",
}


def _xml_value(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            _fill(ET.SubElement(element, key), value)
        elif isinstance(value, list):
            for item in value:
                tag = key
                if key == "Metadata" and isinstance(item, dict):
                    tag = ELEMENT_BY_TYPE.get(str(item.get("type")), "Directory")
                child = ET.SubElement(element, tag)
                if isinstance(item, dict):
                    _fill(child, item)
                else:
                    child.set("id", _xml_value(item))
        else:
            element.set(key, _xml_value(value))


def to_xml(container: dict[str, Any]) -> str:
    """Render a MediaContainer's contents as the server's XML."""
    root = ET.Element("MediaContainer")
    _fill(root, container)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def media_container(
    request: web.Request, container: dict[str, Any], *, status: int = 200
) -> web.Response:
    """Answer with a MediaContainer as JSON or XML, following the Accept header."""
    if wants_json(request):
        return web.Response(
            status=status,
            text=json.dumps({"MediaContainer": container}),
            content_type="application/json",
        )
    return web.Response(status=status, text=to_xml(container), content_type="application/xml")


def unauthorized() -> web.Response:
    """Answer a request without a valid token, as the server does: 401 and an HTML page."""
    return web.Response(
        status=401,
        text="<html><head><title>Unauthorized</title></head>"
        "<body><h1>401 Unauthorized</h1></body></html>",
        content_type="text/html",
    )
