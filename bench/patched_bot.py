"""``danvan run`` with what-if changes, for diagnosis only (the application is not edited):

- BENCH_NO_RATE_LIMIT=1: no AIORateLimiter (PTB sends as fast as it can);
- BENCH_CONCURRENT_UPDATES=N: PTB's ``concurrent_updates(N)`` instead of one update at a time;
- BENCH_PROFILE=FILE: cProfile of the whole process, written to FILE at exit.

``bench.load --what-if no-rate-limit,concurrent=32`` runs the bot this way.
"""

from __future__ import annotations

import os
import sys

from telegram.ext import ApplicationBuilder

import bot.telegram.application as telegram_application
from bot.cli import main


class WhatIfBuilder(ApplicationBuilder):  # type: ignore[type-arg]
    def rate_limiter(self, rate_limiter):  # type: ignore[no-untyped-def, override]
        if os.environ.get("BENCH_NO_RATE_LIMIT"):
            return self
        return super().rate_limiter(rate_limiter)

    def build(self):  # type: ignore[no-untyped-def, override]
        if os.environ.get("BENCH_CONCURRENT_UPDATES"):
            self.concurrent_updates(int(os.environ["BENCH_CONCURRENT_UPDATES"]))
        return super().build()


def run() -> None:
    telegram_application.ApplicationBuilder = WhatIfBuilder  # type: ignore[misc]
    profile = os.environ.get("BENCH_PROFILE")
    if not profile:
        main(["run"])
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        main(["run"], standalone_mode=False)
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


if __name__ == "__main__":
    sys.argv[0] = "danvan"
    run()
