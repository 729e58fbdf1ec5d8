"""The direct SQLite dialect behaves as SQLAlchemy's own aiosqlite dialect does, and waits for
another process's lock without holding up the event loop."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storage import db, sqlite_dialect

meta = MetaData()
notes = Table(
    "notes",
    meta,
    Column("id", Integer, primary_key=True),
    Column("body", String, nullable=False, unique=True),
)


@pytest.fixture
async def engine(tmp_path: Path):
    engine = db.make_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield engine
    await engine.dispose()


def test_the_engine_uses_it() -> None:
    assert sqlite_dialect.usable()
    engine = db.make_engine("sqlite+aiosqlite:///:memory:")
    assert engine.url.drivername == f"sqlite+{sqlite_dialect.DRIVER}"
    assert isinstance(engine.dialect, sqlite_dialect.DirectDialect)


async def test_writes_reads_and_counts(engine) -> None:
    async with engine.begin() as conn:
        one = await conn.execute(insert(notes).values(body="một"))
        assert one.inserted_primary_key == (1,)  # lastrowid
        many = await conn.execute(insert(notes), [{"body": "hai"}, {"body": "ba"}])
        assert many.rowcount == 2  # executemany
        back = await conn.execute(insert(notes).values(body="bốn").returning(notes.c.id))
        assert back.scalar_one() == 4
        changed = await conn.execute(
            update(notes).where(notes.c.id > 2).values(body=notes.c.body + "!")
        )
        assert changed.rowcount == 2
    async with engine.connect() as conn:
        rows = (await conn.execute(select(notes.c.id, notes.c.body).order_by(notes.c.id))).all()
        assert rows == [(1, "một"), (2, "hai"), (3, "ba!"), (4, "bốn!")]
        assert (await conn.execute(select(func.count()).select_from(notes))).scalar() == 4
        part = await conn.execute(select(notes.c.body).order_by(notes.c.id))
        assert part.fetchmany(3) == [("một",), ("hai",), ("ba!",)]
        assert part.fetchone() == ("bốn!",)
        assert part.fetchone() is None
        nothing = await conn.execute(text("SELECT body FROM notes WHERE id = :id"), {"id": 99})
        assert nothing.first() is None


async def test_errors_and_rollback_are_sqlalchemys(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(notes).values(body="một"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(notes).values(body="hai"))
            await conn.execute(insert(notes).values(body="một"))  # unique
    async with engine.connect() as conn:
        assert (await conn.execute(select(notes.c.body))).scalars().all() == ["một"]


async def test_streamed_results_use_sqlalchemys_cursor(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(notes), [{"body": str(n)} for n in range(50)])
    async with engine.connect() as conn:
        streamed = await conn.stream(select(notes.c.body).order_by(notes.c.id))
        assert [row.body async for row in streamed] == [str(n) for n in range(50)]


async def test_a_lock_held_by_another_process_is_waited_for_off_the_loop(
    engine, tmp_path: Path
) -> None:
    async with engine.connect() as conn:
        await conn.execute(select(notes.c.id))  # connected: what follows is the statement alone
        other = sqlite3.connect(tmp_path / "one.sqlite", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction holds the lock
        other.execute("INSERT INTO notes (body) VALUES ('khác')")
        waiting = asyncio.create_task(conn.execute(insert(notes).values(body="của bot")))
        for _ in range(50):  # the loop runs on while the write waits in aiosqlite's thread
            await asyncio.sleep(0)
        assert not waiting.done()  # neither failed at once nor done through the lock
        other.execute("COMMIT")
        await asyncio.wait_for(waiting, 10)
        await conn.commit()
        other.close()
    async with engine.connect() as conn:
        bodies = (await conn.execute(select(notes.c.body).order_by(notes.c.id))).scalars().all()
    assert bodies == ["khác", "của bot"]


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What goes to aiosqlite's thread, by name (every sqlite3 call aiosqlite makes passes
    through ``Connection._execute``)."""
    import aiosqlite

    went: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        went.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return went


async def test_commit_and_rollback_stay_on_the_loop_s_thread(engine, trips: list[str]) -> None:
    async with engine.connect() as conn:
        await conn.execute(select(notes.c.id))  # connected
        trips.clear()
        await conn.execute(insert(notes).values(body="một"))
        await conn.commit()
        await conn.execute(select(notes.c.id))
        await conn.rollback()
    assert trips == []  # neither the statements nor their ends went to the thread
    async with engine.connect() as conn:
        assert (await conn.execute(select(notes.c.body))).scalars().all() == ["một"]


async def test_the_wal_is_checkpointed_in_the_thread_every_so_many_commits(
    engine, trips: list[str], tmp_path: Path
) -> None:
    wal = tmp_path / "one.sqlite-wal"
    every = sqlite_dialect.CHECKPOINT_EVERY
    async with engine.connect() as conn:
        await conn.execute(select(notes.c.id))
        conn_commits = (await conn.get_raw_connection()).dbapi_connection.dbapi.commits
        for n in range(every - conn_commits - 1):
            await conn.execute(insert(notes).values(body=f"a{n}"))
            await conn.commit()
        assert trips == []
        grown = wal.stat().st_size
        for n in range(2 * every + 1):  # three checkpoints: the first at once, then two
            await conn.execute(insert(notes).values(body=f"b{n}"))
            await conn.commit()
        assert trips == ["_run"] * 3  # the checkpoints, each in aiosqlite's thread
    # each checkpoint let the WAL start over (SQLite, with no checkpoint of its own, would grow it)
    assert wal.stat().st_size <= grown * 1.5


async def test_a_failed_checkpoint_leaves_the_commit_done(
    engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sqlite_dialect, "CHECKPOINT", "PRAGMA no_such_thing(")  # fails
    async with engine.connect() as conn:
        await conn.execute(select(notes.c.id))
        (await conn.get_raw_connection()).dbapi_connection.dbapi.commits = (
            sqlite_dialect.CHECKPOINT_EVERY - 1
        )
        await conn.execute(insert(notes).values(body="một"))
        with caplog.at_level(logging.WARNING, logger="storage.sqlite_dialect"):
            await conn.commit()  # the checkpoint after it fails
    assert "checkpoint failed" in caplog.text
    async with engine.connect() as conn:
        assert (await conn.execute(select(notes.c.body))).scalars().all() == ["một"]


def test_when_the_names_moved_the_engine_keeps_sqlalchemys(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sqlite_dialect, "usable", lambda: False)
    with caplog.at_level(logging.WARNING, logger="storage.db"):
        engine = db.make_engine("sqlite+aiosqlite:///:memory:")
    assert engine.url.drivername == "sqlite+aiosqlite"
    assert "aiosqlite" in caplog.text


def test_usable_notices_a_missing_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import aiosqlite

    monkeypatch.delattr(aiosqlite.Connection, "_execute")
    assert not sqlite_dialect.usable()
