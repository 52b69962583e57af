"""Opening a large library: 20,000 films in the Media panel, ours beside core's way.

A Plex Media Server simulator (in its own process, on 127.0.0.2) is the Living Room Server,
its Films library holding `--films` generated films more than its six sample ones. The
integration runs in a real Home Assistant; the benchmark browses its media source over the
websocket API (`media_source/browse_media`), as the Media panel does: the Films library
(more than 300 items: it answers with groups by first letter) and then one letter group.
Home Assistant's memory is its process's resident set (VmRSS in /proc) before the first
browse and after the last.

Core's way is what Home Assistant core's Plex integration does to show a library:
python-plexapi's `LibrarySection.all()`, every item of the section read (a page of 100 at a
time) and built into objects, here in this process on the same simulator; its memory is this
process's resident set before and after (the items held), and what tracemalloc counts of it.
"""

import argparse
import asyncio
import gc
import importlib
import json
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import requests

from harness import runner

from .libraries import Commands, Servers, mib, rss, servers, websocket_api

STAND_INS = ("-m", "benchmarks.stand_ins", "library.simulators.pms")


async def browse(commands: Commands, identifier: str) -> tuple[float, dict[str, Any], int]:
    """Browse one level; return the seconds, the level and the answer's size in bytes."""
    started = time.perf_counter()
    answer = await commands({"type": "media_source/browse_media", "media_content_id": identifier})
    took = time.perf_counter() - started
    if not answer.get("success"):
        msg = f"browsing {identifier} failed: {answer.get('error')}"
        raise runner.BenchmarkError(msg)
    return took, answer["result"], len(json.dumps(answer))


async def ours(args: argparse.Namespace, run: Servers) -> list[list[object]]:
    """Browse Films and a letter group `args.repeats` times each; return the table's rows."""
    before = rss(run.hass_pid)
    rows: list[list[object]] = []
    async with websocket_api(run.hass) as ws:
        commands = Commands(ws)
        try:
            films: list[float] = []
            for _ in range(args.repeats):
                took, level, size = await browse(commands, run.server_source("section", "1"))
                films.append(took)
            groups = level["children"] or []
            titles = ", ".join(child["title"] for child in groups)
            print(f"  Films: {len(groups)} groups ({titles})", flush=True)
            [group] = [child for child in groups if child["title"] == args.letter]
            letter: list[float] = []
            for _ in range(args.repeats):
                took, shown, letter_size = await browse(commands, group["media_content_id"])
                letter.append(took)
        finally:
            commands.close()
    await asyncio.sleep(1)
    after = rss(run.hass_pid)
    items = len(shown["children"] or [])
    growth = f"{mib(after - before)} ({mib(before)} -> {mib(after)})"
    rows.append(
        [
            "plex_account: Films (groups)",
            f"{len(groups)} groups",
            runner.ms(films[0]),
            runner.ms(statistics.median(films[1:] or films)),
            f"{size / 1024:.0f} KiB",
            growth,
            "-",
        ]
    )
    rows.append(
        [
            f'plex_account: letter "{args.letter}"',
            f"{items} items (+{shown.get('not_shown') or 0})",
            runner.ms(letter[0]),
            runner.ms(statistics.median(letter[1:] or letter)),
            f"{letter_size / 1024:.0f} KiB",
            "(same)",
            "-",
        ]
    )
    return rows


def core_way(args: argparse.Namespace, run: Servers) -> list[object]:
    """Read the Films section with python-plexapi's section.all(); return the table's row."""
    server_class = importlib.import_module("plexapi.server").PlexServer
    http = requests.Session()
    http.trust_env = False  # loopback: no proxy from the environment
    try:
        server = server_class(run.pms.url, run.pms.token, session=http)
        section = server.library.section("Films")
        times: list[float] = []
        gc.collect()
        before = rss(os.getpid())
        held = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            items = section.all()
            times.append(time.perf_counter() - started)
            held.append(items)  # as many lists held as runs: the first run's growth is shown
            if len(held) == 1:
                after = rss(os.getpid())
        count = len(held[0])
        del held, items
        gc.collect()
        tracemalloc.start()
        items = section.all()
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del items
    finally:
        http.close()
    return [
        f"core: python-plexapi {runner.version('PlexAPI')} section.all()",
        f"{count} items",
        runner.ms(times[0]),
        runner.ms(statistics.median(times[1:] or times)),
        "-",
        f"{mib(after - before)} ({mib(before)} -> {mib(after)})",
        f"{mib(kept)} held, {mib(peak)} peak",
    ]


async def run(args: argparse.Namespace) -> None:
    """Start the processes, browse, read, print the figures."""
    runner.ensure_peers()
    print(f"A Films library of {args.films + 6} films; each read {args.repeats} time(s)")
    with (
        tempfile.TemporaryDirectory(prefix="plex-account-open-") as folder,
        servers(Path(folder), films=args.films, pms_command=STAND_INS) as started,
    ):
        rows = await ours(args, started)
        rows.append(await asyncio.to_thread(core_way, args, started))
        refused = started.refused()
    columns = "<what|<shown|first|median after|answer|memory growth|tracemalloc"
    print(f"\n{runner.table(columns, rows)}")
    print(
        "\nfirst, median after: wall time of the first read and the median of the others. "
        "answer: the websocket API's JSON. memory growth: Home Assistant's resident set for "
        "ours (both reads, from before the first to a second after the last); this process's "
        "for python-plexapi (its first read, the items held). tracemalloc: the Python memory "
        "of one more section.all(), held at the end and at its peak."
    )
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s):")
        print("\n".join(f"  {line}" for line in refused))


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--films", type=int, default=20_000, help="generated films (20000)")
    parser.add_argument("--repeats", type=int, default=5, help="reads of each (5)")
    parser.add_argument("--letter", default="M", help="the letter group browsed (M)")


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"films": 2000, "repeats": 2})


if __name__ == "__main__":
    main()
