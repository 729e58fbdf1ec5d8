"""SQLite through aiosqlite, its statements run where SQLAlchemy asks for them.

aiosqlite runs every sqlite3 call in its own thread and wakes the event loop with the result;
SQLAlchemy's aiosqlite dialect makes four such trips for one SELECT (a cursor, the execute, the
fetch, the close) and three for a write. Each trip costs the bot more CPU (a queue, a thread
switch, a wake of the loop) than SQLite's own work on a small statement (tens of
microseconds). This dialect is SQLAlchemy's, with a cursor that runs the statement, fetches its
rows and closes at once, on the event loop's thread: at saturation the bot needs about a sixth
less CPU per update than with one trip per statement, and one trip was already ~20 % better
than four (bench/RESULTS.md).

Waiting stays off the loop. The connection's busy timeout is 0, so a statement that needs a
lock another process holds fails at once instead of blocking the loop; it is then run again
in aiosqlite's thread, waiting up to ``WAIT_MS`` as before (SQLite undoes a statement that
failed, so running it again is safe). COMMIT and ROLLBACK run on the loop's thread too (in WAL
mode with ``synchronous=NORMAL`` a COMMIT appends to the WAL and does not wait for the disk);
the WAL's checkpoint, which does, is not left to the COMMIT that crosses SQLite's threshold:
every ``CHECKPOINT_EVERY`` commits of an engine, one runs in aiosqlite's thread. A COMMIT
or a ROLLBACK in aiosqlite's thread cost a wake of that thread, which then waited for the
GIL (up to 5 ms while the loop ran Python), with SQLite's write lock and this process's one
writer held: without it, 18–34 % more updates per second at saturation (bench/RESULTS.md). The
statements of a long read (a report's or a district's data) inside ``in_thread()`` go to the
thread: there SQLite's part of the work runs beside the loop instead of stopping it.

It leans on two names that are not public: SQLAlchemy's adapter cursor's attributes
(``sqlalchemy.connectors.asyncio``) and aiosqlite's ``Connection._execute``, the one method all
of aiosqlite's own calls go through. ``usable()`` checks both at start; when a new release has
changed them ``storage.db.make_engine`` keeps SQLAlchemy's own aiosqlite dialect (and logs it),
so an upgrade costs speed, never correctness. The whole test suite runs through this one.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

log = logging.getLogger(__name__)
T = TypeVar("T")
DRIVER = "aiosqlite_direct"  # the URL's driver: sqlite+aiosqlite_direct:///...
WAIT_MS = 5000  # how long a statement waits for another process's lock (in the thread)
# An engine's commits between two checkpoints of the WAL (in the thread); SQLite's own
# threshold, turned off on these connections, is 1,000 pages (4 MB) of WAL.
CHECKPOINT_EVERY = 200

Found = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows
CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"
_IN_THREAD: ContextVar[bool] = ContextVar("sqlite_in_thread", default=False)


@contextmanager
def in_thread() -> Iterator[None]:
    """The statements run inside go to aiosqlite's thread: long reads, beside the loop."""
    token = _IN_THREAD.set(True)
    try:
        yield
    finally:
        _IN_THREAD.reset(token)


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Found:
    """The statement executed, its rows fetched, its cursor closed."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _patiently(connection: sqlite3.Connection, call: Callable[..., T], *args: Any) -> T:
    """In aiosqlite's thread: ``call`` waiting up to ``WAIT_MS`` for another process's lock."""
    connection.execute(f"PRAGMA busy_timeout={WAIT_MS}")
    try:
        return call(*args)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


async def _ready(found: Found) -> Found:
    return found


def _busy(error: sqlite3.OperationalError) -> bool:
    """Another connection holds the lock the statement needs (it did nothing): SQLITE_BUSY
    or one of its extended codes."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


class DirectCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's adapter cursor, without an aiosqlite cursor of its own: a statement runs
    on the calling thread and its results are kept here, read by SQLAlchemy's own fetch
    methods (``_rows``)."""

    __slots__ = ("_found", "_size")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._found: tuple[Any, int, int | None] = (None, -1, None)
        self._size = 1

    @property
    def description(self) -> Any:
        return self._found[0]

    @property
    def rowcount(self) -> int:
        return self._found[1]

    @property
    def lastrowid(self) -> int:
        return self._found[2]  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._size

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._size = value

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._statement(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        self._statement(operation, seq_of_parameters, many=True)

    def _statement(self, operation: Any, parameters: Any, many: bool) -> None:
        raw = self._connection._conn  # aiosqlite's sqlite3 connection
        try:
            here = not _IN_THREAD.get()
            found = (self._here if here else self._waiting)(raw, operation, parameters, many)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        description, rowcount, lastrowid, rows = found
        self._found = (description, rowcount, lastrowid)
        self._rows = collections.deque(rows)

    def _here(self, raw: sqlite3.Connection, operation: Any, parameters: Any, many: bool) -> Found:
        """On the calling thread; a lock held by another process is waited for in aiosqlite's."""
        try:
            # through the event loop once, as SQLAlchemy's asyncio layer expects of a driver
            # (without a thread's trip: the coroutine is done when awaited)
            return await_(_ready(_run(raw, operation, parameters, many)))
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return self._waiting(raw, operation, parameters, many)

    def _waiting(
        self, raw: sqlite3.Connection, operation: Any, parameters: Any, many: bool
    ) -> Found:
        """In aiosqlite's thread, waiting up to ``WAIT_MS`` for another process's lock."""
        call = (_patiently, raw, _run, raw, operation, parameters, many)
        return await_(self._connection._execute(*call))

    async def _async_soft_close(self) -> None:
        return  # nothing open: the rows are here

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        raise NotImplementedError("SQLite returns one result set")

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None  # what sqlite3's does


class DirectConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = DirectCursor  # streamed results keep SQLAlchemy's server-side cursor
    dbapi: DirectDBAPI

    def commit(self) -> None:
        self._end("commit")
        self.dbapi.commits += 1  # the engine's: its pooled connections share one database
        if self.dbapi.commits >= CHECKPOINT_EVERY:
            self.checkpoint()

    def rollback(self) -> None:
        self._end("rollback")

    def checkpoint(self) -> None:
        """The WAL copied into the database, in aiosqlite's thread (it writes and syncs the
        disk); PASSIVE: what readers still use stays for the next one. The transaction before
        it is committed whatever happens here: a failure is logged, and the next one tries."""
        self.dbapi.commits = 0
        if self._connection._connection:
            raw = self._connection._conn
            try:
                await_(self._connection._execute(_run, raw, CHECKPOINT, None, False))
            except Exception:
                log.warning("the WAL's checkpoint failed; the next one tries again", exc_info=True)

    def _end(self, how: str) -> None:
        """COMMIT or ROLLBACK on the calling thread; a lock held by another process is waited
        for in aiosqlite's thread."""
        if not self._connection._connection:
            return
        raw = self._connection._conn
        end = getattr(raw, how)
        try:
            try:
                end()
                return
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
            await_(self._connection._execute(_patiently, raw, end))
        except Exception as error:
            self._handle_exception(error)


class DirectDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """One per engine (its dialect's)."""

    def __init__(self, aiosqlite: Any, sqlite: Any) -> None:
        super().__init__(aiosqlite, sqlite)
        self.commits = 0  # since the WAL's last checkpoint

    def connect(self, *arg: Any, **kw: Any) -> DirectConnection:
        # used by the loop's thread and by aiosqlite's, never by both at once; no waiting
        # for a lock on the loop (see the module's text)
        kw.update(check_same_thread=False, timeout=0)
        adapted = super().connect(*arg, **kw)  # SQLAlchemy's: the aiosqlite connection made
        return DirectConnection(self, adapted._connection)


class DirectDialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True  # what SQLAlchemy asks of every dialect class

    @classmethod
    def import_dbapi(cls) -> DirectDBAPI:  # type: ignore[override]
        return DirectDBAPI(aiosqlite, sqlite3)


def _slots(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}


def usable() -> bool:
    """Whether the names this leans on are where it expects them (see the module's text)."""
    cursor = {"_rows", "_soft_closed_memoized", "_adapt_connection", "_connection", "_cursor"}
    return (
        callable(getattr(aiosqlite.Connection, "_execute", None))
        and isinstance(getattr(aiosqlite.Connection, "_conn", None), property)
        and cursor <= _slots(AsyncAdapt_aiosqlite_cursor)
        and "_connection" in _slots(AsyncAdapt_aiosqlite_connection)
        and callable(getattr(AsyncAdapt_aiosqlite_connection, "_handle_exception", None))
    )


registry.register(f"sqlite.{DRIVER}", __name__, "DirectDialect")
