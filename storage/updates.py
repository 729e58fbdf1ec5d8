"""Channel updates already handled: a redelivered update must change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
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
    result = await s.execute(
        insert_or_nothing(s, ProcessedUpdate, ["channel", "update_id"]).values(
            channel=channel, update_id=update_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def insert_or_nothing(s: AsyncSession, model: type[Base], unique: list[str]) -> Any:
    """``INSERT`` into ``model`` that does nothing when a row with the same ``unique`` columns
    exists or is being inserted by another transaction (then it waits for that one)."""
    if s.get_bind().dialect.name == "postgresql":
        return pg_insert(model).on_conflict_do_nothing(index_elements=unique)
    return sqlite_insert(model).on_conflict_do_nothing(index_elements=unique)
