"""Starting from last year: the earlier reports a unit may take over (its own and those of the
units it succeeds), and copying one into this year's draft, all of it or one item: the results
texts, the criteria's narratives (all of it only) and the evidence files (the same stored files,
listed again), never the scores, and never over what the officer has written already."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, String, bindparam, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from rubric.model import Rubric
from storage.earlier import lineage
from storage.models import Answer, Assessment, CriterionNote, Evidence, Period, Unit

T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """An earlier report a unit may start from."""

    assessment_id: int
    unit_name: str
    year: int
    rubric_id: str


@dataclass
class Carried:
    results: int = 0
    notes: int = 0
    files: int = 0


@dataclass(frozen=True)
class ItemSource:
    """An earlier report that holds something for one item of this year's draft."""

    source: Source
    text: str | None  # the earlier item's results text
    files: int  # its evidence files not yet listed under this year's item


async def _rows(s: AsyncSession, model: type[T], assessment_id: int) -> list[T]:
    query = select(model).where(model.assessment_id == assessment_id)  # type: ignore[attr-defined]
    return list(await s.scalars(query.order_by(model.id)))  # type: ignore[attr-defined]


def _earlier(*columns: Any) -> Select[Any]:
    """``columns`` of the reports of the unit (parameter ``unit_id``) and its predecessors of
    the years before ``year`` (a parameter), newest first: a query to add conditions to."""
    tree = lineage(Unit.id == bindparam("unit_id"))
    return (
        select(*columns)
        .select_from(Assessment)
        .join(Unit, Unit.id == Assessment.unit_id)
        .join(Period, Period.id == Assessment.period_id)
        .where(Assessment.unit_id.in_(select(tree.c.member_id)), Period.year < bindparam("year"))
        .order_by(Period.year.desc(), Unit.code)
    )


_SOURCE = (Assessment.id, Unit.name, Period.year, Period.rubric_id)
_SOURCES = _earlier(*_SOURCE).where(
    or_(
        exists().where(Answer.assessment_id == Assessment.id, Answer.results_text.is_not(None)),
        exists().where(CriterionNote.assessment_id == Assessment.id),
        exists().where(Evidence.assessment_id == Assessment.id),
    )
)


async def sources(s: AsyncSession, unit_id: int, year: int) -> list[Source]:
    """The reports of earlier years, of the unit and its predecessors, that hold something to
    take over; newest first. One statement."""
    rows = await s.execute(_SOURCES, {"unit_id": unit_id, "year": year})
    return [Source(*row) for row in rows.all()]


def carried_from(rubric: Rubric, item_id: str) -> dict[str, str]:
    """The earlier rubrics that ``rubric``'s item is carried from -> the item in each: the same
    rubric (an earlier year of it) and the one it says it continues."""
    earlier = [rubric.id] + ([rubric.carries_from.rubric] if rubric.carries_from else [])
    return {r: old for r in earlier if (old := rubric.carried_items(r).get(item_id))}


def _item_sources() -> Select[Any]:
    """The statement of ``item_sources``, built once: the item is ``item_id`` in this year's
    draft ``target``; in an earlier report, ``old_1`` if its rubric is ``rubric_1`` and
    ``old_2`` if it is ``rubric_2`` (``carried_from`` names at most two)."""
    rubrics = (bindparam("rubric_1"), bindparam("rubric_2"))
    old_item = case(
        (Period.rubric_id == rubrics[0], bindparam("old_1", type_=String)),
        (Period.rubric_id == rubrics[1], bindparam("old_2", type_=String)),
    )
    text = select(Answer.results_text).where(
        Answer.assessment_id == Assessment.id, Answer.item_id == old_item
    )
    mine = aliased(Evidence)
    listed = exists().where(
        mine.assessment_id == bindparam("target"),
        mine.item_id == bindparam("item_id"),
        mine.sha256 == Evidence.sha256,
    )
    files = select(func.count(Evidence.id)).where(
        Evidence.assessment_id == Assessment.id, Evidence.item_id == old_item, ~listed
    )
    columns = (*_SOURCE, text.scalar_subquery(), files.scalar_subquery())
    return _earlier(*columns).where(or_(*(Period.rubric_id == r for r in rubrics)))


_ITEM_SOURCES = _item_sources()


async def item_sources(
    s: AsyncSession, target: Assessment, year: int, item_id: str, earlier: dict[str, str]
) -> list[ItemSource]:
    """The earlier reports (of ``target``'s unit and its predecessors) that hold a results
    text or files not yet listed here for ``item_id`` of this year's draft, newest first;
    ``earlier``: the rubrics the item is carried from -> the item in each. One statement."""
    if not earlier:
        return []
    assert len(earlier) <= 2, "an earlier year of the rubric, and the rubric it continues"
    pairs = [*earlier.items(), (None, None)][:2]
    params = {"unit_id": target.unit_id, "year": year, "target": target.id, "item_id": item_id}
    for n, (rubric_id, old) in enumerate(pairs, 1):
        params |= {f"rubric_{n}": rubric_id, f"old_{n}": old}
    rows = (await s.execute(_ITEM_SOURCES, params)).all()
    return [ItemSource(Source(*row[:4]), row[4], row[5]) for row in rows if row[4] or row[5]]


async def carry(
    s: AsyncSession,
    target: Assessment,
    source: Source,
    items: dict[str, str],
    person_id: int,
    only_item: str | None = None,
) -> tuple[Carried, list[tuple[str, str]]]:
    """Copy ``source`` into ``target`` through ``items`` (this year's item -> the earlier one),
    or only ``only_item``'s results text and files (not the criterion's narratives); what was
    copied, and the results texts written as (item, text) for the audit trail."""
    if only_item is not None:
        items = {only_item: items[only_item]} if only_item in items else {}
    back = {old: new for new, old in items.items()}
    done, written = Carried(), []
    mine = {a.item_id: a for a in await _rows(s, Answer, target.id)}
    for old in await _rows(s, Answer, source.assessment_id):
        new_id = back.get(old.item_id)
        answer = mine.get(new_id or "")
        if new_id is None or not old.results_text or (answer and answer.results_text):
            continue  # not mapped, nothing written, or never over what the officer wrote
        if answer is None:
            answer = mine[new_id] = Answer(assessment_id=target.id, item_id=new_id)
            s.add(answer)
        answer.results_text, answer.updated_by_id = old.results_text, person_id
        written.append((new_id, old.results_text))
        done.results += 1
    if only_item is None:
        done.notes = await _notes(s, target, source, items)
    done.files = await _files(s, target, source, back, person_id)
    return done, written


async def _notes(s: AsyncSession, target: Assessment, source: Source, items: dict[str, str]) -> int:
    """The criteria's narratives, from the criterion the mapped items came from."""
    back = {old.split(".")[0]: new.split(".")[0] for new, old in items.items()}
    notes = {n.criterion_id: n for n in await _rows(s, CriterionNote, target.id)}
    copied = 0
    for old in await _rows(s, CriterionNote, source.assessment_id):
        criterion = back.get(old.criterion_id)
        if criterion is None:
            continue
        note = notes.get(criterion)
        if note is None:
            note = notes[criterion] = CriterionNote(assessment_id=target.id, criterion_id=criterion)
            s.add(note)
        for field in ("strengths", "shortcomings"):
            if getattr(old, field) and not getattr(note, field):
                setattr(note, field, getattr(old, field))
                copied += 1
    return copied


async def _files(
    s: AsyncSession, target: Assessment, source: Source, back: dict[str, str], person_id: int
) -> int:
    """The evidence files listed again under this year's items (the stored files are shared)."""
    have = {(e.item_id, e.sha256) for e in await _rows(s, Evidence, target.id)}
    copied = 0
    for old in await _rows(s, Evidence, source.assessment_id):
        new_id = back.get(old.item_id)
        if new_id is None or (new_id, old.sha256) in have:
            continue
        s.add(Evidence(
            assessment_id=target.id, item_id=new_id, kind=old.kind,
            original_name=old.original_name, mime_type=old.mime_type, size=old.size,
            sha256=old.sha256, storage_key=old.storage_key, caption=old.caption,
            uploaded_by_id=person_id,
        ))  # fmt: skip
        have.add((new_id, old.sha256))
        copied += 1
    return copied
