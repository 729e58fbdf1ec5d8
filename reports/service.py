"""Make a unit's report files from the database (used by every channel and the CLI).

Two reports: the self-assessment report with its Bảng chấm điểm (``unit_report``) and the
summary after the Đề cương (``outline_report``); ``both`` gathers once and writes the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.bundle import safe_name
from reports.collect import gather
from reports.data import ReportData
from reports.workers import ReportWorkers
from rubric.model import Rubric
from storage.models import Assessment, Period, Unit
from storage.sqlite_dialect import in_thread

Writer = Callable[[Rubric, ReportData, Path], Path]


# python-docx (and lxml, Pillow) load where a report is written: in the report worker, not in
# every bot process and every ``danvan`` command at start (reports.workers)
def write_unit_report(rubric: Rubric, data: ReportData, path: Path) -> Path:
    from reports.unit_report import write_unit_report as write

    return write(rubric, data, path)


def write_outline_report(rubric: Rubric, data: ReportData, path: Path) -> Path:
    from reports.outline_report import write_outline_report as write

    return write(rubric, data, path)


# kind -> (file name prefix, writer)
KINDS: dict[str, tuple[str, Writer]] = {
    "unit": ("bao-cao-tu-danh-gia", write_unit_report),
    "outline": ("bao-cao-tom-tat", write_outline_report),
}
# kind -> its name where it is read by people, not by scripts (a download, a bundle)
TITLES = {
    "unit": "Báo cáo tự đánh giá công tác dân vận chính quyền năm {year}",
    "outline": "Báo cáo tóm tắt kết quả thực hiện công tác dân vận chính quyền năm {year}",
}
DRAFT_MARK = " (bản nháp)"


def title(kind: str, year: int, unit_name: str, draft: bool) -> str:
    """ "Báo cáo tự đánh giá … năm 2022 - UBND xã Cửu Cao (bản nháp).docx", safe on any disk."""
    mark = DRAFT_MARK if draft else ""
    return safe_name(f"{TITLES[kind].format(year=year)} - {unit_name}{mark}.docx", 200)


@dataclass(frozen=True)
class Gathered:
    rubric: Rubric
    data: ReportData
    stem: str  # "2022-VG-CUUCAO"


class ReportService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rubric_for: Callable[[str], Rubric],
        evidence_root: Path,
        out_dir: Path,
        workers: ReportWorkers | None = None,
    ) -> None:
        self.sessions = sessions
        self.rubric_for = rubric_for
        self.evidence_root = evidence_root
        self.out_dir = out_dir
        # where the documents are written; none given: in a thread of this process
        self.workers = workers if workers is not None else ReportWorkers(0)
        # a written report's file -> the name it is sent and downloaded under (its title and
        # the unit's name, not the unit's code); one entry per report file on disk
        self.titles: dict[Path, str] = {}

    async def unit_report(self, assessment_id: int, draft: bool = False) -> Path:
        """Write the unit's self-assessment report (.docx) and return its path."""
        (path,) = await self.write(assessment_id, ("unit",), draft)
        return path

    async def outline_report(self, assessment_id: int, draft: bool = False) -> Path:
        """Write the summary report after the Đề cương (.docx) and return its path."""
        (path,) = await self.write(assessment_id, ("outline",), draft)
        return path

    async def both(self, assessment_id: int, draft: bool = False) -> tuple[Path, Path]:
        """Both reports from one reading of the database: (self-assessment, summary)."""
        unit, outline = await self.write(assessment_id, ("unit", "outline"), draft)
        return unit, outline

    async def write(
        self, assessment_id: int, kinds: tuple[str, ...], draft: bool = False
    ) -> list[Path]:
        """Write the reports of ``kinds`` (keys of ``KINDS``), in that order."""
        return await self.write_gathered(await self.gather(assessment_id), kinds, draft)

    async def write_gathered(
        self, got: Gathered, kinds: tuple[str, ...], draft: bool
    ) -> list[Path]:
        """``write`` from what ``gather`` read."""
        suffix = "-ban-nhap" if draft else ""
        paths = []
        for kind in kinds:
            prefix, writer = KINDS[kind]
            path = self.out_dir / f"{prefix}-{got.stem}{suffix}.docx"
            self.titles[path] = title(kind, got.data.year, got.data.unit_name, draft)
            # python-docx is CPU-bound: in a worker process, off the loop and its GIL.
            paths.append(await self.workers.write(path, writer, got.rubric, got.data))
        return paths

    async def gather(self, assessment_id: int) -> Gathered:
        with in_thread():  # a long read: SQLite's part beside the loop
            return await self._gather(assessment_id)

    async def _gather(self, assessment_id: int) -> Gathered:
        async with self.sessions() as s:
            assessment = await s.get(Assessment, assessment_id)
            assert assessment is not None
            unit = await s.get(Unit, assessment.unit_id)
            period = await s.get(Period, assessment.period_id)
            assert unit is not None and period is not None
            rubric = self.rubric_for(period.rubric_id)
            data = await gather(s, assessment, rubric, self.evidence_root)
        return Gathered(rubric, data, f"{period.year}-{unit.code}")
