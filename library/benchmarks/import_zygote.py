"""An interpreter that imports a preload once, then forks one child per timed import.

Started by library.benchmarks.import_time as

    python -m library.benchmarks.import_zygote '{"peers": DIR, "preload": [...], "check": [...]}'

It imports the preload, prints one JSON line ({"preload": seconds, "present": the names of
"check" already imported}) and then, for each JSON list of module names read from stdin, forks
a child that imports them on top of the preload and prints {"seconds": ..., "modules": [the
modules the import added]}, or {"error": ...}. Each child is a fresh process whose sys.modules
holds the preload and nothing of the targets, as a fresh interpreter that had just imported the
preload would be, without paying for the preload again.

It imports nothing but the standard library itself, so that the preload alone decides what is
already loaded.
"""

import importlib
import json
import os
import sys
import time


def import_in_child(targets: list[str]) -> dict[str, object]:
    """Fork, import targets in the child, and return what the child reports."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        answer: dict[str, object]
        try:
            before = set(sys.modules)
            started = time.perf_counter()
            for name in targets:
                importlib.import_module(name)
            elapsed = time.perf_counter() - started
            answer = {"seconds": elapsed, "modules": sorted(set(sys.modules) - before)}
        except BaseException as err:  # noqa: BLE001 - reported to the parent, whatever it is
            answer = {"error": repr(err)}
        os.write(write, json.dumps(answer).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 1 << 16):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    result: dict[str, object] = json.loads(b"".join(chunks))
    return result


def main() -> None:
    """Import the preload, say so, then time each line of targets read from stdin."""
    spec = json.loads(sys.argv[1])
    sys.path.append(spec["peers"])
    started = time.perf_counter()
    try:
        for name in spec["preload"]:
            importlib.import_module(name)
    except Exception as err:  # noqa: BLE001 - reported to the parent
        print(json.dumps({"error": f"preload: {err!r}"}), flush=True)
        return
    preloaded = time.perf_counter() - started
    present = [name for name in spec["check"] if name in sys.modules]
    print(json.dumps({"preload": preloaded, "present": present}), flush=True)
    for line in sys.stdin:
        print(json.dumps(import_in_child(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
