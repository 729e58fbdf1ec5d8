"""Make the evidence bundles (hồ sơ) from the database: a unit's, or every submitted unit's of a
district. ``reports/bundle.py`` is the ZIP's layout and writing; this is where its files come
from and where it goes.

Each bundle is made in a folder of its own, ``<out>/ho-so/<year>-<code>-<random>/``: two people
asking at the same moment (an officer and an appraiser, two units of the same name in two
districts) never share a file, and a signed link keeps naming the bundle it was made for. The
PDFs are made into that folder too (``/baocao`` and another bundle may be converting the same
report at that moment) and removed once the ZIP holds them. Folders older than a link's
lifetime are removed as new bundles are made and when the bot starts.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path

from reports.bundle import MAX_BUNDLE_BYTES, UnitPart, safe_name, total_size, write_bundle
from reports.pdf import PdfError, to_pdfs
from reports.service import DRAFT_MARK, TITLES, ReportService
from rubric.model import Rubric
from storage.appraisal import submitted_ids
from storage.models import Period, Unit

log = logging.getLogger(__name__)
FOLDER = "ho-so"


class BundleTooLarge(Exception):
    """The files of a bundle add up to more than a link may serve."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, more than {limit}")
        self.size, self.limit = size, limit


class BundleMaker:
    def __init__(self, reports: ReportService, keep: timedelta = timedelta(hours=72)) -> None:
        """``keep``: how long a made bundle stays on disk (at least a download link's life)."""
        self.reports = reports
        self.root = reports.out_dir / FOLDER
        self.keep = keep

    async def unit(self, assessment_id: int) -> Path:
        """One ZIP: the unit's two reports (.docx, and .pdf when LibreOffice is installed) and
        every evidence file, a folder per criterion, with an index. BundleTooLarge when its
        files add up to more than a link may serve, before any report is written."""
        got = await self.reports.gather(assessment_id)
        check_size([UnitPart("", [], got.data)])
        kinds, draft = ("unit", "outline"), got.data.status == "draft"
        docxs = await self.reports.write_gathered(got, kinds, draft)
        name = safe_name(f"Hồ sơ {got.data.year} - {got.data.unit_name}.zip")
        async with _Folder(self, got.stem) as folder:
            pdfs = await _pdfs_of(docxs, folder)  # one LibreOffice start for both
            names = _titles(got.data.year, kinds, docxs, draft)
            part = UnitPart("", docxs + pdfs, got.data, names)
            return await self._zip(got.rubric, [part], folder / name)

    async def district(self, period_id: int) -> Path:
        """One ZIP with a folder per unit that submitted: its self-assessment report (.docx and
        .pdf) and its evidence, as in a unit's bundle."""
        async with self.reports.sessions() as s:
            period = await s.get(Period, period_id)
            assert period is not None
            authority = await s.get(Unit, period.authority_id)
            assert authority is not None
            ids = await submitted_ids(s, period_id)
        gathered = [await self.reports.gather(i) for i in ids]
        check_size([UnitPart(g.data.unit_name, [], g.data) for g in gathered])
        units = [(g, (await self.reports.write_gathered(g, ("unit",), False))[0]) for g in gathered]
        name = safe_name(f"Hồ sơ {period.year} - {authority.name}.zip")
        async with _Folder(self, f"{period.year}-{authority.code}-cac-don-vi") as folder:
            pdfs = await _pdfs_of([report for _, report in units], folder)  # one start for all
            by_stem = {pdf.stem: pdf for pdf in pdfs}
            parts = [
                UnitPart(
                    got.data.unit_name,
                    [report, *([by_stem[report.stem]] if report.stem in by_stem else [])],
                    got.data,
                    _titles(got.data.year, ("unit",), [report], False),
                )
                for got, report in units
            ]
            return await self._zip(self.reports.rubric_for(period.rubric_id), parts, folder / name)

    async def _zip(self, rubric: Rubric, parts: list[UnitPart], path: Path) -> Path:
        check_size(parts)
        # written as a stream, in a worker process: neither the files nor the ZIP in memory
        return await self.reports.workers.write(path, write_bundle, rubric, parts)

    def sweep(self) -> int:
        """Remove the bundles older than ``keep`` (and what an interrupted one left)."""
        if not self.root.is_dir():
            return 0
        limit, removed = time.time() - self.keep.total_seconds(), 0
        for folder in self.root.iterdir():
            try:
                old = folder.stat().st_mtime < limit
            except FileNotFoundError:
                continue
            if old:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed


def check_size(parts: list[UnitPart]) -> None:
    size = total_size(parts)
    if size > MAX_BUNDLE_BYTES:
        raise BundleTooLarge(size, MAX_BUNDLE_BYTES)


class _Folder:
    """A new folder for one bundle (old ones swept first); removed again if the bundle fails,
    emptied of everything but the ZIP when it is made."""

    def __init__(self, maker: BundleMaker, stem: str) -> None:
        self.maker = maker
        self.path = maker.root / f"{stem}-{uuid.uuid4().hex[:12]}"

    async def __aenter__(self) -> Path:
        await asyncio.to_thread(self.maker.sweep)
        self.path.mkdir(parents=True)
        return self.path

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            await asyncio.to_thread(shutil.rmtree, self.path, True)
            return
        for made in self.path.glob("*.pdf"):  # in the ZIP now
            made.unlink(missing_ok=True)


def _titles(year: int, kinds: tuple[str, ...], docxs: list[Path], draft: bool) -> dict[str, str]:
    """The reports' names in a bundle, for the .docx files and the PDFs made of them."""
    names = {}
    for kind, docx in zip(kinds, docxs, strict=True):
        title = TITLES[kind].format(year=year) + (DRAFT_MARK if draft else "")
        names[docx.name] = f"{title}.docx"
        names[docx.with_suffix(".pdf").name] = f"{title}.pdf"
    return names


async def _pdfs_of(docxs: list[Path], folder: Path) -> list[Path]:
    """The documents as PDF in ``folder``, all with one LibreOffice start; [] without
    LibreOffice or when it fails (the .docx files are in the bundle all the same)."""
    try:
        return await to_pdfs(docxs, folder)
    except PdfError:
        log.exception("bundle without PDFs")
        return []
