"""Evidence that came without a name (a phone's photo) is named after its item and day, and
the officer's report lists it under that name."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from docx import Document
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.events import FileUpload
from reports.service import ReportService
from rubric.loader import load_rubric
from rubric.vietnam import local
from storage.evidence_names import readable_name
from storage.models import Assessment, Evidence, Period, Unit
from tests.support import Chat, make_engine, setup_demo


def photo(n: int, item_id: str, named: bool = False) -> FileUpload:
    digest = f"{n:064x}"
    name = f"Ảnh hội nghị {n}.jpg" if named else "anh.jpg"
    return FileUpload(
        f"{digest[:2]}/{digest[2:4]}/{digest}", digest, 1000 + n, name, "image/jpeg", "photo",
        item_id=item_id, named=named,
    )  # fmt: skip


async def test_photos_without_a_name_are_numbered_by_item_and_day(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_demo(sessionmaker)
    chat = Chat(make_engine(sessionmaker, tmp_path))
    await chat.command("start")
    sent = [photo(1, "IV.1"), photo(2, "IV.1"), photo(3, "IV.1", named=True), photo(4, "I.1")]
    for upload in sent:
        await chat.send(upload)
    today = local(datetime.now(UTC)).date().isoformat()
    assert f"«IV.1-anh-{today}-2.jpg»" in chat.text or f"«I.1-anh-{today}-1.jpg»" in chat.text
    async with sessionmaker() as s:
        names = list(await s.scalars(select(Evidence.original_name).order_by(Evidence.id)))
        assessment = await s.scalar(select(Assessment))
    assert names == [
        f"IV.1-anh-{today}-1.jpg",
        f"IV.1-anh-{today}-2.jpg",
        "Ảnh hội nghị 3.jpg",
        f"I.1-anh-{today}-1.jpg",
    ]
    assert assessment is not None
    reports = ReportService(sessionmaker, load_rubric, tmp_path / "evidence", tmp_path / "out")
    report = Document(str(await reports.unit_report(assessment.id, draft=True)))
    listed = {c.text.split("\n")[0] for t in report.tables for r in t.rows for c in r.cells}
    assert {f"IV.1-anh-{today}-2.jpg", f"I.1-anh-{today}-1.jpg"} <= listed


async def test_numbers_continue_after_the_highest_of_that_item_and_day(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await setup_demo(sessionmaker)
    taken = [
        ("IV.1", "IV.1-anh-2026-11-10-1.jpg"),
        ("IV.1", "IV.1-anh-2026-11-10-3.png"),  # 2 was removed: its number is not reused
        ("IV.1", "IV.1-anh-2026-11-10-x.jpg"),
        ("IV.1", "IV.1-anh-2026-11-09-7.jpg"),  # another day
        ("IV.1", "IV.1-tep-2026-11-10-5.pdf"),  # another kind
        ("IV.10", "IV.10-anh-2026-11-10-9.jpg"),  # another item
    ]
    async with sessionmaker() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
        period = await s.scalar(select(Period))
        assert unit is not None and period is not None
        assessment = Assessment(unit_id=unit.id, period_id=period.id)
        s.add(assessment)
        await s.flush()
        for n, (item_id, name) in enumerate(taken):
            s.add(
                Evidence(
                    assessment_id=assessment.id, item_id=item_id, kind="photo",
                    original_name=name, mime_type="image/jpeg", size=1, sha256=f"{n:064x}",
                    storage_key=f"k{n}",
                )
            )  # fmt: skip
    async with sessionmaker() as s:
        day = date(2026, 11, 10)
        assert await readable_name(s, assessment.id, "IV.1", "anh.png", day) == (
            "IV.1-anh-2026-11-10-4.png"
        )
        assert await readable_name(s, assessment.id, "I.1", "anh.jpg", day) == (
            "I.1-anh-2026-11-10-1.jpg"
        )
        assert await readable_name(s, assessment.id, "IV.1", "tep", day) == (
            "IV.1-tep-2026-11-10-6"
        )
