"""Make a unit's report file from the database (used by every channel and the CLI)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.collect import gather
from reports.unit_report import write_unit_report
from rubric.model import Rubric
from storage.models import Assessment, Period, Unit


class ReportService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rubric_for: Callable[[str], Rubric],
        evidence_root: Path,
        out_dir: Path,
    ) -> None:
        self.sessions = sessions
        self.rubric_for = rubric_for
        self.evidence_root = evidence_root
        self.out_dir = out_dir

    async def unit_report(self, assessment_id: int, draft: bool = False) -> Path:
        """Write the unit's self-assessment report (.docx) and return its path."""
        async with self.sessions() as s:
            assessment = await s.get(Assessment, assessment_id)
            assert assessment is not None
            unit = await s.get(Unit, assessment.unit_id)
            period = await s.get(Period, assessment.period_id)
            assert unit is not None and period is not None
            rubric = self.rubric_for(period.rubric_id)
            data = await gather(s, assessment, rubric, self.evidence_root)
        suffix = "-ban-nhap" if draft else ""
        path = self.out_dir / f"bao-cao-tu-danh-gia-{period.year}-{unit.code}{suffix}.docx"
        # python-docx is CPU-bound: keep the event loop free for other officers.
        await asyncio.to_thread(write_unit_report, rubric, data, path)
        return path
