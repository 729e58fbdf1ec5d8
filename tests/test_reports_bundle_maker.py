"""Making bundles from the database: a folder of its own per request, the PDFs made there and
gone once zipped, old bundles swept, the size refused before any report is written."""

from __future__ import annotations

import asyncio
import os
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import reports.bundle_maker
from reports.bundle_maker import BundleMaker, BundleTooLarge
from reports.service import ReportService
from rubric.loader import load_rubric
from storage import assessments
from storage.models import Period, Unit
from tests.support import setup_demo

# End to end through the channel (or every screen): `make test-fast` leaves them out
pytestmark = pytest.mark.slow


@pytest.fixture
async def maker(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> BundleMaker:
    await setup_demo(sessionmaker)
    service = ReportService(sessionmaker, load_rubric, tmp_path / "evidence", tmp_path / "out")
    return BundleMaker(service, keep=timedelta(hours=72))


async def demo_assessment(maker: BundleMaker) -> int:
    """The demo unit's 2022 assessment, as its officer's first message makes it."""
    async with maker.reports.sessions() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
        period = await s.scalar(select(Period))
        assert unit is not None and period is not None
        return (await assessments.get_or_create(s, unit.id, period.id)).id


async def test_two_requests_at_once_get_two_bundles(maker: BundleMaker) -> None:
    aid = await demo_assessment(maker)
    one, two = await asyncio.gather(maker.unit(aid), maker.unit(aid))
    assert one != two and one.name == two.name == "Hồ sơ 2022 - UBND xã Cửu Cao.zip"
    for path in (one, two):
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None and "Danh mục hồ sơ.xlsx" in z.namelist()
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # PDFs zipped, gone


async def test_old_bundles_are_swept_new_ones_kept(maker: BundleMaker) -> None:
    aid = await demo_assessment(maker)
    old = (await maker.unit(aid)).parent
    past = time.time() - timedelta(hours=73).total_seconds()
    os.utime(old, (past, past))
    new = (await maker.unit(aid)).parent  # making one sweeps the old
    assert not old.exists() and new.exists()
    assert maker.sweep() == 0 and new.exists()


async def test_too_large_is_refused_before_any_report_is_written(
    maker: BundleMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports.bundle_maker, "MAX_BUNDLE_BYTES", -1)  # even no files
    aid = await demo_assessment(maker)
    with pytest.raises(BundleTooLarge):
        await maker.unit(aid)
    out = maker.reports.out_dir
    assert not out.exists() or list(out.rglob("*")) == []
