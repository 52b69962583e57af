"""Run a Plex Media Server simulator's command line with generated films in its library.

    python -m harness.pms_films N [-m MODULE] ARGS...

runs `python -m MODULE ARGS...` (library.simulators.pms by default, or a module that runs
it, such as benchmarks.stand_ins) with PMSSimulator(films=N): a large Films library, as the
benchmarks and the demo want, from a command line that has no option for it.
"""

import functools
import runpy
import sys

from library.simulators.pms import app


def main() -> None:
    """Make every PMSSimulator of this process hold N generated films more; run the module."""
    films, rest = int(sys.argv[1]), sys.argv[2:]
    module = "library.simulators.pms"
    if rest[:1] == ["-m"]:
        module, rest = rest[1], rest[2:]
    app.PMSSimulator.__init__ = functools.partialmethod(  # type: ignore[method-assign,assignment]
        app.PMSSimulator.__init__, films=films
    )
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
