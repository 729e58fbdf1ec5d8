"""Schema migrations (Alembic), run programmatically: no alembic.ini needed in the cwd.

    await upgrade(url)        # bring the database to the newest revision ("head")
    upgrade_sync(url)         # the same from synchronous code (not inside a running loop)
    await current(url)        # revision the database is at, None for an empty database
    head()                    # newest revision of the code

Developers create a revision with
``alembic -c storage/alembic.ini revision --autogenerate -m "..."`` (URL from DATABASE_URL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.db import make_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
T = TypeVar("T")


class MigrationError(RuntimeError):
    pass


def make_config(url: str | None = None) -> Config:
    """An Alembic config pointing at storage/migrations (and at ``url`` if given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head() -> str | None:
    return ScriptDirectory.from_config(make_config()).get_current_head()


async def run_with_connection(
    url: str, fn: Callable[[Connection], T], *, migrating: bool = True
) -> T:
    """Run ``fn(sync_connection)`` in one transaction, set up as migrations need it.

    SQLite: foreign keys are switched off for the run (batch migrations re-create tables, and
    with them on, dropping the old table would cascade-delete referencing rows), then checked.
    PostgreSQL: an advisory lock serialises concurrent upgrades (e.g. two bot instances).
    """
    engine = make_engine(url, poolclass=NullPool)
    sqlite = make_url(url).get_backend_name() == "sqlite"
    if not migrating:
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(fn)
        finally:
            await engine.dispose()
    try:
        async with engine.connect() as conn:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction
                await conn.commit()
            async with conn.begin():
                if not sqlite:
                    await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(2905984539)")
                result = await conn.run_sync(fn)
            if sqlite:
                bad = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                await conn.commit()
                if bad:
                    raise MigrationError(f"foreign key violations after migration: {bad[:5]}")
            return result
    finally:
        await engine.dispose()


def _command(cfg: Config, fn: Callable[..., Any], *args: Any) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        fn(cfg, *args)

    return run


class SchemaTooNew(MigrationError):
    """The database was migrated by a newer release than this code: nothing is touched."""


def _refuse_newer(conn: Connection) -> None:
    found = MigrationContext.configure(conn).get_current_revision()
    known = {r.revision for r in ScriptDirectory.from_config(make_config()).walk_revisions()}
    if found is not None and found not in known:
        raise SchemaTooNew(
            f"Cơ sở dữ liệu ở phiên bản {found}, mới hơn phần mềm này (phiên bản mới nhất nó "
            f"biết là {head()}): hãy cài bản danvan mới hơn; phần mềm không sửa gì."
        )


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to ``revision``; SchemaTooNew (nothing changed) when a newer
    release has migrated it."""
    cfg = make_config(url)
    upgrade_to = _command(cfg, command.upgrade, revision)

    def run(conn: Connection) -> None:
        _refuse_newer(conn)
        upgrade_to(conn)

    await run_with_connection(url, run)


async def downgrade(url: str, revision: str) -> None:
    cfg = make_config(url)
    await run_with_connection(url, _command(cfg, command.downgrade, revision))


async def current(url: str) -> str | None:
    """The database's revision; None when it has never been migrated."""

    def get(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    return await run_with_connection(url, get, migrating=False)


def upgrade_sync(url: str, revision: str = "head") -> None:
    asyncio.run(upgrade(url, revision))


def current_sync(url: str) -> str | None:
    return asyncio.run(current(url))
