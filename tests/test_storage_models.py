"""storage.models on each backend: the constraints and behaviour the application relies on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from storage.db import make_engine, make_sessionmaker
from storage.models import (
    Answer,
    Assessment,
    CriterionNote,
    Evidence,
    Identity,
    Membership,
    Period,
    Person,
    Role,
    Status,
    Unit,
    UnitKind,
)

Sessions = async_sessionmaker[AsyncSession]


async def seed(s: AsyncSession) -> Assessment:
    """District → commune, an officer of the commune, the 2022 period, the commune's draft."""
    district = Unit(code="H01", name="UBND huyện Kim Động", kind=UnitKind.DISTRICT)
    commune = Unit(code="X01", name="UBND xã Toàn Thắng", kind=UnitKind.COMMUNE, parent=district)
    officer = Person(full_name="Nguyễn Văn An")
    s.add_all([district, commune, officer])
    await s.flush()
    s.add(Identity(person_id=officer.id, channel="telegram", external_id="1001"))
    s.add(Membership(person_id=officer.id, role=Role.OFFICER, unit_id=commune.id))
    period = Period(
        year=2022,
        rubric_id="hung-yen-2022",
        authority_id=district.id,
        submit_by=date(2022, 12, 10),
        appraise_by=date(2022, 12, 20),
        report_by=date(2022, 12, 31),
    )
    s.add(period)
    await s.flush()
    assessment = Assessment(unit_id=commune.id, period_id=period.id)
    s.add(assessment)
    await s.flush()
    return assessment


async def count(s: AsyncSession, model: type) -> int:
    return (await s.execute(select(func.count()).select_from(model))).scalar_one()


class TestModels:
    async def test_unit_tree_and_defaults(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            a = await seed(s)
            await s.commit()
        async with sessionmaker() as s:
            commune = (await s.execute(select(Unit).where(Unit.code == "X01"))).scalar_one()
            parent = await s.get(Unit, commune.parent_id)
            assert parent is not None and parent.code == "H01"
            assert commune.kind is UnitKind.COMMUNE
            loaded = await s.get(Assessment, a.id)
            assert loaded is not None
            assert loaded.status is Status.DRAFT
            assert loaded.version == 1
            assert loaded.updated_at is not None
            period = await s.get(Period, loaded.period_id)
            assert period is not None and period.timezone == "Asia/Ho_Chi_Minh"
            m = (await s.execute(select(Membership))).scalar_one()
            assert m.role is Role.OFFICER

    async def test_same_identity_twice_fails(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            await seed(s)
            other = Person(full_name="Trần Thị Bình")
            s.add(other)
            await s.flush()
            s.add(Identity(person_id=other.id, channel="telegram", external_id="1001"))
            with pytest.raises(IntegrityError):
                await s.flush()
            await s.rollback()

    async def test_same_identity_on_other_channel_is_fine(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            await seed(s)
            person = (await s.execute(select(Person))).scalar_one()
            s.add(Identity(person_id=person.id, channel="zalo", external_id="1001"))
            await s.commit()
            assert await count(s, Identity) == 2

    async def test_same_answer_item_twice_fails(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            a = await seed(s)
            s.add(Answer(assessment_id=a.id, item_id="I.1", score=Decimal(2)))
            await s.flush()
            s.add(Answer(assessment_id=a.id, item_id="I.1", score=Decimal(3)))
            with pytest.raises(IntegrityError):
                await s.flush()
            await s.rollback()

    async def test_half_scores_round_trip(self, sessionmaker: Sessions) -> None:
        scores = {"I.1": Decimal("4.5"), "I.2": Decimal("0.5"), "IV.1": Decimal("7")}
        async with sessionmaker() as s:
            a = await seed(s)
            s.add_all(Answer(assessment_id=a.id, item_id=k, score=v) for k, v in scores.items())
            await s.commit()
        async with sessionmaker() as s:
            rows = (await s.execute(select(Answer.item_id, Answer.score))).all()
            got = dict(rows)
            assert got == scores
            assert all(isinstance(v, Decimal) for v in got.values())
            assert got["I.1"] == Decimal("4.5") and str(got["I.1"]) == "4.5"
            total = (await s.execute(select(func.sum(Answer.score)))).scalar_one()
            assert Decimal(total) == Decimal("12")

    async def test_concurrent_update_raises_stale_data(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            a = await seed(s)
            await s.commit()
        async with sessionmaker() as s1, sessionmaker() as s2:
            first = await s1.get(Assessment, a.id)
            second = await s2.get(Assessment, a.id)
            assert first is not None and second is not None
            first.proposed_rating = "tot"
            await s1.commit()
            second.proposed_rating = "kha"
            with pytest.raises(StaleDataError):
                await s2.commit()
            await s2.rollback()
        async with sessionmaker() as s:
            final = await s.get(Assessment, a.id)
            assert final is not None
            assert (final.proposed_rating, final.version) == ("tot", 2)

    async def test_deleting_assessment_cascades(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            a = await seed(s)
            s.add(Answer(assessment_id=a.id, item_id="I.1", score=Decimal(1)))
            s.add(CriterionNote(assessment_id=a.id, criterion_id="I", strengths="Tốt"))
            s.add(
                Evidence(
                    assessment_id=a.id,
                    item_id="I.1",
                    kind="document",
                    original_name="bien_ban.pdf",
                    mime_type="application/pdf",
                    size=10,
                    sha256="a" * 64,
                    storage_key=f"aa/aa/{'a' * 64}",
                )
            )
            await s.commit()
            await s.delete(a)
            await s.commit()
            for model in (Assessment, Answer, CriterionNote, Evidence):
                assert await count(s, model) == 0, model
            assert await count(s, Unit) == 2  # the parents stay

    async def test_foreign_keys_enforced(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            await seed(s)
            await s.commit()
            s.add(Answer(assessment_id=987654, item_id="I.1"))
            with pytest.raises(IntegrityError):
                await s.flush()
            await s.rollback()

    async def test_row_survives_restart(self, engine: AsyncEngine, db_url: str) -> None:
        async with make_sessionmaker(engine)() as s:
            a = await seed(s)
            s.add(Answer(assessment_id=a.id, item_id="II.3", score=Decimal("2.5")))
            await s.commit()
        await engine.dispose()

        again = make_engine(db_url)
        try:
            async with make_sessionmaker(again)() as s:
                answer = (await s.execute(select(Answer))).scalar_one()
                assert (answer.item_id, answer.score) == ("II.3", Decimal("2.5"))
        finally:
            await again.dispose()


def test_invite_tokens_never_look_like_options() -> None:
    from storage.people import new_token

    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(t[0].isalnum() and len(t) == 22 for t in tokens)
