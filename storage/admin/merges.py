"""Mergers of units: ``danvan units merge OLD… --into NEW --on DATE`` and the history a unit
inherits. A merger is recorded, never applied to the old rows: the predecessors keep their
periods, assessments and reports (read-only from the date on), and the successor sees them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rubric.model import Rubric
from rubric.scoring import total
from rubric.vietnam import vn_date
from storage.admin import AdminError
from storage.models import Answer, Assessment, Period, Unit, UnitSuccession


@dataclass(frozen=True)
class Step:
    """A predecessor of a unit, ``depth`` mergers back, merged on ``on``."""

    unit: Unit
    on: date
    depth: int


async def successions(s: AsyncSession) -> list[UnitSuccession]:
    return list(await s.scalars(select(UnitSuccession)))


def _reaches(edges: list[UnitSuccession], start: int, goal: int) -> bool:
    """Does ``start`` lead to ``goal`` through successions (predecessor -> successor)?"""
    seen, todo = set(), [start]
    while todo:
        here = todo.pop()
        if here == goal:
            return True
        if here not in seen:
            seen.add(here)
            todo.extend(e.successor_id for e in edges if e.predecessor_id == here)
    return False


async def merge(s: AsyncSession, olds: list[str], new: str, on: date) -> list[str]:
    """Record that ``new`` succeeds each of ``olds`` from ``on``; the codes newly recorded (a
    merger already recorded is left as it is). Refused, writing nothing: unknown codes, a unit
    merged into itself, a merger that would make a cycle, or one recorded with another date."""
    wanted = [*olds, new]
    found = {u.code: u for u in await s.scalars(select(Unit).where(Unit.code.in_(wanted)))}
    problems = [
        f"Không có đơn vị mã {code}." for code in dict.fromkeys(wanted) if code not in found
    ]
    if new in olds:
        problems.append(f"Không sáp nhập được {new} vào chính nó.")
    if len(set(olds)) != len(olds):
        problems.append("Một đơn vị được kể hai lần trong danh sách sáp nhập.")
    if problems:
        raise AdminError(problems)
    edges, successor = await successions(s), found[new]
    added = []
    for code in olds:
        old = found[code]
        pair = (old.id, successor.id)
        same = next((e for e in edges if (e.predecessor_id, e.successor_id) == pair), None)
        if same is not None:
            if same.effective_on != on:
                problems.append(
                    f"{code} đã được ghi là sáp nhập vào {new} từ {vn_date(same.effective_on)}."
                )
            continue
        if _reaches(edges, successor.id, old.id):
            problems.append(f"{new} đã là đơn vị kế thừa (trực tiếp hay gián tiếp) của {code}: "
                            "ghi như vậy sẽ thành một vòng.")  # fmt: skip
            continue
        edges.append(
            UnitSuccession(predecessor_id=old.id, successor_id=successor.id, effective_on=on)
        )
        added.append(code)
    if problems:
        raise AdminError(problems)
    s.add_all(e for e in edges if e.id is None)
    await s.flush()
    return added


async def history(s: AsyncSession, unit: Unit) -> list[Step]:
    """Every unit ``unit`` succeeds, nearest first (predecessors of predecessors too)."""
    edges = await successions(s)
    units = {u.id: u for u in await s.scalars(select(Unit))}
    steps: list[Step] = []
    frontier, seen = [(unit.id, 0)], {unit.id}
    while frontier:
        here, depth = frontier.pop(0)
        for e in sorted(edges, key=lambda e: units[e.predecessor_id].code):
            if e.successor_id == here and e.predecessor_id not in seen:
                seen.add(e.predecessor_id)
                steps.append(Step(units[e.predecessor_id], e.effective_on, depth + 1))
                frontier.append((e.predecessor_id, depth + 1))
    return steps


async def assessments_of(
    s: AsyncSession, unit_ids: list[int], rubric_for: Callable[[str], Rubric]
) -> list[tuple[Assessment, Period, Decimal]]:
    """The assessments of these units with their own total (by each period's rubric), newest
    year first."""
    rows = await s.execute(
        select(Assessment, Period)
        .join(Period, Period.id == Assessment.period_id)
        .where(Assessment.unit_id.in_(unit_ids))
        .order_by(Period.year.desc(), Assessment.unit_id)
    )
    found = [tuple(row) for row in rows.all()]
    scores: dict[int, dict[str, Decimal | None]] = {a.id: {} for a, _ in found}
    answers = select(Answer.assessment_id, Answer.item_id, Answer.score)
    for aid, item_id, score in await s.execute(answers.where(Answer.assessment_id.in_(scores))):
        scores[aid][item_id] = score
    return [(a, p, total(rubric_for(p.rubric_id), scores[a.id])) for a, p in found]
