"""Print what a real Home Assistant needs beyond its own package to run with --skip-pip.

Run it with the Python of a virtual environment that has `homeassistant` installed: it reads
that release's own lists (bootstrap's always-loaded integrations, the base components that
its service helper imports to check service descriptions) and manifests, follows each
integration's dependencies, and prints one requirement a line: the pinned web interface
(`home-assistant-frontend`) and the requirements of every integration that starts or is
imported. Those are what scripts/develop's Home Assistant imports; with --skip-pip it installs
none of them.
"""

import ast
import json
import sys
from pathlib import Path

from homeassistant import bootstrap, components
from homeassistant.helpers import service

# The integrations that scripts/develop's configuration.yaml sets up, beyond the defaults.
CONFIGURED = {
    "frontend",
    "config",
    "history",
    "logbook",
    "system_health",
    "conversation",
    "logger",
    "http",
}
# Set up by Home Assistant outside bootstrap's lists; harmless when a release lacks one.
ALWAYS = {"onboarding", "auth", "api", "websocket_api"}


def _manifest(domain: str) -> dict[str, object] | None:
    path = Path(components.__file__).parent / domain / "manifest.json"
    if not path.is_file():
        return None
    manifest: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def imported_by_service_helper() -> set[str]:
    """Return the integrations that helpers/service.py imports by name.

    It imports the base components (`from homeassistant.components import a, b`) when the
    web interface first asks for the service descriptions.
    """
    tree = ast.parse(Path(service.__file__).read_text(encoding="utf-8"))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "homeassistant.components"
        for alias in node.names
    }


def started_domains() -> set[str]:
    """Return every built-in integration that starts, with the dependencies of each."""
    todo = set(bootstrap.CORE_INTEGRATIONS) | set(bootstrap.DEFAULT_INTEGRATIONS)
    todo |= CONFIGURED | ALWAYS | imported_by_service_helper()
    seen: set[str] = set()
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        manifest = _manifest(domain)
        if manifest is None:
            continue
        seen.add(domain)
        dependencies = manifest.get("dependencies", [])
        assert isinstance(dependencies, list)
        todo |= set(dependencies) - seen
    return seen


def main() -> int:
    """Print the requirements, sorted, without duplicates."""
    requirements: set[str] = set()
    for domain in started_domains():
        manifest = _manifest(domain)
        assert manifest is not None
        found = manifest.get("requirements", [])
        assert isinstance(found, list)
        requirements.update(str(requirement) for requirement in found)
    if not any(r.startswith("home-assistant-frontend==") for r in requirements):
        print("the frontend's manifest pins no home-assistant-frontend", file=sys.stderr)
        return 1
    print("\n".join(sorted(requirements, key=str.lower)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
