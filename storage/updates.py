"""Channel updates already handled: a redelivered update must change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, ProcessedUpdate


async def seen(s: AsyncSession, channel: str, update_id: str) -> bool:
    found = await s.scalar(
        select(ProcessedUpdate.id).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == update_id
        )
    )
    return found is not None


async def claim(s: AsyncSession, channel: str, update_id: str) -> bool:
    """Record the update in the caller's transaction; False when it was handled before.

    ``INSERT ... ON CONFLICT DO NOTHING`` at once: when another process is handling the same
    update, this waits until that transaction ends, then inserts nothing (it committed: False)
    or the row (it rolled back: True, ours to handle).
    """
    params = {"channel": channel, "update_id": update_id}
    connection = await s.connection()  # Core: a Session would take params as an ORM bulk insert
    result = await connection.execute(_CLAIMS[connection.dialect.name], params)
    return bool(result.rowcount)


def insert_or_nothing(s: AsyncSession, model: type[Base], unique: list[str]) -> Any:
    """``INSERT`` into ``model`` that does nothing when a row with the same ``unique`` columns
    exists or is being inserted by another transaction (then it waits for that one)."""
    return _INSERTS[s.get_bind().dialect.name](model).on_conflict_do_nothing(index_elements=unique)


_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}
_CLAIMS = {  # built once per dialect: every update runs it
    name: insert(ProcessedUpdate)
    .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    .values(channel=bindparam("channel"), update_id=bindparam("update_id"))
    for name, insert in _INSERTS.items()
}
