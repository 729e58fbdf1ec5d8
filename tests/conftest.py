"""Shared fixtures. Any test that uses ``db_url`` (or ``engine``/``sessionmaker``, which build on
it) runs once per database backend: ``[sqlite]`` and ``[postgresql]``.

PostgreSQL runs only when DANVAN_TEST_PG_URL is set (a role allowed to CREATE ROLE, e.g.
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``); otherwise those cases are skipped, or
fail when DANVAN_REQUIRE_PG=1 (CI). Each PostgreSQL test gets its own role and a schema of the
same name, which is first on that role's search_path: the URL alone isolates the test, so it
also works for code that opens its own engine (migrations, subprocesses) and for parallel runs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_all, make_engine, make_sessionmaker
from storage.filestore import FileStore
from tests.browser_support import browser, site  # noqa: F401  (fixtures)
from tests.telegram_support import fake, settings  # noqa: F401  (fixtures)
from tests.zalo_support import fake_zalo, zalo_settings  # noqa: F401  (fixtures)

PG_ENV = "DANVAN_TEST_PG_URL"
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.storage)


# --- PostgreSQL: one role + schema per test ------------------------------------------------


def _run_async(coro: Any) -> Any:
    """Run a coroutine to completion from sync code, outside any running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _pg_admin(admin: URL, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host=admin.host or "127.0.0.1",
        port=admin.port or 5432,
        user=admin.username,
        password=admin.password,
        database=admin.database,
    )
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def _pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    raw = os.environ.get(PG_ENV)
    if not raw:
        if os.environ.get("DANVAN_REQUIRE_PG") == "1":
            pytest.fail(f"{PG_ENV} is not set but DANVAN_REQUIRE_PG=1")
        pytest.skip(f"PostgreSQL: set {PG_ENV}=postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    admin = make_url(raw)
    name = f"danvan_t_{secrets.token_hex(6)}"
    password = secrets.token_hex(16)
    _run_async(
        _pg_admin(
            admin,
            f"CREATE ROLE {name} LOGIN PASSWORD '{password}'",
            f"CREATE SCHEMA {name} AUTHORIZATION {name}",
            f"ALTER ROLE {name} SET search_path = {name}",
        )
    )
    try:
        yield admin.set(username=name, password=password).render_as_string(hide_password=False)
    finally:
        _run_async(
            _pg_admin(
                admin,
                # A test that leaked a connection must not block the clean-up.
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'",
                f"DROP SCHEMA {name} CASCADE",
                f"DROP OWNED BY {name}",
                f"DROP ROLE {name}",
            )
        )


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of its own (no tables): SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    else:
        yield from _pg_url(request)


@pytest.fixture
def restore_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty installation's database on ``db_url``'s backend (a restore's target):
    another SQLite file, or a new PostgreSQL database owned by the test's role (whose
    search_path names the schema a dump of ``db_url`` creates)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'danvan.db'}"
        return
    admin, name = make_url(os.environ[PG_ENV]), f"{url.username}_r"
    _run_async(_pg_admin(admin, f"CREATE DATABASE {name} OWNER {url.username}"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        _run_async(
            _pg_admin(
                admin,
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
                f"DROP DATABASE {name}",
            )
        )


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An AsyncEngine on ``db_url`` with every table created (create_all, not migrations)."""
    eng = make_engine(db_url)
    try:
        await create_all(eng)
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine`` (expire_on_commit=False, as the application uses them)."""
    return make_sessionmaker(engine)


@pytest.fixture
def filestore(tmp_path: Path) -> FileStore:
    """An empty FileStore under the test's tmp_path (no size limit)."""
    return FileStore(tmp_path / "evidence")
