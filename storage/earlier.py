"""Year over year: the newest earlier year's submitted result of a unit and of each unit it
succeeds through mergers (a merged commune has several), to show beside this year's. Read in
one statement, for one unit or for every unit of a list (the lineage is a recursive CTE)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CTE, ColumnElement, Select, Subquery, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Answer, Appraisal, Assessment, Period, Status, Unit, UnitSuccession

if TYPE_CHECKING:
    from rubric.model import Rubric


@dataclass(frozen=True)
class Earlier:
    """An earlier year's result of the unit or of a unit it succeeds, to show beside this year's."""

    unit_name: str
    year: int
    total: Decimal  # the appraising body's when it appraised, else the unit's own
    rating: str | None  # band code: the final rating, else the proposed one
    appraised: bool

    def rating_label(self, rubric: Rubric) -> str | None:
        """The rating as this year's rubric names it (else the code: a band it no longer has)."""
        band = rubric.band(self.rating) if self.rating else None
        return band.label if band else self.rating


def names_units(earlier: Sequence[Earlier], unit_name: str) -> bool:
    """Whether the results are shown with the unit each is of: several (a merged unit), or one
    of a unit by another name."""
    return len(earlier) > 1 or any(e.unit_name != unit_name for e in earlier)


def lineage(units: ColumnElement[bool]) -> CTE:
    """(unit_id, member_id): each unit ``units`` selects, paired with itself and with every unit
    it succeeds, however many mergers back."""
    top = select(Unit.id.label("unit_id"), Unit.id.label("member_id")).where(units)
    tree = top.cte("lineage", recursive=True)
    back = select(tree.c.unit_id, UnitSuccession.predecessor_id).where(
        UnitSuccession.successor_id == tree.c.member_id
    )
    return tree.union(back)  # UNION, not ALL: a unit reached twice is kept once


def newest(units: ColumnElement[bool], year: int | ColumnElement[int]) -> Subquery:
    """For each unit ``units`` selects (unit_id), the submitted results of the newest year before
    ``year`` (a number, or a parameter of a statement built once) among it and its
    predecessors: one row per unit of the lineage that has one."""
    tree = lineage(units)
    a, p, u = aliased(Assessment), aliased(Period), aliased(Unit)
    # the totals recorded at submission and appraisal; summed for a report recorded before them
    summed = select(func.sum(Answer.score)).where(Answer.assessment_id == a.id)
    own = func.coalesce(a.self_total, summed.scalar_subquery())
    summed_given = select(func.sum(Appraisal.score)).where(Appraisal.assessment_id == a.id)
    given = func.coalesce(a.appraised_total, summed_given.scalar_subquery())
    ranked = (
        select(
            tree.c.unit_id,
            u.name,
            u.code,
            p.year,
            a.status,
            a.final_rating,
            a.proposed_rating,
            own.label("own"),
            given.label("given"),
            func.max(p.year).over(partition_by=tree.c.unit_id).label("newest"),
        )
        .join(a, a.unit_id == tree.c.member_id)
        .join(u, u.id == a.unit_id)
        .join(p, p.id == a.period_id)
        .where(p.year < year, a.status != Status.DRAFT)
        .subquery()
    )
    return select(ranked).where(ranked.c.year == ranked.c.newest).subquery("earlier")


def columns(found: Subquery) -> tuple[Any, ...]:
    """The columns of ``newest`` that ``from_row`` reads, in its order."""
    c = found.c
    return c.name, c.year, c.status, c.final_rating, c.proposed_rating, c.own, c.given


def from_row(
    name: str | None,
    year: int | None,
    status: Status | None,
    final: str | None,
    proposed: str | None,
    own: Decimal | None,
    given: Decimal | None,
) -> Earlier | None:
    """The result ``columns`` read (None: an outer join found none)."""
    if name is None or year is None:
        return None
    appraised = status == Status.APPRAISED and given is not None
    total = given if appraised else own
    return Earlier(name, year, Decimal(total or 0), final or proposed, appraised)


async def earlier_by_unit(
    s: AsyncSession, units: ColumnElement[bool], year: int
) -> dict[int, list[Earlier]]:
    """The newest earlier year's results of every unit ``units`` selects (one statement); a
    unit with none is left out."""
    return _by_unit((await s.execute(_listing(units, year))).all())


def _listing(units: ColumnElement[bool], year: int | ColumnElement[int]) -> Select[Any]:
    found = newest(units, year)
    return select(found.c.unit_id, *columns(found)).order_by(found.c.unit_id, found.c.code)


def _by_unit(rows: Sequence[Any]) -> dict[int, list[Earlier]]:
    by_unit: dict[int, list[Earlier]] = defaultdict(list)
    for unit_id, *values in rows:
        e = from_row(*values)
        if e is not None:
            by_unit[unit_id].append(e)
    return dict(by_unit)


# one unit's: built once (the review and the report ask for it on every showing)
_OF_UNIT = _listing(Unit.id == bindparam("unit_id"), bindparam("year"))


async def earlier_results(s: AsyncSession, unit_id: int, year: int) -> list[Earlier]:
    """The newest earlier year's submitted results of the unit and its predecessors (one per
    unit: a merged commune has several)."""
    rows = (await s.execute(_OF_UNIT, {"unit_id": unit_id, "year": year})).all()
    return _by_unit(rows).get(unit_id, [])
