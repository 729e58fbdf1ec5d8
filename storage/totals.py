"""A rubric's total in SQL, for the queries that list many assessments in one statement: the
arithmetic of ``rubric.scoring.total`` (the criteria add up; a bonus adds and a penalty takes
off at most its cap; never below 0), built from the rubric's data. A test holds the two equal
on random scores, on every backend."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.sql.selectable import ScalarSelect

from rubric.model import Kind, Rubric
from storage.models import Answer, Appraisal, Assessment, Score


def _sum(score: ColumnElement[Decimal], item: ColumnElement[str], ids: list[str]):  # type: ignore[no-untyped-def]
    zero = literal(Decimal(0), Score)
    return func.coalesce(func.sum(case((item.in_(ids), score), else_=zero)), zero)


def total_column(rubric: Rubric, model: type[Answer] | type[Appraisal]) -> ScalarSelect[Decimal]:
    """The total of an assessment's rows of ``model`` (the unit's answers or the appraising
    body's scores), correlated to ``Assessment``."""
    score, item = model.score, model.item_id
    ids = [i.id for c in rubric.scored_criteria() for i in c.items]
    points = _sum(score, item, ids)
    for c in rubric.criteria:
        if c.scored:
            continue
        part, cap = _sum(score, item, [i.id for i in c.items]), literal(c.max_points, Score)
        capped = case((part > cap, cap), else_=part)
        points = points - capped if c.kind is Kind.PENALTY else points + capped
    zero = literal(Decimal(0), Score)
    floored = case((points < zero, zero), else_=points)
    return (
        select(floored)
        .where(model.assessment_id == Assessment.id)
        .correlate(Assessment)
        .scalar_subquery()
    )
