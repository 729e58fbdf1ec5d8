"""Make a unit's report files from the database (used by every channel and the CLI).

Two reports: the self-assessment report with its Bảng chấm điểm (``unit_report``) and the
summary after the Đề cương (``outline_report``); ``both`` gathers once and writes the two.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.bundle import MAX_BUNDLE_BYTES, UnitPart, safe_name, total_size, write_bundle
from reports.collect import gather
from reports.data import ReportData
from reports.outline_report import write_outline_report
from reports.pdf import PdfError, to_pdfs
from reports.unit_report import write_unit_report
from reports.workers import ReportWorkers
from rubric.model import Rubric
from storage.models import Assessment, Period, Status, Unit

log = logging.getLogger(__name__)
Writer = Callable[[Rubric, ReportData, Path], Path]
# kind -> (file name prefix, writer)
KINDS: dict[str, tuple[str, Writer]] = {
    "unit": ("bao-cao-tu-danh-gia", write_unit_report),
    "outline": ("bao-cao-tom-tat", write_outline_report),
}
# kind -> its name in a bundle (hồ sơ), where it is read by people, not by scripts
TITLES = {
    "unit": "Báo cáo tự đánh giá công tác dân vận chính quyền năm {year}",
    "outline": "Báo cáo tóm tắt kết quả thực hiện công tác dân vận chính quyền năm {year}",
}
DRAFT_MARK = " (bản nháp)"


class BundleTooLarge(Exception):
    """The files of a bundle add up to more than a link may serve."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, more than {limit}")
        self.size, self.limit = size, limit


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
        return await self._write(await self.gather(assessment_id), kinds, draft)

    async def _write(self, got: Gathered, kinds: tuple[str, ...], draft: bool) -> list[Path]:
        suffix = "-ban-nhap" if draft else ""
        paths = []
        for kind in kinds:
            prefix, writer = KINDS[kind]
            path = self.out_dir / f"{prefix}-{got.stem}{suffix}.docx"
            # python-docx is CPU-bound: in a worker process, off the loop and its GIL.
            paths.append(await self.workers.write(path, writer, got.rubric, got.data))
        return paths

    async def gather(self, assessment_id: int) -> Gathered:
        async with self.sessions() as s:
            assessment = await s.get(Assessment, assessment_id)
            assert assessment is not None
            unit = await s.get(Unit, assessment.unit_id)
            period = await s.get(Period, assessment.period_id)
            assert unit is not None and period is not None
            rubric = self.rubric_for(period.rubric_id)
            data = await gather(s, assessment, rubric, self.evidence_root)
        return Gathered(rubric, data, f"{period.year}-{unit.code}")

    # -- the evidence bundle (hồ sơ) -----------------------------------------------------------

    async def unit_bundle(self, assessment_id: int) -> Path:
        """One ZIP: the unit's two reports (.docx, and .pdf when LibreOffice is installed) and
        every evidence file, a folder per criterion, with an index; BundleTooLarge when its
        files add up to more than a link may serve (nothing is written then)."""
        got = await self.gather(assessment_id)
        kinds, draft = ("unit", "outline"), got.data.status == "draft"
        docxs = await self._write(got, kinds, draft)
        reports = docxs + await _pdfs_of(docxs)  # one LibreOffice start for both
        part = UnitPart("", reports, got.data, _titles(got.data.year, kinds, docxs, draft))
        name = safe_name(f"Hồ sơ {got.data.year} - {got.data.unit_name}.zip")
        return await self._bundle(got.rubric, [part], name)

    async def district_bundle(self, period_id: int) -> Path:
        """One ZIP with a folder per unit that submitted: its self-assessment report (.docx and
        .pdf) and its evidence, as in a unit's bundle."""
        async with self.sessions() as s:
            period = await s.get(Period, period_id)
            assert period is not None
            authority = await s.get(Unit, period.authority_id)
            ids = list(
                await s.scalars(
                    select(Assessment.id)
                    .join(Unit, Unit.id == Assessment.unit_id)
                    .where(Assessment.period_id == period_id, Assessment.status != Status.DRAFT)
                    .order_by(Unit.kind, Unit.code)
                )
            )
        units = []
        for assessment_id in ids:
            got = await self.gather(assessment_id)
            (report,) = await self._write(got, ("unit",), False)
            units.append((got.data, report))
        pdfs = await _pdfs_of([report for _, report in units])  # one LibreOffice start for all
        by_stem = {pdf.stem: pdf for pdf in pdfs}
        parts = [
            UnitPart(
                data.unit_name,
                [r, *([by_stem[r.stem]] if r.stem in by_stem else [])],
                data,
                _titles(data.year, ("unit",), [r], False),
            )
            for data, r in units
        ]
        who = authority.name if authority else ""
        rubric = self.rubric_for(period.rubric_id)
        return await self._bundle(rubric, parts, safe_name(f"Hồ sơ {period.year} - {who}.zip"))

    async def _bundle(self, rubric: Rubric, parts: list[UnitPart], name: str) -> Path:
        size = await asyncio.to_thread(total_size, parts)
        if size > MAX_BUNDLE_BYTES:
            raise BundleTooLarge(size, MAX_BUNDLE_BYTES)
        path = self.out_dir / "ho-so" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        # written as a stream, in a worker process: neither the files nor the ZIP in memory
        return await self.workers.write(path, write_bundle, rubric, parts)


def _titles(year: int, kinds: tuple[str, ...], docxs: list[Path], draft: bool) -> dict[str, str]:
    """The reports' names in a bundle, for the .docx files and the PDFs made of them."""
    names = {}
    for kind, docx in zip(kinds, docxs, strict=True):
        title = TITLES[kind].format(year=year) + (DRAFT_MARK if draft else "")
        names[docx.name] = f"{title}.docx"
        names[docx.with_suffix(".pdf").name] = f"{title}.pdf"
    return names


async def _pdfs_of(docxs: list[Path]) -> list[Path]:
    """The documents as PDF, all with one LibreOffice start; [] without LibreOffice or when it
    fails (the .docx files are in the bundle all the same)."""
    try:
        return await to_pdfs(docxs)
    except PdfError:
        log.exception("bundle without PDFs")
        return []
