"""Score and rating changes audited by the database: a trigger writes the audit event of a
score given (``answer.score``: an officer; ``appraisal.score``: the appraising body) and of
the appraising body's rating (``appraisal.rating``) in the statement that changes it, so that
a press costs one write fewer (issue 16: at most 4 statements a press) and no code path that
changes a score can forget its audit event. Every other audit event is written by the code
(``storage.assessments.audit``).

An event is written when the value changes and the row names who changed it
(``updated_by_id``, ``appraiser_id``, ``appraised_by_id``): a seed or an import without a
person writes none, a press of the value already given writes none. Values read as the code
wrote them: the tier's id, else the points without trailing zeros ("2", "1.5").

The definitions at head: ``create_all`` (tests) attaches them to the tables, migration 0010
creates them. A later change needs a migration that runs ``drop`` then ``create``; and since
SQLite's batch migrations copy a table into a new one (which loses its triggers), a migration
that rebuilds ``answers``, ``appraisals`` or ``assessments`` on SQLite must run ``create``
again (tests/test_storage_audit_triggers.py checks the migrated schema has them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import DDL, Table, event


@dataclass(frozen=True)
class Audited:
    name: str  # the trigger's (and PostgreSQL function's) name
    table: str
    action: str
    person: str  # the column naming who changed it
    assessment: str  # the column of the assessment's id
    target: str  # SQL of the audit event's target ("NULL": none)
    columns: tuple[str, ...]  # a change of any of these is audited
    value: str  # SQL of the value, for NEW or OLD ("{row}")


_POINTS = {
    "sqlite": "coalesce({row}.choice_id, CAST({row}.score AS TEXT))",
    "postgresql": "coalesce({row}.choice_id, trim_scale({row}.score)::text)",
}
AUDITED = (
    Audited("audit_answer_score", "answers", "answer.score", "updated_by_id", "assessment_id",
            "NEW.item_id", ("score", "choice_id"), "points"),
    Audited("audit_appraisal_score", "appraisals", "appraisal.score", "appraiser_id",
            "assessment_id", "NEW.item_id", ("score", "choice_id"), "points"),
    Audited("audit_appraisal_rating", "assessments", "appraisal.rating", "appraised_by_id", "id",
            "NULL", ("final_rating",), "{row}.final_rating"),
)  # fmt: skip


def _value(a: Audited, dialect: str, row: str) -> str:
    return (_POINTS[dialect] if a.value == "points" else a.value).format(row=row)


def _differs(a: Audited, dialect: str) -> str:
    op = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in a.columns)


def _given(a: Audited) -> str:
    return " OR ".join(f"NEW.{c} IS NOT NULL" for c in a.columns)


def _insert(a: Audited, dialect: str, old: str) -> str:
    at = "strftime('%Y-%m-%d %H:%M:%f', 'now')" if dialect == "sqlite" else "now()"
    return (
        "INSERT INTO audit_events (at, person_id, assessment_id, action, target, old, new) "
        f"VALUES ({at}, NEW.{a.person}, NEW.{a.assessment}, "
        f"'{a.action}', {a.target}, {old}, {_value(a, dialect, 'NEW')});"
    )


def create_statements(dialect: str) -> list[str]:
    out: list[str] = []
    for a in AUDITED:
        if dialect == "sqlite":
            if a.table != "assessments":  # an assessment is made without a rating
                out.append(
                    f"CREATE TRIGGER {a.name}_new AFTER INSERT ON {a.table} "
                    f"WHEN NEW.{a.person} IS NOT NULL AND ({_given(a)}) "
                    f"BEGIN {_insert(a, dialect, 'NULL')} END"
                )
            out.append(
                f"CREATE TRIGGER {a.name}_changed AFTER UPDATE OF {', '.join(a.columns)} "
                f"ON {a.table} WHEN NEW.{a.person} IS NOT NULL AND ({_differs(a, dialect)}) "
                f"BEGIN {_insert(a, dialect, _value(a, dialect, 'OLD'))} END"
            )
            continue
        old = f"CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE {_value(a, dialect, 'OLD')} END"
        out.append(
            f"CREATE FUNCTION {a.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.{a.person} IS NOT NULL AND (TG_OP = 'INSERT' AND ({_given(a)}) "
            f"OR TG_OP = 'UPDATE' AND ({_differs(a, dialect)})) THEN "
            f"{_insert(a, dialect, old)} END IF; RETURN NULL; END $$"
        )
        on = "INSERT OR UPDATE" if a.table != "assessments" else "UPDATE"
        out.append(
            f"CREATE TRIGGER {a.name} AFTER {on} OF {', '.join(a.columns)} ON {a.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {a.name}()"
        )
    return out


def drop_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in sorted(names(dialect))]
    return [f"DROP FUNCTION IF EXISTS {a.name}() CASCADE" for a in AUDITED]


def names(dialect: str) -> set[str]:
    """The triggers' names, as the database lists them."""
    return {name for a in AUDITED for name in names_of(a, dialect)}


def create(execute: Callable[[str], object], dialect: str) -> None:
    for statement in create_statements(dialect):
        execute(statement)


def drop(execute: Callable[[str], object], dialect: str) -> None:
    for statement in drop_statements(dialect):
        execute(statement)


def attach(tables: dict[str, Table]) -> None:
    """Create the triggers with their tables (``metadata.create_all``)."""
    for dialect in ("sqlite", "postgresql"):
        for table, statement in zip(_tables(dialect), create_statements(dialect), strict=True):
            ddl = DDL(statement.replace("%", "%%"))  # DDL formats its text with %
            event.listen(tables[table], "after_create", ddl.execute_if(dialect=dialect))


def _tables(dialect: str) -> list[str]:
    """The table of each of ``create_statements``."""
    if dialect == "sqlite":
        return [a.table for a in AUDITED for _ in (names_of(a, dialect))]
    return [a.table for a in AUDITED for _ in range(2)]


def names_of(a: Audited, dialect: str) -> tuple[str, ...]:
    if dialect == "postgresql":
        return (a.name,)
    ends = ("_changed",) if a.table == "assessments" else ("_new", "_changed")
    return tuple(a.name + end for end in ends)
