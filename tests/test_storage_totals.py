"""storage.totals: the total a list query computes in SQL equals rubric.scoring.total on any
scores (a bonus and a penalty past their caps, a penalty larger than everything else), for the
unit's answers and the appraising body's scores, on every backend."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import ensure_demo
from rubric.scoring import allowed_scores, total
from storage import assessments
from storage.db import create_all, make_engine, make_sessionmaker
from storage.models import Answer, Appraisal, Assessment
from storage.totals import total_column
from tests.fuzzing import fuzz
from tests.scoring_tables import bonus_rubric

RUBRIC = bonus_rubric()
SCORES = st.fixed_dictionaries(
    {},
    optional={i.id: st.sampled_from(allowed_scores(i, RUBRIC.score_step)) for i in RUBRIC.items()},
)


async def _assessment(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as s, s.begin():
        unit = await ensure_demo(s)
        a = (await assessments.current(s, unit.id)).assessment
        assert a is not None
        return a.id


async def _totals(
    sessions: async_sessionmaker[AsyncSession], aid: int, scores: dict[str, Decimal]
) -> tuple[Decimal, Decimal]:
    async with sessions() as s, s.begin():
        for model in (Answer, Appraisal):
            await s.execute(delete(model).where(model.assessment_id == aid))
            s.add_all(model(assessment_id=aid, item_id=k, score=v) for k, v in scores.items())
    async with sessions() as s:
        query = select(total_column(RUBRIC, Answer), total_column(RUBRIC, Appraisal))
        own, given_ = (await s.execute(query.where(Assessment.id == aid))).one()
    return Decimal(own), Decimal(given_)


def test_the_sql_total_is_the_rubric_s_total(db_url: str) -> None:
    with asyncio.Runner() as run:
        engine = make_engine(db_url)
        run.run(create_all(engine))
        sessions = make_sessionmaker(engine)
        aid = run.run(_assessment(sessions))

        @fuzz(80)
        @given(SCORES)
        def same(scores: dict[str, Decimal]) -> None:
            want = total(RUBRIC, scores)
            assert run.run(_totals(sessions, aid, scores)) == (want, want)

        try:
            same()
        finally:
            run.run(engine.dispose())
