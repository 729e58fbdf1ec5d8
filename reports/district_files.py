"""The district summary as the three files appraisers get: XLSX, DOCX and a PNG chart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.district import DistrictSummary, gather_district
from reports.workers import ReportWorkers
from rubric.model import Rubric
from storage.models import Period
from storage.sqlite_dialect import in_thread


def write_district_xlsx(summary: DistrictSummary, path: Path) -> object:
    from reports.district_xlsx import write_district_xlsx as write  # openpyxl: when first used

    return write(summary, path)


def write_district_docx(summary: DistrictSummary, path: Path) -> object:
    from reports.district_docx import write_district_docx as write  # python-docx: likewise

    return write(summary, path)


def write_district_chart(summary: DistrictSummary, path: Path) -> object:
    from reports.district_chart import write_district_chart as write  # matplotlib: likewise

    return write(summary, path)


# The libraries of the spreadsheet, the letter and the chart (~50 MB) load when a summary is
# first made, not in every bot process at start (in the worker that writes it: reports.workers).
WRITERS: tuple[tuple[str, Callable[[DistrictSummary, Path], object]], ...] = (
    ("xlsx", write_district_xlsx),
    ("docx", write_district_docx),
    ("png", write_district_chart),
)


async def district_files(
    sessions: async_sessionmaker[AsyncSession],
    rubric_for: Callable[[str], Rubric],
    period_id: int,
    out_dir: Path,
    workers: ReportWorkers | None = None,
) -> list[Path]:
    """Write the period's summary files; ``workers``: where (default: a thread of this process)."""
    workers = workers if workers is not None else ReportWorkers(0)
    with in_thread():  # a long read: SQLite's part beside the loop
        async with sessions() as s:
            period = await s.get(Period, period_id)
            assert period is not None
            summary = await gather_district(s, period, rubric_for(period.rubric_id))
    paths = []
    for suffix, write in WRITERS:
        path = out_dir / f"tong-hop-{period.year}-{period.authority_id}.{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        await workers.write(path, write, summary)  # CPU-bound: off the event loop and its GIL
        paths.append(path)
    return paths
