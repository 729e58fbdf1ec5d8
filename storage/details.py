"""An assessment's criteria notes and evidence counts as two JSON columns of the statement that
reads its answers (storage.assessments.answers_and_position): every officer event loads what
any screen shows in that one statement. The notes come back as persistent ORM objects, as if
queried (a change to one is flushed as an UPDATE), without a query of their own."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import JSON, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.elements import ColumnElement

from storage.models import CriterionNote, Evidence

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
