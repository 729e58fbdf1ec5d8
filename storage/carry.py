"""Starting from last year: the earlier reports a unit may take over (its own and those of the
units it succeeds), and copying one into this year's draft: the results texts, the criteria's
narratives and the evidence files (the same stored files, listed again), never the scores, and
never over what the officer has written already."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def _rows(s: AsyncSession, model: type[T], assessment_id: int) -> list[T]:
    query = select(model).where(model.assessment_id == assessment_id)  # type: ignore[attr-defined]
    return list(await s.scalars(query.order_by(model.id)))  # type: ignore[attr-defined]


async def sources(s: AsyncSession, unit_id: int, year: int) -> list[Source]:
    """The reports of earlier years, of the unit and its predecessors, that hold something to
    take over; newest first."""
    has_content = or_(
        exists().where(Answer.assessment_id == Assessment.id, Answer.results_text.is_not(None)),
        exists().where(CriterionNote.assessment_id == Assessment.id),
        exists().where(Evidence.assessment_id == Assessment.id),
    )
    tree = lineage(Unit.id == unit_id)
    rows = await s.execute(
        select(Assessment.id, Unit.name, Period.year, Period.rubric_id)
        .join(Unit, Unit.id == Assessment.unit_id)
        .join(Period, Period.id == Assessment.period_id)
        .where(Assessment.unit_id.in_(select(tree.c.member_id)), Period.year < year, has_content)
        .order_by(Period.year.desc(), Unit.code)
    )
    return [Source(*row) for row in rows.all()]


async def carry(
    s: AsyncSession, target: Assessment, source: Source, items: dict[str, str], person_id: int
) -> tuple[Carried, list[tuple[str, str]]]:
    """Copy ``source`` into ``target`` through ``items`` (this year's item -> the earlier one);
    what was copied, and the results texts written as (item, text) for the audit trail."""
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
