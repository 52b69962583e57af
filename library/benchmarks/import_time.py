"""Import time: the library and the integration beside python-plexapi and plex-api-client.

Each figure is the time of importing the listed modules in a fresh process forked from an
interpreter (`library.benchmarks.import_zygote`) that imported a preload once: the package's
own requirements alone (`alone`); Home Assistant's modules, every outside module the
integration imports, as a running Home Assistant has them (`after HA`); or both, so that only
the package's own modules are timed (`own code`). Without Home Assistant installed, the
columns and the row that need it are left out.
"""

import argparse
import ast
import compileall
import importlib.metadata
import importlib.util
import json
import statistics
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness import ROOT, runner

INTEGRATION = ROOT / "custom_components" / "plex_account"
LIBRARY = INTEGRATION / "aioplexaccount"


class Zygote:
    """An interpreter that has imported a preload and forks one child per measurement."""

    def __init__(self, preload: tuple[str, ...], check: Sequence[str]) -> None:
        """Start the interpreter and wait until it has imported the preload."""
        spec = {"peers": str(runner.PEERS_DIR), "preload": preload, "check": list(check)}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module names
            [sys.executable, "-m", "library.benchmarks.import_zygote", json.dumps(spec)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self.answer()
        self.preload_seconds = float(ready["preload"])
        self.present = set(ready["present"])

    def answer(self, targets: Sequence[str] | None = None) -> dict[str, Any]:
        """Import targets in a fresh child (none: read the zygote's own line); return its answer."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        if targets is not None:
            self.process.stdin.write(json.dumps(list(targets)) + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        answer: dict[str, Any] = json.loads(line) if line else {"error": "the zygote ended"}
        if "error" in answer:
            raise runner.BenchmarkError(answer["error"])
        return answer

    def close(self) -> None:
        """End the interpreter."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def modules_of(package: str, folder: Any) -> list[str]:  # noqa: ANN401 - a Path
    """Return every module of a package in folder, the package first."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        found.append(".".join((package, *parts[: -1 if parts[-1] == "__init__" else None])))
    return sorted(found, key=lambda name: (name != package, name))


def home_assistant() -> tuple[str, ...]:
    """Return the outside modules the integration names in its imports, stdlib left out.

    Home Assistant's modules and its own requirements (aiohttp, probatio): what a running
    Home Assistant has loaded already. The standard library's are not preloaded, so loading
    them counts as the integration's if Home Assistant has not loaded them already.
    """
    names: set[str] = set()
    for path in INTEGRATION.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    ours = {"custom_components", "__future__", "aioplexaccount"}
    return tuple(
        sorted(n for n in names if n.partition(".")[0] not in sys.stdlib_module_names | ours)
    )


def requirements_of(distribution: str) -> tuple[str, ...]:
    """Return the import names of a package's unconditional requirements."""
    if distribution == "aioplexaccount":
        pyproject = tomllib.loads((ROOT / "library" / "pyproject.toml").read_text())
        requires = pyproject["project"]["dependencies"]
    else:
        [dist] = importlib.metadata.distributions(name=distribution, path=[str(runner.PEERS_DIR)])
        requires = [r for r in dist.requires or [] if "extra" not in r.partition(";")[2]]
    names = [r.partition(";")[0].strip() for r in requires]
    for stop in " <>=!~([":
        names = [name.partition(stop)[0] for name in names]
    return tuple(name.replace("-", "_").lower() for name in names)


@dataclass(kw_only=True)
class Row:
    """One line of the table: what is imported, and its times by preload."""

    label: str
    targets: tuple[str, ...]
    requirements: tuple[str, ...] | None
    """None for the integration, which has no life outside Home Assistant."""
    seconds: dict[str, list[float]] = field(default_factory=dict)
    modules: dict[str, int] = field(default_factory=dict)

    def preloads(self, ha: tuple[str, ...] | None) -> dict[str, tuple[str, ...]]:
        """Return the preload of each column that applies to the row."""
        found: dict[str, tuple[str, ...]] = {}
        if self.requirements is not None:
            found["alone"] = self.requirements
        if ha is not None:
            found["after HA"] = ha
            if self.requirements is not None:
                found["own code"] = (*ha, *self.requirements)
        return found

    @property
    def shown(self) -> str:
        """Return what the row imports, in short."""
        if len(self.targets) > 3:
            return f"{self.targets[0]} and its {len(self.targets) - 1} submodules"
        return ", ".join(self.targets)

    def cell(self, column: str) -> str:
        """Return the median time and modules added of one column."""
        if column not in self.seconds:
            same = column == "own code" and self.requirements is not None
            return "(same)" if same and "after HA" in self.seconds else "-"
        return f"{statistics.median(self.seconds[column]) * 1000:.1f} ms / {self.modules[column]}"


def rows() -> list[Row]:
    """Return the library, the integration and the peers, each with what it imports."""
    peers = runner.pinned_peers()
    client = f"plex-api-client {peers['plex-api-client']}"
    library = ("aioplexaccount", modules_of("aioplexaccount", LIBRARY))
    integration = modules_of("custom_components.plex_account", INTEGRATION)
    sub_sdks = ("plex_api_client", "plex_api_client.plex", "plex_api_client.authentication")
    return [
        Row(label="aioplexaccount (the library)", targets=tuple(library[1]),
            requirements=requirements_of("aioplexaccount")),
        Row(label="plex_account (the integration)", targets=tuple(integration), requirements=None),
        Row(label=f"python-plexapi {peers['plexapi']}", targets=("plexapi.myplex",),
            requirements=requirements_of("PlexAPI")),
        Row(label=client, targets=("plex_api_client",),
            requirements=requirements_of("plex-api-client")),
        Row(label=client, targets=sub_sdks, requirements=requirements_of("plex-api-client")),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> None:
    """Time every row and column `runs` times, in turn, after one import each not counted."""
    runner.ensure_peers()
    # pip compiled Home Assistant and the peers at install; compile ours too, as a real
    # installation does on first import (PYTHONDONTWRITEBYTECODE may forbid that here).
    compileall.compile_dir(INTEGRATION, quiet=1)
    ha = home_assistant() if importlib.util.find_spec("homeassistant") else None
    table = [row for row in rows() if ha is not None or row.requirements is not None]
    requirements = sorted({name for row in table for name in row.requirements or ()})
    zygotes: dict[tuple[str, ...], Zygote] = {}
    cases = []
    try:
        for row in table:
            for column, preload in row.preloads(ha).items():
                if preload not in zygotes:
                    zygotes[preload] = Zygote(preload, requirements)
                # A requirement Home Assistant has loaded already is no extra cost.
                loaded = zygotes[ha or ()].present if column == "own code" else set()
                if set(row.requirements or ()) - loaded or column != "own code":
                    cases.append((row, column, zygotes[preload]))
        for round_number in range(args.runs + 1):  # the first round is not counted
            for row, column, zygote in cases:
                answer = zygote.answer(row.targets)
                if round_number:
                    row.seconds.setdefault(column, []).append(answer["seconds"])
                    row.modules[column] = len(answer["modules"])
    finally:
        for zygote in zygotes.values():
            zygote.close()
    print(f"\nImport time, each in a fresh process, median of {args.runs} / modules it added")
    cells = [
        [row.label, *(row.cell(c) for c in ("alone", "after HA", "own code")), row.shown]
        for row in table
    ]
    print(runner.table("<package|alone|after HA|own code|<imported", cells))
    print(f"\nalone: the package's requirements preloaded ({', '.join(requirements)})")
    if ha is not None:
        roots = sorted({name.partition(".")[0] for name in ha})
        print(
            f"after HA: the {len(ha)} outside modules the integration imports ({', '.join(roots)}) "
            f"and what they import; that preload took {zygotes[ha].preload_seconds * 1000:.0f} ms "
            "once. own code: both; (same) when Home Assistant loads the requirements already."
        )


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--runs", type=int, default=20, help="timed imports per cell (20)")


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"runs": 1})


if __name__ == "__main__":
    main()
