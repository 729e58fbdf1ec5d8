"""Score and rating changes audited by the database (storage/audit_triggers.py), on each
backend: one event per change, in the name of who changed it, with the values as the code
writes them; none for a press of the value already given, none without a person; and the
triggers present in a migrated database as in one made by ``create_all``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import audit_triggers, migrate
from storage.db import make_engine
from storage.models import Answer, Appraisal, Assessment, AuditEvent, Period, Person, Unit


async def triggers_of(engine: AsyncEngine) -> set[str]:
    def read(conn: Connection) -> set[str]:
        if conn.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = (  # this test's schema only: the others' run beside it
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )
        return set(conn.execute(text(query)).scalars())

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def test_create_all_makes_them(engine: AsyncEngine) -> None:
    assert await triggers_of(engine) == audit_triggers.names(engine.dialect.name)


async def test_migrations_make_and_unmake_them(db_url: str) -> None:
    await migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert await triggers_of(engine) == audit_triggers.names(engine.dialect.name)
        await migrate.downgrade(db_url, "0009")
        assert await triggers_of(engine) == set()
        await migrate.upgrade(db_url)
        assert await triggers_of(engine) == audit_triggers.names(engine.dialect.name)
    finally:
        await engine.dispose()


async def _world(s: AsyncSession) -> tuple[Assessment, Person, Person]:
    unit = Unit(code="X", name="UBND xã X")
    officer, appraiser = Person(full_name="Cán bộ A"), Person(full_name="Thẩm định B")
    s.add_all([unit, officer, appraiser])
    await s.flush()
    day = date(2026, 11, 15)
    period = Period(year=2026, rubric_id="hung-yen-2022", authority_id=unit.id, submit_by=day,
                    appraise_by=day, report_by=day)  # fmt: skip
    s.add(period)
    await s.flush()
    a = Assessment(unit_id=unit.id, period_id=period.id)
    s.add(a)
    await s.flush()
    return a, officer, appraiser


Event = tuple[str, str | None, str | None, str | None, int | None]


async def _events(s: AsyncSession, a: Assessment) -> list[Event]:
    rows = await s.scalars(
        select(AuditEvent).where(AuditEvent.assessment_id == a.id).order_by(AuditEvent.id)
    )
    return [(e.action, e.target, e.old, e.new, e.person_id) for e in rows]


async def test_an_officer_s_scores(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as s, s.begin():
        a, officer, _ = await _world(s)
        seeded = Answer(assessment_id=a.id, item_id="I.2", score=Decimal("1"))  # no person
        given = Answer(assessment_id=a.id, item_id="I.1", score=Decimal("2"))
        given.updated_by_id = officer.id
        s.add_all([seeded, given])
        await s.flush()
        given.score = Decimal("1.5")
        await s.flush()
        await s.execute(update(Answer).where(Answer.id == given.id).values(score=Decimal("1.5")))
        given.score, given.choice_id = Decimal("3"), "IV.1.2"  # a tier
        await s.flush()
        given.results_text = "Đã ban hành kế hoạch."  # not a score: the code audits it
        await s.flush()
        assert await _events(s, a) == [
            ("answer.score", "I.1", None, "2", officer.id),
            ("answer.score", "I.1", "2", "1.5", officer.id),
            ("answer.score", "I.1", "1.5", "IV.1.2", officer.id),
        ]
        at = await s.scalar(select(AuditEvent.at).where(AuditEvent.assessment_id == a.id))
        assert at is not None and at.year >= 2026  # a time the models read back


async def test_an_appraiser_s_scores_and_rating(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as s, s.begin():
        a, _, appraiser = await _world(s)
        row = Appraisal(assessment_id=a.id, item_id="I.1", comment="Thiếu văn bản")  # no score
        s.add(row)
        await s.flush()
        row.score, row.appraiser_id = Decimal("0.5"), appraiser.id
        await s.flush()
        a.final_rating = "tot"  # rated without a person (an import): not audited
        await s.flush()
        a.final_rating, a.appraised_by_id = "xuat_sac", appraiser.id
        await s.flush()
        assert await _events(s, a) == [
            ("appraisal.score", "I.1", None, "0.5", appraiser.id),
            ("appraisal.rating", None, "tot", "xuat_sac", appraiser.id),
        ]
        await s.execute(delete(Appraisal).where(Appraisal.id == row.id))  # deleting: nothing
        assert len(await _events(s, a)) == 2
