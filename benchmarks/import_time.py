"""Import time: the integration beside python-plexapi and plex-api-client, after Home Assistant.

Each figure is the time of importing the listed modules in a fresh process in which Home
Assistant's modules (every outside module the integration imports) are already imported, as
they are in a running Home Assistant. The processes are forked from a `benchmarks.import_zygote`
interpreter that imported that preload once.

Run from the repository root:

    .venv/bin/python -m benchmarks.import_time [--runs 20]

The peers are installed on first use into .cache/bench-peers (see requirements-peers.txt).
"""

import argparse
import ast
import compileall
import importlib.metadata
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.common import (
    PEERS_DIR,
    ROOT,
    BenchmarkError,
    ensure_peers,
    load_average,
    loopback_only,
    machine,
    percentile,
    pinned_peers,
    render_table,
    setup_logging,
)

PACKAGE = "custom_components.plex_account"
PACKAGE_DIR = ROOT / "custom_components" / "plex_account"


@dataclass(frozen=True, kw_only=True)
class ImportCase:
    """What is loaded before the clock starts, and what is timed."""

    targets: tuple[str, ...]
    preload: tuple[str, ...]


@dataclass(kw_only=True)
class ImportFigures:
    """The timed imports of one case."""

    seconds: list[float]
    modules: list[str]


class Zygote:
    """An interpreter that has imported a preload and forks one child per measurement."""

    def __init__(self, preload: tuple[str, ...], check: Sequence[str]) -> None:
        """Start the interpreter and wait until it has imported the preload."""
        spec = {"peers": str(PEERS_DIR), "preload": preload, "check": list(check)}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module names
            [sys.executable, "-m", "benchmarks.import_zygote", json.dumps(spec)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._answer()
        self.preload_seconds = float(ready["preload"])
        self.present = set(ready["present"])

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            msg = f"the import interpreter ended (exit {self.process.wait()})"
            raise BenchmarkError(msg)
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise BenchmarkError(answer["error"])
        return answer

    def measure(self, targets: Sequence[str]) -> tuple[float, list[str]]:
        """Import targets in a fresh child; return the seconds and the modules it loaded."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(list(targets)) + "\n")
        self.process.stdin.flush()
        answer = self._answer()
        return float(answer["seconds"]), list(answer["modules"])

    def close(self) -> None:
        """End the interpreter."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def package_modules() -> list[str]:
    """Return every module of the integration, the package first."""
    modules = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join((PACKAGE, *parts)))
    return sorted(modules, key=lambda name: (name != PACKAGE, name))


def home_assistant_baseline() -> list[str]:
    """Return the outside modules the integration names in its imports, stdlib left out.

    These are Home Assistant's modules and its own requirements (aiohttp, probatio): what a
    running Home Assistant has loaded already. Standard-library modules the integration
    imports are not preloaded, so loading them counts as the integration's.
    """
    names: set[str] = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(
        name
        for name in names
        if name.partition(".")[0] not in sys.stdlib_module_names
        and name.partition(".")[0] not in {"custom_components", "__future__"}
    )


def requirements_of(distribution: str) -> tuple[str, ...]:
    """Return the import names of a peer's unconditional requirements (name == module here)."""
    found = [
        dist
        for dist in importlib.metadata.distributions(path=[str(PEERS_DIR)])
        if dist.metadata["Name"].lower() == distribution.lower()
    ]
    if not found:
        msg = f"{distribution} is not installed in {PEERS_DIR}"
        raise BenchmarkError(msg)
    modules = []
    for requirement in found[0].requires or []:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        name = spec.strip()
        for stop in " <>=!~([":
            name = name.partition(stop)[0]
        modules.append(name.replace("-", "_").lower())
    return tuple(modules)


@dataclass(kw_only=True)
class ImportRow:
    """One line of the import table."""

    label: str
    shown: str
    after_ha: ImportCase
    own_code: ImportCase | None
    """None when the package needs nothing that Home Assistant has not loaded already."""
    requirements: tuple[str, ...] = ()


@dataclass(kw_only=True)
class ImportResults:
    """Everything the import table shows."""

    rows: list[ImportRow]
    figures: dict[ImportCase, ImportFigures]
    baseline: tuple[str, ...]
    preload_seconds: float
    runs: int


def import_rows(baseline: tuple[str, ...]) -> list[ImportRow]:
    """Return what to import for the integration and each peer."""
    versions = pinned_peers()
    ours = tuple(package_modules())
    rows = [
        ImportRow(
            label="plex_account (this)",
            shown=f"{PACKAGE} and its {len(ours) - 1} submodules",
            after_ha=ImportCase(targets=ours, preload=baseline),
            own_code=None,
        )
    ]
    client = f"plex-api-client {versions['plex-api-client']}"
    peers = [
        (f"python-plexapi {versions['plexapi']}", "PlexAPI", ("plexapi.myplex",)),
        (client, "plex-api-client", ("plex_api_client",)),
        (
            client,
            "plex-api-client",
            ("plex_api_client", "plex_api_client.plex", "plex_api_client.authentication"),
        ),
    ]
    for label, distribution, targets in peers:
        requirements = requirements_of(distribution)
        rows.append(
            ImportRow(
                label=label,
                shown=", ".join(targets),
                after_ha=ImportCase(targets=targets, preload=baseline),
                own_code=ImportCase(targets=targets, preload=(*baseline, *requirements)),
                requirements=requirements,
            )
        )
    return rows


def bench_imports(runs: int) -> ImportResults:
    """Time every case `runs` times, round-robin, after one import each not counted."""
    # pip compiled Home Assistant and the peers at install; compile ours too, as a real
    # installation does on first import (here PYTHONDONTWRITEBYTECODE may forbid that).
    compileall.compile_dir(ROOT / "custom_components", quiet=1)
    baseline = tuple(home_assistant_baseline())
    rows = import_rows(baseline)
    requirements = sorted({name for row in rows for name in row.requirements})
    zygotes = {baseline: Zygote(baseline, requirements)}
    try:
        already = zygotes[baseline].present
        for row in rows:
            # A requirement Home Assistant has loaded already is no extra cost: no second case.
            if row.own_code is not None and set(row.requirements) <= already:
                row.own_code = None
        cases = [row.after_ha for row in rows]
        cases += [row.own_code for row in rows if row.own_code is not None]
        for case in cases:
            if case.preload not in zygotes:
                zygotes[case.preload] = Zygote(case.preload, [])
        figures = {case: ImportFigures(seconds=[], modules=[]) for case in cases}
        for case in cases:  # not counted: the first child may still fill disk caches
            zygotes[case.preload].measure(case.targets)
        for _ in range(runs):
            for case in cases:
                seconds, modules = zygotes[case.preload].measure(case.targets)
                figures[case].seconds.append(seconds)
                figures[case].modules = modules
        preload_seconds = zygotes[baseline].preload_seconds
    finally:
        for zygote in zygotes.values():
            zygote.close()
    return ImportResults(
        rows=rows,
        figures=figures,
        baseline=baseline,
        preload_seconds=preload_seconds,
        runs=runs,
    )


def render_imports(results: ImportResults) -> str:
    """Return the import table."""

    def cell(case: ImportCase | None) -> str:
        if case is None:
            return "(same)"
        runs = results.figures[case]
        return f"{statistics.median(runs.seconds) * 1000:.1f} ms / {len(runs.modules)}"

    cells = [
        [
            row.label,
            cell(row.after_ha),
            cell(row.own_code),
            f"{percentile(results.figures[row.after_ha].seconds, 0.95) * 1000:.1f} ms",
            row.shown,
        ]
        for row in results.rows
    ]
    columns = [("package", "<"), ("after HA: median / mods", ">")]
    columns += [("own code: median / mods", ">"), ("p95 (after HA)", ">"), ("imported", "<")]
    lines = [render_table(columns, cells)]
    ours = results.rows[0].after_ha
    outside = [name for name in results.figures[ours].modules if not name.startswith(PACKAGE)]
    roots = sorted({name.partition(".")[0] for name in results.baseline})
    extra = sorted({name for row in results.rows if row.own_code for name in row.requirements})
    lines += [
        "",
        (
            f"HA (preloaded before every timed import): the {len(results.baseline)} modules "
            f"from outside the integration that it imports ({', '.join(roots)}) and all they "
            f"import; that preload took {results.preload_seconds * 1000:.0f} ms once"
        ),
        (
            "own code: the peer's requirements were preloaded too: "
            + (", ".join(extra) or "none (HA loads them already)")
        ),
        f"{ours.targets[0]} loaded outside its own package: {', '.join(outside) or 'nothing'}",
        f"mods: modules the timed import added; medians of {results.runs} children per cell",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.import_time", description=__doc__.partition("\n")[0]
    )
    parser.add_argument(
        "--runs", type=int, default=20, help="timed imports (fresh processes) per case (20)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark."""
    args = parse_args(argv)
    setup_logging()
    ensure_peers()
    print(machine(), flush=True)
    started = time.monotonic()
    with loopback_only():
        results = bench_imports(args.runs)
    print("\nImport time, each in a fresh process with Home Assistant's modules loaded")
    print(render_imports(results))
    print(
        f"\nwall time {time.monotonic() - started:.0f} s; load average {load_average()} at the end"
    )


if __name__ == "__main__":
    main()
