"""Checks on the repository's files that must hold as the project grows."""

import ast
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
import yaml

from custom_components.plex_account.const import VERSION

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "plex_account"
# The integration's own code: the library beside it names no translation.
CODE = list(INTEGRATION.glob("*.py"))

# The rule ids of Home Assistant's integration quality scale (2026.10), bronze to platinum.
_RULES = """
    action-setup appropriate-polling brands common-modules config-flow-test-coverage
    config-flow dependency-transparency docs-actions docs-high-level-description
    docs-installation-instructions docs-removal-instructions entity-event-setup
    entity-unique-id has-entity-name runtime-data test-before-configure test-before-setup
    unique-config-entry
    action-exceptions config-entry-unloading docs-configuration-parameters
    docs-installation-parameters entity-unavailable integration-owner log-when-unavailable
    parallel-updates reauthentication-flow test-coverage
    devices diagnostics discovery-update-info discovery docs-data-update docs-examples
    docs-known-limitations docs-supported-devices docs-supported-functions
    docs-troubleshooting docs-use-cases dynamic-devices entity-category entity-device-class
    entity-disabled-by-default entity-translations exception-translations icon-translations
    reconfiguration-flow repair-issues stale-devices
    async-dependency inject-websession strict-typing
"""
QUALITY_SCALE_RULES = set(_RULES.split())
# Rules Home Assistant added for conditions and triggers; listed when they do not apply.
OPTIONAL_RULES = {"docs-conditions", "docs-triggers"}
# The keys HACS accepts in hacs.json.
HACS_KEYS = """
    name homeassistant hacs country zip_release filename hide_default_branch content_in_root
    persistent_directory
"""


def _load_json(path: Path) -> Any:  # noqa: ANN401
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_keys() -> None:
    """manifest.json: domain and name first, the rest alphabetical, all required keys."""
    manifest = _load_json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in ("codeowners", "dependencies", "requirements"):
        assert isinstance(manifest[key], list), key
    for key in ("documentation", "issue_tracker"):
        assert manifest[key].startswith("https://"), key
    assert [manifest[key] for key in keys[:2]] == ["plex_account", "Plex Account"]
    assert manifest["config_flow"] is True
    assert (manifest["integration_type"], manifest["iot_class"]) == ("service", "cloud_polling")
    # The version plex.tv is told is the one HACS installs.
    assert manifest["version"] == VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_hacs_and_the_releases_proven() -> None:
    """hacs.json has only keys HACS accepts, and asks for the oldest release proven.

    HACS wants exactly one integration under custom_components/. The unit tests' release
    lies between the oldest and newest release proven end to end.
    """
    integrations = [p for p in (ROOT / "custom_components").iterdir() if p.is_dir()]
    assert [p.name for p in integrations if not p.name.startswith("__")] == ["plex_account"]
    hacs = _load_json(ROOT / "hacs.json")
    assert set(hacs) <= set(HACS_KEYS.split())
    assert hacs["name"] == "Plex Account"
    # home-assistant-releases.txt's name=version lines.
    text = (ROOT / "home-assistant-releases.txt").read_text(encoding="utf-8")
    releases = dict(re.findall(r"^(\w+)=(\S+)\s*$", text, re.MULTILINE))
    assert set(releases) == {"oldest", "newest"}
    assert hacs["homeassistant"] == releases["oldest"]
    requirements = (ROOT / "requirements_test.txt").read_text()
    assert re.search(r"^pytest-homeassistant-custom-component==", requirements, re.MULTILINE)
    from homeassistant.const import __version__ as ha_version  # noqa: PLC0415

    def release(version: str) -> tuple[int, ...]:
        assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", version), version
        return tuple(int(part) for part in version.split("."))

    assert release(releases["oldest"]) <= release(ha_version) <= release(releases["newest"])


def test_quality_scale_lists_every_rule() -> None:
    """quality_scale.yaml names every rule, each done, todo or exempt with a reason."""
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) >= QUALITY_SCALE_RULES, QUALITY_SCALE_RULES - set(rules)
    assert set(rules) <= QUALITY_SCALE_RULES | OPTIONAL_RULES
    for rule, status in rules.items():
        if isinstance(status, dict):
            assert status["status"] in {"done", "exempt", "todo"}, rule
            if status["status"] == "exempt":
                assert status.get("comment", "").strip(), f"{rule}: exempt needs a reason"
        else:
            assert status in {"done", "todo"}, rule


@pytest.mark.parametrize(
    ("name", "size"), [("icon.png", 256), ("icon@2x.png", 512), ("logo.png", 256)]
)
def test_brand_images(name: str, size: int) -> None:
    """The integration ships its own brand images at the sizes Home Assistant expects."""
    data = (INTEGRATION / "brand" / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (size, size)


# Where the value of each keyword argument lives in translations/en.json.
KEYWORD_PATHS = {
    "step_id": ("config", "step"),
    "next_step_id": ("config", "step"),
    "reason": ("config", "abort"),
    "progress_action": ("config", "progress"),
    "errors": ("config", "error"),
    # The key of an action's failure when it is none of the kinds with words of their own.
    "failed_key": ("exceptions",),
}


class _Keys(ast.NodeVisitor):
    """The translation keys a module of the integration names, found in its syntax tree.

    Names bound to strings (module constants, `reason = "..."`) are followed.
    """

    def __init__(self, tree: ast.Module, platform: str) -> None:
        self.platform = platform
        self.names: dict[str, list[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and (found := self.strings(node.value)):
                        self.names[target.id] = found
        self.found: set[tuple[str, ...]] = set()
        self.visit(tree)

    def strings(self, node: ast.expr | None) -> list[str]:
        """Return the strings an expression stands for: a literal, a name, a dict's values."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value] if node.value else []
        if isinstance(node, ast.Name):
            return self.names.get(node.id, [])
        if isinstance(node, ast.Dict):
            return [s for value in node.values for s in self.strings(value)]
        if isinstance(node, ast.IfExp):
            return self.strings(node.body) + self.strings(node.orelse)
        return []

    def add(self, path: tuple[str, ...], node: ast.expr | None, leaf: str | None = None) -> None:
        self.found.update((*path, key, *([leaf] if leaf else [])) for key in self.strings(node))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        for keyword in node.keywords:
            if keyword.arg in KEYWORD_PATHS:
                leaf = "message" if keyword.arg == "failed_key" else None
                self.add(KEYWORD_PATHS[keyword.arg], keyword.value, leaf)
            elif keyword.arg == "translation_key":
                if name.endswith("EntityDescription"):
                    self.add(("entity", self.platform), keyword.value, "name")
                elif name == "async_create_issue":
                    self.add(("issues",), keyword.value, "title")
                else:
                    self.add(("exceptions",), keyword.value, "message")
        if name == "AbortFlow" and node.args:
            self.add(("config", "abort"), node.args[0])
        # What failed, when a failure is none of the kinds with words of their own.
        if name in {"translation", "action_errors"} and node.args:
            self.add(("exceptions",), node.args[-1], "message")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        arguments = node.args.args + node.args.kwonlyargs
        defaults = [*node.args.defaults, *node.args.kw_defaults]
        for argument, default in zip(arguments[-len(defaults) :], defaults, strict=False):
            if argument.arg == "failed_key":
                self.add(("exceptions",), default, "message")
        for inner in ast.walk(node):
            if isinstance(inner, ast.Return) and inner.value is not None:
                if node.name == "translation" and isinstance(inner.value, ast.Tuple):
                    self.add(("exceptions",), inner.value.elts[0], "message")
                # The form's error keys: "cannot_connect" ... or None.
                elif node.name == "_async_create_pin":
                    self.add(("config", "error"), inner.value)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]  # noqa: N815

    def visit_Assign(self, node: ast.Assign) -> None:
        # errors["field"] = "key" in the config flow
        if any(
            isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "errors"
            for t in node.targets
        ):
            self.add(("config", "error"), node.value)
        self.generic_visit(node)


def _has_key(tree: dict[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = tree
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_translation_keys_exist() -> None:
    """Every translation key the code names is in translations/en.json."""
    strings = _load_json(INTEGRATION / "translations" / "en.json")
    used = set().union(
        *(_Keys(ast.parse(path.read_text(encoding="utf-8")), path.stem).found for path in CODE)
    )
    # The scan sees every kind of key, the newest ones too.
    assert {
        ("exceptions", "answer_too_large", "message"),
        ("exceptions", "watched_not_removed", "message"),
        ("exceptions", "mark_watched_failed", "message"),
        ("exceptions", "cannot_connect", "message"),
        ("config", "abort", "entry_removed"),
        ("config", "error", "rate_limited"),
        ("config", "step", "link_failed"),
        ("issues", "server_token_refused", "title"),
        ("entity", "sensor", "active_streams", "name"),
        ("entity", "todo", "watchlist_of_account", "name"),
    } <= used
    assert sorted(".".join(key) for key in used if not _has_key(strings, key)) == []


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


def test_icons() -> None:
    """Each entity translation has an icon, none is orphaned, and the frontend can draw it."""
    import hass_frontend  # noqa: PLC0415 - only this test needs the frontend package

    strings = _load_json(INTEGRATION / "translations" / "en.json")["entity"]
    icons = _load_json(INTEGRATION / "icons.json")["entity"]
    named = {(platform, key) for platform, keys in strings.items() for key in keys}
    assert named
    assert named == {(platform, key) for platform, keys in icons.items() for key in keys}

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
