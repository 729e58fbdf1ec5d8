"""A throw-away database for one benchmark run, seeded through the storage layer.

- district ``BENCH``: N communes, the 2022 period, one officer invite per unit (the load);
- district ``BENCHX``: 40 communes with fully answered, submitted assessments, an officer of
  its first unit (asks ``/baocao``) and an appraiser (asks ``/tonghop``): the report timings.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import open_app, rubric_loader
from bot.settings import Settings
from rubric.model import Rubric
from storage import assessments as repo
from storage import people
from storage.admin import periods as period_admin
from storage.models import Answer, CriterionNote, Role, Status, Unit, UnitKind

RUBRIC_ID = "hung-yen-2022"
DATES = {
    "submit_by": date(2022, 11, 15),
    "appraise_by": date(2022, 12, 1),
    "report_by": date(2022, 12, 10),
}
OFFICER_IDS = 100_000  # Telegram user ids of the simulated officers: 100001, 100002, ...
REPORTER_ID, APPRAISER_ID = 900_001, 900_002
DISTRICT_UNITS = 40


@dataclass
class Seeded:
    invites: list[tuple[int, str]] = field(default_factory=list)  # (user id, token)
    report_assessment: int = 0  # a fully answered assessment
    district_period: int = 0  # the 40-unit district's period


def settings_for(url: str, work: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        data_dir=work / "data",
        evidence_dir=work / "data" / "evidence",
        output_dir=work / "out",
        reminders_enabled=False,
    )


@asynccontextmanager
async def temp_database(kind: str, work: Path, admin_url: str) -> AsyncIterator[str]:
    """A fresh database URL: a SQLite file in ``work``, or a new PostgreSQL database that is
    dropped (WITH FORCE) afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{work / 'danvan.db'}"
        return
    import asyncpg

    admin_u = make_url(admin_url)
    name = f"bench_{secrets.token_hex(5)}"

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(
            host=admin_u.host or "127.0.0.1",
            port=admin_u.port or 5432,
            user=admin_u.username,
            password=admin_u.password,
            database=admin_u.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_u.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        await execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def database_size(url: str, work: Path) -> int:
    """Bytes: the SQLite file with its WAL, or pg_database_size."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(u.database or "")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    import asyncpg

    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, database=u.database
    )
    try:
        return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await conn.close()


def _answer(
    s: AsyncSession, assessment_id: int, rubric: Rubric, n: int, all_but_last: bool = False
) -> Decimal:
    """Answers (scores, results texts) and notes for every criterion, or for all but the last
    item (and the last criterion's notes); the total self-score."""
    total = Decimal(0)
    last = rubric.items()[-1].id if all_but_last else None
    for c, criterion in enumerate(rubric.criteria):
        for i, item in enumerate(criterion.items):
            if item.id == last:
                return total
            if item.is_tiered:
                choice = item.choices[(n + i) % len(item.choices)]
                score, choice_id = choice.points, choice.id
            else:
                score, choice_id = max(Decimal(0), item.max_points - (n + i + c) % 2), None
            total += score
            text = (
                f"Đơn vị đã thực hiện nội dung {item.id}: ban hành kế hoạch, tổ chức hội nghị "
                "quán triệt, kiểm tra và báo cáo kết quả đúng thời hạn."
            )
            s.add(Answer(assessment_id=assessment_id, item_id=item.id, score=score,
                         choice_id=choice_id, results_text=text))  # fmt: skip
        s.add(CriterionNote(assessment_id=assessment_id, criterion_id=criterion.id,
                            strengths=f"Làm tốt tiêu chí {criterion.id}.",
                            shortcomings="Một số nội dung còn chậm."))  # fmt: skip
    return total


def _unit(code: str, name: str, kind: UnitKind, parent: Unit | None = None) -> Unit:
    return Unit(
        code=code,
        name=name,
        short_name="UBND",
        kind=kind,
        parent=parent,
        place=name.removeprefix("UBND xã ").removeprefix("UBND huyện "),
        head_title="CHỦ TỊCH",
    )


async def seed(settings: Settings, officers: int, near_done: float = 0.0) -> Seeded:
    """Migrate the empty database and fill it (see the module's docstring); ``near_done``: the
    share of the load's units with every item but the last already answered (so that some
    officers reach the review, the submission and its report during a run)."""
    out = Seeded()
    rubric = rubric_loader(settings)(RUBRIC_ID)
    async with open_app(settings) as app, app.sessions() as s, s.begin():
        district = _unit("BENCH", "UBND huyện Thử Tải", UnitKind.DISTRICT)
        units = [
            _unit(f"BENCH-{n:04d}", f"UBND xã Thử {n}", UnitKind.COMMUNE, district)
            for n in range(1, officers + 1)
        ]
        other = _unit("BENCHX", "UBND huyện Báo Cáo", UnitKind.DISTRICT)
        answered = [
            _unit(f"BENCHX-{n:02d}", f"UBND xã Báo Cáo {n}", UnitKind.COMMUNE, other)
            for n in range(1, DISTRICT_UNITS + 1)
        ]
        s.add_all([district, *units, other, *answered])
        await s.flush()
        load_period, _ = await period_admin.create_period(
            s, district, year=2022, rubric_id=RUBRIC_ID, **DATES
        )
        for n, unit in enumerate(units, 1):
            invite = await people.create_invite(s, Role.OFFICER, unit.id)
            out.invites.append((OFFICER_IDS + n, invite.token))

        period, _ = await period_admin.create_period(
            s, other, year=2022, rubric_id=RUBRIC_ID, **DATES
        )
        out.district_period = period.id
        reporter = await people.add_person(
            s, "Cán bộ báo cáo", "telegram", str(REPORTER_ID), str(REPORTER_ID)
        )
        await people.grant(s, reporter.id, Role.OFFICER, answered[0].id)
        appraiser = await people.add_person(
            s, "Thẩm định viên", "telegram", str(APPRAISER_ID), str(APPRAISER_ID)
        )
        await people.grant(s, appraiser.id, Role.APPRAISER, other.id)
        for n, unit in enumerate(answered):
            assessment = await repo.get_or_create(s, unit.id, period.id)
            total = _answer(s, assessment.id, rubric, n)
            assessment.status = Status.SUBMITTED
            assessment.submitted_at = datetime(2022, 11, 10, 3, 0, tzinfo=UTC)
            assessment.proposed_rating = rubric.band_for(total).code
            assessment.cursor = "submitted"
            if n == 0:
                out.report_assessment = assessment.id
        every = max(1, round(1 / near_done)) if near_done > 0 else 0  # spread: any officers
        near = units[::every][: math.ceil(near_done * len(units))] if every else []  # at work
        for n, unit in enumerate(near):
            assessment = await repo.get_or_create(s, unit.id, load_period.id)
            _answer(s, assessment.id, rubric, n, all_but_last=True)
        await s.flush()
    return out
