"""What an officer's event reads besides its place (storage.assessments.answers_and_position),
in that one statement: the answers as plain rows, the criteria notes and the evidence counts
as two JSON columns. The notes come back as persistent ORM objects, as if queried (a change to
one is flushed as an UPDATE), without a query of their own; an answer becomes one only when the
event changes it (``to_change``): the ~28 answers every screen reads are not each turned into an
ORM object (SQLAlchemy's loading was ~5 % of the bot's CPU under load)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import JSON, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Answer, CriterionNote, Evidence

_NOTE_FIELDS = ("id", "criterion_id", "strengths", "shortcomings")
_OF_THIS = bindparam("assessment_id")


def _pairs(columns: tuple[str, ...], table: Any) -> list[Any]:
    return [part for name in columns for part in (name, getattr(table, name))]


def notes_column(dialect: str) -> ColumnElement[Any]:
    """The assessment's notes: a JSON list of objects (id, criterion_id, strengths, …)."""
    pairs = _pairs(_NOTE_FIELDS, CriterionNote)
    if dialect == "postgresql":
        each, many = func.json_build_object(*pairs), func.json_agg
    else:
        each, many = func.json_object(*pairs), func.json_group_array
    query = select(many(each)).where(CriterionNote.assessment_id == _OF_THIS)
    return query.scalar_subquery().cast(JSON) if dialect == "postgresql" else _json(query)


def evidence_column(dialect: str) -> ColumnElement[Any]:
    """The assessment's files counted by item: a JSON object {item: count}."""
    counts = (
        select(Evidence.item_id, func.count().label("n"))
        .where(Evidence.assessment_id == _OF_THIS)
        .group_by(Evidence.item_id)
        .subquery()
    )
    many = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    query = select(many(counts.c.item_id, counts.c.n))
    return query.scalar_subquery().cast(JSON) if dialect == "postgresql" else _json(query)


def _json(query: Any) -> ColumnElement[Any]:
    """SQLite's JSON text, read back as JSON."""
    return func.json(query.scalar_subquery(), type_=JSON)


def notes(
    s: AsyncSession, assessment_id: int, found: list[dict[str, Any]] | None
) -> dict[str, CriterionNote]:
    """The notes ``notes_column`` read, persistent in ``s`` (by criterion)."""
    out: dict[str, CriterionNote] = {}
    for row in found or []:
        note = CriterionNote(assessment_id=assessment_id, **{k: row[k] for k in _NOTE_FIELDS})
        make_transient_to_detached(note)
        s.sync_session.add(note)
        out[note.criterion_id] = note
    return out


def evidence(found: dict[str, int] | None) -> Counter[str]:
    return Counter({item: int(n) for item, n in (found or {}).items()})


class ReadAnswer(NamedTuple):
    """An answer as the event's statement read it: plain data, until it is changed."""

    id: int
    item_id: str
    score: Decimal | None
    choice_id: str | None
    results_text: str | None
    updated_at: datetime
    updated_by_id: int | None


ANSWER_COLUMNS = tuple(getattr(Answer, name) for name in ReadAnswer._fields)


def to_change(s: AsyncSession, assessment_id: int, item_id: str, read: ReadAnswer | None) -> Answer:
    """The item's answer as an ORM object in ``s``, to change (flushed at the commit): the one
    ``read`` (as if queried: a change is an UPDATE), or a new one."""
    if read is None:
        answer = Answer(assessment_id=assessment_id, item_id=item_id)
        s.add(answer)
        return answer
    loaded = s.sync_session.identity_map.get(identity_key(Answer, read.id))
    if isinstance(loaded, Answer):  # queried in this session already
        return loaded
    answer = Answer(assessment_id=assessment_id, **read._asdict())
    make_transient_to_detached(answer)
    s.sync_session.add(answer)
    return answer
