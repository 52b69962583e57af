"""Checks on the repository's files that must hold as the project grows."""

import ast
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "plex_account"

# The rule ids of Home Assistant's integration quality scale (2026.10).
QUALITY_SCALE_RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
# Rules Home Assistant added for conditions and triggers; listed when they do not apply.
OPTIONAL_RULES = {"docs-conditions", "docs-triggers"}


def _load_json(path: Path) -> Any:  # noqa: ANN401
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_keys() -> None:
    """manifest.json: domain and name first, the rest alphabetical, all required keys."""
    manifest = _load_json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "plex_account"
    assert manifest["name"] == "Plex Account"
    required = {
        "codeowners": list,
        "config_flow": bool,
        "dependencies": list,
        "documentation": str,
        "integration_type": str,
        "iot_class": str,
        "issue_tracker": str,
        "requirements": list,
        "version": str,
    }
    for key, kind in required.items():
        assert isinstance(manifest[key], kind), key
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "service"
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])


def _pinned_releases() -> dict[str, str]:
    """Return home-assistant-releases.txt's name=version lines (oldest, newest)."""
    text = (ROOT / "home-assistant-releases.txt").read_text(encoding="utf-8")
    return dict(re.findall(r"^(\w+)=(\S+)\s*$", text, re.MULTILINE))


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_hacs_json() -> None:
    """hacs.json has only keys HACS accepts; the minimum version is the oldest one proven."""
    hacs = _load_json(ROOT / "hacs.json")
    allowed = {
        "name",
        "homeassistant",
        "hacs",
        "country",
        "zip_release",
        "filename",
        "hide_default_branch",
        "content_in_root",
        "persistent_directory",
    }
    assert set(hacs) <= allowed
    assert hacs["name"] == "Plex Account"
    releases = _pinned_releases()
    assert set(releases) == {"oldest", "newest"}
    assert hacs["homeassistant"] == releases["oldest"]


def test_pinned_releases_surround_the_tested_one() -> None:
    """The unit tests' release lies between the oldest and newest release proven end to end."""
    pinned = re.search(
        r"^pytest-homeassistant-custom-component==",
        (ROOT / "requirements_test.txt").read_text(),
        re.MULTILINE,
    )
    assert pinned
    from homeassistant.const import __version__ as ha_version  # noqa: PLC0415

    releases = _pinned_releases()
    for version in releases.values():
        assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", version), version
    assert _release(releases["oldest"]) <= _release(ha_version) <= _release(releases["newest"])


def test_one_integration_for_hacs() -> None:
    """HACS wants exactly one integration under custom_components/."""
    integrations = [p for p in (ROOT / "custom_components").iterdir() if p.is_dir()]
    assert [p.name for p in integrations if not p.name.startswith("__")] == ["plex_account"]


def test_quality_scale_lists_every_rule() -> None:
    """quality_scale.yaml names every rule, each done, todo or exempt with a reason."""
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    expected = {rule for tier in QUALITY_SCALE_RULES.values() for rule in tier}
    assert expected <= set(rules), expected - set(rules)
    assert set(rules) <= expected | OPTIONAL_RULES, set(rules) - expected - OPTIONAL_RULES
    for rule, status in rules.items():
        if isinstance(status, dict):
            assert status["status"] in {"done", "exempt", "todo"}, rule
            if status["status"] == "exempt":
                assert status.get("comment", "").strip(), f"{rule}: exempt needs a reason"
        else:
            assert status in {"done", "todo"}, rule


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    ("name", "size"), [("icon.png", 256), ("icon@2x.png", 512), ("logo.png", 256)]
)
def test_brand_images(name: str, size: int) -> None:
    """The integration ships its own brand images at the sizes Home Assistant expects."""
    assert _png_size(INTEGRATION / "brand" / name) == (size, size)


def _has_key(tree: dict[str, Any], path: list[str]) -> bool:
    node: Any = tree
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _strings(node: ast.expr) -> list[str]:
    """String constants of an expression: a literal, or the values of a dict literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Dict):
        return [s for value in node.values if value is not None for s in _strings(value)]
    return []


# keyword argument -> where its value lives in translations/en.json
KEYWORD_PATHS = {
    "step_id": ("config", "step"),
    "reason": ("config", "abort"),
    "progress_action": ("config", "progress"),
    "errors": ("config", "error"),
}


def _call_keys(node: ast.Call, platform: str) -> set[tuple[str, ...]]:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    keys: set[tuple[str, ...]] = set()
    for kw in node.keywords:
        if kw.arg in KEYWORD_PATHS:
            keys.update((*KEYWORD_PATHS[kw.arg], key) for key in _strings(kw.value))
        elif kw.arg == "translation_key":
            for key in _strings(kw.value):
                if name.endswith("EntityDescription"):
                    keys.add(("entity", platform, key, "name"))
                else:
                    keys.add(("exceptions", key, "message"))
    return keys


def _used_translation_keys() -> set[tuple[str, ...]]:
    """Translation paths the integration's code refers to, found in its syntax tree."""
    used: set[tuple[str, ...]] = set()
    for path in INTEGRATION.rglob("*.py"):
        if "plextv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                used |= _call_keys(node, path.stem)
            # errors["field"] = "key" in config flows
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "errors"
                for t in node.targets
            ):
                used.update(("config", "error", key) for key in _strings(node.value))
    return used


def test_translation_keys_exist() -> None:
    """Every translation key used in code is in translations/en.json."""
    strings = _load_json(INTEGRATION / "translations" / "en.json")
    missing = sorted(
        ".".join(key) for key in _used_translation_keys() if not _has_key(strings, list(key))
    )
    assert not missing


def test_readme_sections() -> None:
    """The README covers what the documentation rules of the quality scale ask for."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for heading in (
        "## What you get",
        "### How data is updated",
        "### Examples",
        "### Use cases",
        "### Known limitations",
        "### Troubleshooting",
        "## Installation",
        "## Configuration",
        "## Removal",
        "## Development",
    ):
        assert heading in readme, heading
    assert "scripts/setup" in readme
    assert "scripts/test" in readme


def test_every_entity_has_an_icon() -> None:
    """Each entity translation has an icon in icons.json, and no icon is orphaned."""
    strings = _load_json(INTEGRATION / "translations" / "en.json")["entity"]
    icons = _load_json(INTEGRATION / "icons.json")["entity"]
    named = {(platform, key) for platform, keys in strings.items() for key in keys}
    with_icon = {(platform, key) for platform, keys in icons.items() for key in keys}
    assert named
    assert named == with_icon


def test_icons_exist_in_the_frontend() -> None:
    """Every mdi: icon the integration names is one the installed frontend can draw."""
    import hass_frontend  # noqa: PLC0415 - only this test needs the frontend package

    icon_list = Path(hass_frontend.where()) / "static" / "mdi" / "iconList.json"
    known = {f"mdi:{icon['name']}" for icon in _load_json(icon_list)}
    used = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in INTEGRATION.rglob("*")
        if path.suffix in {".json", ".py", ".yaml"}
        for name in re.findall(r"mdi:[a-z0-9-]+", path.read_text())
    }
    assert {name for _, name in used} >= {"mdi:server", "mdi:ticket-confirmation"}
    assert sorted(item for item in used if item[1] not in known) == []
