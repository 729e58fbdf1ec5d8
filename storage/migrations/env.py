"""Alembic environment for danvan: SQLite (aiosqlite) and PostgreSQL (asyncpg).

Normally run through ``storage.migrate`` which hands over a connection in
``config.attributes["connection"]``; the ``alembic`` command line (storage/alembic.ini) opens
its own from ``sqlalchemy.url`` or, if that is unset, from the DATABASE_URL environment variable
(storage reads no settings of the bot: ``danvan db upgrade`` is the way that reads ``.env``).
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from storage.models import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set sqlalchemy.url or DATABASE_URL, or run: danvan db upgrade")
    return url


def _options(dialect_name: str) -> dict:
    return {
        "target_metadata": target_metadata,
        "render_as_batch": dialect_name == "sqlite",  # SQLite cannot ALTER most things
        "compare_type": True,
    }


def run_migrations_offline() -> None:
    """``alembic upgrade --sql``: print the SQL instead of running it."""
    url = _url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_options(url.split(":", 1)[0].split("+", 1)[0]),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, **_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    from storage.migrate import run_with_connection

    asyncio.run(run_with_connection(_url(), do_run_migrations))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
