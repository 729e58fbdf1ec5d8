"""Database engine and sessions: SQLite (WAL, foreign keys) by default, PostgreSQL via URL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_dialect
from storage.models import Base

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    if isinstance(dbapi_conn, sqlite_dialect.DirectConnection):
        cur.execute("PRAGMA wal_autocheckpoint=0")  # it checkpoints in a thread of its own
    else:  # it waits for locks in its thread
        cur.execute(f"PRAGMA busy_timeout={sqlite_dialect.WAIT_MS}")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; for SQLite make sure the folder exists and set pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if parsed.drivername == "sqlite+aiosqlite":  # statements on the loop's thread
            if sqlite_dialect.usable():
                parsed = parsed.set(drivername=f"sqlite+{sqlite_dialect.DRIVER}")
            else:
                log.warning("aiosqlite or SQLAlchemy changed: their own dialect, a little slower")
        engine = create_async_engine(parsed, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_all(engine: AsyncEngine) -> None:
    """Create every table (tests and first run); production uses Alembic migrations."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def drop_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)


# INSERT with ON CONFLICT, in each dialect this project runs on.
INSERTS: dict[str, Any] = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def insert_or_nothing(s: AsyncSession, model: type[Base], unique: list[str]) -> Any:
    """``INSERT`` into ``model`` that does nothing when a row with the same ``unique`` columns
    exists or is being inserted by another transaction (then it waits for that one)."""
    return INSERTS[s.get_bind().dialect.name](model).on_conflict_do_nothing(index_elements=unique)
