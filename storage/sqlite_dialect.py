"""SQLite through aiosqlite with one trip to its thread per statement.

aiosqlite runs every sqlite3 call in its own thread and wakes the event loop with the result.
SQLAlchemy's aiosqlite dialect makes four such trips for one SELECT (a cursor, the execute,
the fetch, the close) and three for a write; each trip costs the bot more CPU (a queue, a
thread switch, a wake of the loop) than SQLite's own work on a small statement. This dialect
is SQLAlchemy's, with a cursor that does all four in one trip: at saturation the bot answers
~20 % more updates a second on the same CPU (bench/RESULTS.md). Nothing runs on the event
loop's thread and the rest is SQLAlchemy's dialect unchanged (types, pragmas, pools, errors).

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
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

log = logging.getLogger(__name__)
DRIVER = "aiosqlite_onetrip"  # the URL's driver: sqlite+aiosqlite_onetrip:///...

Found = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Found:
    """In aiosqlite's thread: the statement executed, its rows fetched, its cursor closed."""
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


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's adapter cursor, without an aiosqlite cursor of its own: a statement's
    results are kept here, read by SQLAlchemy's own fetch methods (``_rows``)."""

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

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        raw = self._connection._conn  # aiosqlite's sqlite3 connection
        async with self._adapt_connection._execute_mutex:
            found = await self._connection._execute(_run, raw, operation, parameters, many)
        description, rowcount, lastrowid, rows = found
        self._found = (description, rowcount, lastrowid)
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        return  # nothing open: the rows are here

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        raise NotImplementedError("SQLite returns one result set")

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None  # what sqlite3's does


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor  # streamed results keep SQLAlchemy's server-side cursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)  # SQLAlchemy's: the aiosqlite connection made
        return OneTripConnection(self, adapted._connection)


class OneTripDialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True  # what SQLAlchemy asks of every dialect class

    @classmethod
    def import_dbapi(cls) -> OneTripDBAPI:  # type: ignore[override]
        return OneTripDBAPI(aiosqlite, sqlite3)


def _slots(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}


def usable() -> bool:
    """Whether the names this leans on are where it expects them (see the module's text)."""
    cursor = {"_rows", "_soft_closed_memoized", "_adapt_connection", "_connection", "_cursor"}
    return (
        callable(getattr(aiosqlite.Connection, "_execute", None))
        and isinstance(getattr(aiosqlite.Connection, "_conn", None), property)
        and cursor <= _slots(AsyncAdapt_aiosqlite_cursor)
        and {"_execute_mutex", "_connection"} <= _slots(AsyncAdapt_aiosqlite_connection)
    )


registry.register(f"sqlite.{DRIVER}", __name__, "OneTripDialect")
