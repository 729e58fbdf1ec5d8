"""In-process timings of the slow work: the unit report and the 40-unit district export.

Measured in the orchestrator before any bot or load runs, through the same
objects the bot uses (``open_app``: ``ReportService.write`` and the engine's summary maker, both
writing in the app's report worker process).
"""

from __future__ import annotations

import time
from typing import Any

from bench.seed import Seeded
from bench.stats import median
from bot.app import open_app
from bot.settings import Settings


async def _timed(calls: int, make: Any) -> list[float]:
    await make()  # warm-up: imports, templates, fonts
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        await make()
        times.append(time.perf_counter() - began)
    return times


async def report_timings(
    settings: Settings, seeded: Seeded, reports: int = 20, exports: int = 3
) -> dict[str, Any]:
    async with open_app(settings, migrate=False) as app:
        aid = seeded.report_assessment
        unit = await _timed(reports, lambda: app.reports.write(aid, ("unit",)))
        both = await _timed(
            max(1, reports // 4), lambda: app.reports.write(aid, ("unit", "outline"))
        )
        began = time.perf_counter()
        await app.reports.gather(aid)
        gather_s = time.perf_counter() - began
        make_summary = app.engine.make_summary
        assert make_summary is not None
        export = await _timed(exports, lambda: make_summary(seeded.district_period))
    return {
        "unit_report_ms": round((median(unit) or 0) * 1000, 1),
        "unit_report_runs": len(unit),
        "both_reports_ms": round((median(both) or 0) * 1000, 1),
        "report_gather_ms": round(gather_s * 1000, 1),
        "district_export_ms": round((median(export) or 0) * 1000, 1),
        "district_export_runs": len(export),
    }
