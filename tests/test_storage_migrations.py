"""Alembic migrations (storage/migrations) against the models, on each backend.

If this fails with a non-empty diff, a model was changed without a migration: create one with
``alembic -c storage/alembic.ini revision --autogenerate -m "..." --rev-id NNNN``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import Column, Connection, MetaData, String, inspect, text

from bot.cli import main
from storage import migrate
from storage.db import make_engine
from storage.models import Base

VERSION_TABLE = "alembic_version"


async def schema_of(url: str) -> dict[str, list[str]]:
    """Table name → column names, as the database reports them."""

    def read(conn: Connection) -> dict[str, list[str]]:
        insp = inspect(conn)
        return {t: sorted(c["name"] for c in insp.get_columns(t)) for t in insp.get_table_names()}

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read)
    finally:
        await engine.dispose()


def model_schema() -> dict[str, list[str]]:
    return {name: sorted(t.columns.keys()) for name, t in Base.metadata.tables.items()}


async def diff_against_models(url: str, metadata: MetaData = Base.metadata) -> list[Any]:
    def compare(conn: Connection) -> list[Any]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, metadata)

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


def test_one_head_only() -> None:
    heads = ScriptDirectory.from_config(migrate.make_config()).get_heads()
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"
    assert migrate.head() == heads[0]


async def test_empty_database_has_no_revision(db_url: str) -> None:
    assert await migrate.current(db_url) is None
    assert await schema_of(db_url) == {}


async def test_upgrade_creates_exactly_the_models_tables(db_url: str) -> None:
    await migrate.upgrade(db_url)
    schema = await schema_of(db_url)
    assert schema.pop(VERSION_TABLE) == ["version_num"]
    assert schema == model_schema()
    assert await migrate.current(db_url) == migrate.head()


async def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    await migrate.upgrade(db_url)
    before = await schema_of(db_url)
    await migrate.upgrade(db_url)
    assert await schema_of(db_url) == before
    assert await migrate.current(db_url) == migrate.head()


async def test_migrated_database_matches_models(db_url: str) -> None:
    await migrate.upgrade(db_url)
    diff = await diff_against_models(db_url)
    assert diff == [], "models changed without a migration:\n" + "\n".join(map(str, diff))


async def test_model_change_without_migration_is_detected(db_url: str) -> None:
    await migrate.upgrade(db_url)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["answers"].append_column(Column("extra", String(10)))
    changed.tables["units"].c.code.type = String(80)
    diff = await diff_against_models(db_url, changed)
    # Entries are ("add_column", ...) tuples, or lists of ("modify_type", ...) tuples.
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in diff}
    assert "add_column" in kinds
    assert "modify_type" in kinds


async def test_downgrade_to_base_removes_every_table(db_url: str) -> None:
    await migrate.upgrade(db_url)
    await migrate.downgrade(db_url, "base")
    assert set(await schema_of(db_url)) <= {VERSION_TABLE}
    assert await migrate.current(db_url) is None
    await migrate.upgrade(db_url)  # and back up again
    assert await diff_against_models(db_url) == []


def test_sync_api(db_url: str) -> None:
    assert migrate.current_sync(db_url) is None
    migrate.upgrade_sync(db_url)
    assert migrate.current_sync(db_url) == migrate.head()


def test_cli_upgrade_and_current(db_url: str) -> None:
    runner = CliRunner()
    behind = runner.invoke(main, ["db", "current", "--url", db_url])
    assert behind.exit_code == 1, behind.output
    assert "danvan db upgrade" in behind.output

    up = runner.invoke(main, ["db", "upgrade", "--url", db_url])
    assert up.exit_code == 0, up.output
    assert migrate.head() in up.output

    now = runner.invoke(main, ["db", "current", "--url", db_url])
    assert now.exit_code == 0, now.output
    assert f"{migrate.head()} (mới nhất)" in now.output
    assert "password" not in now.output.lower()


async def test_sqlite_migrations_run_with_foreign_keys_off(tmp_path: Path) -> None:
    """Batch migrations re-create tables; with foreign keys on, that would cascade-delete."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'fk.db'}"

    def pragma(conn: Connection) -> int:
        return conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one()

    assert await migrate.run_with_connection(url, pragma) == 0
    assert await migrate.run_with_connection(url, pragma, migrating=False) == 1


async def test_0005_keeps_a_finalized_assessment_as_appraised(db_url: str) -> None:
    """0005 drops the status nothing set; a row that had it is kept, as "appraised"."""
    await migrate.upgrade(db_url, "0004")
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            for statement in (
                "INSERT INTO units (id, code, name, kind)"
                " VALUES (1, 'X', 'Xã X', 'xa'), (2, 'Y', 'Xã Y', 'xa')",
                "INSERT INTO periods (id, year, rubric_id, authority_id, submit_by, appraise_by,"
                " report_by, timezone) VALUES (1, 2025, 'r', 1, '2025-11-15', '2025-12-01',"
                " '2025-12-10', 'Asia/Ho_Chi_Minh')",
                "INSERT INTO assessments (id, unit_id, period_id, status, version) "
                "VALUES (1, 1, 1, 'finalized', 1), (2, 2, 1, 'draft', 1)",
            ):
                await conn.execute(text(statement))
        await migrate.upgrade(db_url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(text("SELECT id, status FROM assessments ORDER BY id"))
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "appraised"), (2, "draft")]


async def test_a_database_a_newer_release_migrated_is_refused_and_left_alone(db_url: str) -> None:
    await migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    finally:
        await engine.dispose()
    before = await schema_of(db_url)
    with pytest.raises(migrate.SchemaTooNew, match="phiên bản 0099, mới hơn phần mềm này"):
        await migrate.upgrade(db_url)
    assert await schema_of(db_url) == before
    assert await migrate.current(db_url) == "0099"
    result = await asyncio.to_thread(CliRunner().invoke, main, ["db", "upgrade", "--url", db_url])
    assert result.exit_code == 1 and "mới hơn phần mềm này" in result.output
    assert "Traceback" not in result.output
