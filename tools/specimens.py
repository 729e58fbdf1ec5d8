"""Specimen documents: each kind the bot writes, made the way the bot makes them.

A throw-away SQLite database gets the 26 sample units of Văn Giang (samples/), the 2022
period, answers for every unit (UBND xã Cửu Cao's from samples/answers-cuu-cao-2022.yaml, the
others varied from them), evidence for Cửu Cao, submissions on time, late and missing, and
appraisals; then the report service and the district summary write their files, as the bot
does for ``/baocao`` and ``/tonghop``. ``make docs`` pictures them (tools/make_docs.py); the
page tests read them (tests/test_reports_pdf.py).

    .venv/bin/python -m tools.specimens OUT_DIR     # the .docx files, listed
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, open_app
from bot.cli.units_file import read_units
from bot.settings import Settings
from reports.district_files import district_files
from rubric.model import Item, Rubric
from storage.admin import periods as period_admin
from storage.admin import units as unit_admin
from storage.models import Answer, Appraisal, Assessment, CriterionNote, Evidence, Status, Unit
from tools.sample_answers import SAMPLES, sample_answers

UNITS_FILE = SAMPLES / "units-van-giang-2022.csv"
RUBRIC_ID = "hung-yen-2022"
YEAR = 2022
DEADLINES = {
    "submit_by": date(2022, 11, 15),
    "appraise_by": date(2022, 12, 1),
    "report_by": date(2022, 12, 10),
}
# Who signs (made up): the units file gives titles, not names.
SIGNERS = {
    "VG": ("Đỗ Văn Hùng", "PHÓ CHỦ TỊCH"),
    "VG-CUUCAO": ("Nguyễn Văn Thành", "CHỦ TỊCH"),
    "VG-PNV": ("Trần Thị Mai", "TRƯỞNG PHÒNG"),
}
LATE = ("VG-XUANQUAN", "VG-VP", "VG-TTR")  # submitted after 15/11
MISSING = ("VG-THANGLOI", "VG-TTVHTT", "VG-BQLDA")  # never submitted
UNAPPRAISED = ("VG-CUUCAO", "VG-MESO", "VG-TTR")  # submitted, not yet appraised


@dataclass(frozen=True)
class Specimen:
    slug: str  # file names in docs/: <slug>-<page>.png
    title: str  # what it is, in the README's words
    docx: Path
    attachments: bool = True  # pictured in docs/ (False: they look as another specimen's)


async def build(out: Path) -> list[Specimen]:
    """Write the specimens into ``out`` (the database and evidence live in a temporary folder)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="danvan-specimens-") as tmp:
        work = Path(tmp)
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{work / 'danvan.db'}",
            data_dir=work / "data",
            evidence_dir=work / "evidence",
            output_dir=out,
            report_workers=0,
            reminders_enabled=False,
        )
        async with open_app(settings) as app:
            ids = await fill_district(app)
            unit, outline = await app.reports.write(ids["VG-CUUCAO"], ("unit", "outline"))
            (office,) = await app.reports.write(ids["VG-PNV"], ("unit",))
            period_id = await period_of(app, ids["VG-CUUCAO"])
            made = await district_files(app.sessions, app.reports.rubric_for, period_id, out)
    summary = next(p for p in made if p.suffix == ".docx")
    return [
        Specimen("bao-cao-xa", "Báo cáo tự đánh giá của UBND xã (TM. UBND, Chủ tịch ký)", unit),
        Specimen("tom-tat-xa", "Báo cáo tóm tắt theo Đề cương của UBND xã", outline),
        Specimen(
            "bao-cao-phong",
            "Báo cáo tự đánh giá của Phòng Nội vụ (Trưởng phòng ký)",
            office,
            attachments=False,  # the same Bảng chấm điểm and list of files as the commune's
        ),
        Specimen("cong-van-huyen", "Công văn của UBND huyện gửi Sở Nội vụ tỉnh, kèm biểu", summary),
    ]


async def period_of(app: App, assessment_id: int) -> int:
    async with app.sessions() as s:
        assessment = await s.get(Assessment, assessment_id)
        assert assessment is not None
        return assessment.period_id


async def fill_district(app: App) -> dict[str, int]:
    """The sample district, answered, submitted and appraised; unit code -> assessment id."""
    rows, problems = read_units(UNITS_FILE)
    assert not problems, problems
    rubric = app.reports.rubric_for(RUBRIC_ID)
    async with app.sessions() as s, s.begin():
        await unit_admin.import_units(s, rows)
        for code, (name, title) in SIGNERS.items():
            unit = await unit_admin.need_unit(s, code)
            unit.head_name, unit.head_title = name, title
        period, _ = await period_admin.create_period(
            s, await unit_admin.need_unit(s, "VG"), year=YEAR, rubric_id=RUBRIC_ID, **DEADLINES
        )
        ids = {}
        pairs = await s.execute(
            select(Unit, Assessment)
            .join(Assessment, Assessment.unit_id == Unit.id)
            .where(Assessment.period_id == period.id)
            .order_by(Unit.kind, Unit.code)
        )
        for n, (unit, assessment) in enumerate(pairs):
            ids[unit.code] = assessment.id
            scores = _answer(s, rubric, assessment, n, own=unit.code == "VG-CUUCAO")
            if unit.code in MISSING:
                continue
            _submit(rubric, unit, assessment, n, sum(scores.values(), Decimal(0)))
            if unit.code not in UNAPPRAISED:
                _appraise(s, rubric, assessment, n, scores)
        await _evidence(app, s, ids["VG-CUUCAO"])
    return ids


def _answer(
    s: AsyncSession, rubric: Rubric, a: Assessment, n: int, own: bool
) -> dict[str, Decimal]:
    """Every item answered (Cửu Cao as in its sample, the others varied); the points given."""
    sample = sample_answers()
    scores, choices = sample.scores_and_choices(rubric)
    given = {}
    for i, item in enumerate(rubric.items()):
        score, choice = scores[item.id], choices.get(item.id)
        if not own and (n + i) % 3 == 0:  # another unit: lower here and there, some by more
            score, choice = _lower(item, score, choice, Decimal("0.5") * (1 + n % 4))
        text = sample.answers[item.id][1]
        s.add(
            Answer(
                assessment_id=a.id,
                item_id=item.id,
                score=score,
                choice_id=choice,
                results_text=text,
            )
        )
        given[item.id] = score
    for c in rubric.criteria:
        s.add(
            CriterionNote(
                assessment_id=a.id,
                criterion_id=c.id,
                strengths=sample.strengths[c.id],
                shortcomings=sample.shortcomings[c.id],
            )
        )
    return given


def _lower(
    item: Item, score: Decimal, choice: str | None, by: Decimal = Decimal("0.5")
) -> tuple[Decimal, str | None]:
    """``by`` points less (a tiered item: the next tier down)."""
    if item.is_tiered:
        lower = sorted((c for c in item.choices if c.points < score), key=lambda c: -c.points)
        return (lower[0].points, lower[0].id) if lower else (score, choice)
    return max(Decimal(0), score - by), None


def _submit(rubric: Rubric, unit: Unit, a: Assessment, n: int, total: Decimal) -> None:
    day = date(2022, 11, 16 + n % 7) if unit.code in LATE else date(2022, 11, 2 + n % 13)
    a.status = Status.SUBMITTED
    a.submitted_at = datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC) + timedelta(
        minutes=7 * n
    )
    a.proposed_rating = rubric.band_for(total).code
    a.signer_name, a.signer_title = SIGNERS.get(unit.code, (None, unit.head_title))
    a.cursor = "submitted"


def _appraise(
    s: AsyncSession, rubric: Rubric, a: Assessment, n: int, own: dict[str, Decimal]
) -> None:
    """The appraisal team's scores: the unit's own, less on a few items."""
    total = Decimal(0)
    for i, item in enumerate(rubric.items()):
        score, choice = own[item.id], None
        if item.is_tiered:
            choice = next(c.id for c in item.choices if c.points == score)
        if (n + i) % 7 == 3:
            score, choice = _lower(item, score, choice)
        s.add(Appraisal(assessment_id=a.id, item_id=item.id, score=score, choice_id=choice))
        total += score
    a.status = Status.APPRAISED
    a.final_rating = rubric.band_for(total).code
    a.appraised_at = datetime(2022, 11, 28, 8, 0, tzinfo=UTC)


async def _evidence(app: App, s: AsyncSession, assessment_id: int) -> None:
    """Two photos and a scanned plan for Cửu Cao, stored as the bot stores what it receives."""
    files = [
        ("I.2", "photo", "Hội nghị quán triệt.jpg", "image/jpeg", _picture((52, 101, 164))),
        ("IV.2", "photo", "Đối thoại với Nhân dân.jpg", "image/jpeg", _picture((46, 125, 50))),
        ("I.1", "document", "Kế hoạch số 18-KH-UBND.pdf", "application/pdf", _scan()),
    ]
    for item_id, kind, name, mime, data in files:
        stored = await app.files.put_bytes(data)
        s.add(
            Evidence(
                assessment_id=assessment_id,
                item_id=item_id,
                kind=kind,
                original_name=name,
                mime_type=mime,
                size=stored.size,
                sha256=stored.sha256,
                storage_key=stored.key,
                caption=name.rsplit(".", 1)[0],
                uploaded_at=datetime(2022, 11, 3 + len(name) % 5, 1, len(name), tzinfo=UTC),
            )
        )


def _picture(colour: tuple[int, int, int]) -> bytes:
    """A stand-in photo: a hall with a banner and rows of seats."""
    img = Image.new("RGB", (1200, 800), (236, 230, 218))
    draw = ImageDraw.Draw(img)
    draw.rectangle((150, 80, 1050, 230), fill=colour)
    draw.rectangle((0, 560, 1200, 800), fill=(150, 110, 80))
    for row in range(4):
        for seat in range(10):
            x, y = 120 + seat * 98, 300 + row * 70
            draw.ellipse((x, y, x + 44, y + 44), fill=(60, 60, 60))
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _scan() -> bytes:
    """A stand-in scan: one white A4 page with lines of "text"."""
    img = Image.new("L", (827, 1169), 255)
    draw = ImageDraw.Draw(img)
    for line in range(30):
        draw.rectangle((90, 140 + line * 30, 737 - (line % 4) * 60, 152 + line * 30), fill=90)
    buffer = io.BytesIO()
    img.save(buffer, "PDF", resolution=100.0)
    return buffer.getvalue()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "specimens")
    for specimen in asyncio.run(build(out)):
        print(f"{specimen.docx}\t{specimen.title}")


if __name__ == "__main__":
    main()
