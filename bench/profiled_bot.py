"""``danvan run`` under cProfile, for diagnosis (``bench.load --profile``): the profile of the
whole process is written to BENCH_PROFILE at exit (open it with ``python -m pstats``)."""

from __future__ import annotations

import cProfile
import os
import sys

from bot.cli import main


def run() -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        main(["run"], standalone_mode=False)
    finally:
        profiler.disable()
        profiler.dump_stats(os.environ["BENCH_PROFILE"])


if __name__ == "__main__":
    sys.argv[0] = "danvan"
    run()
