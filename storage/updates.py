"""Channel updates already handled: a redelivered update must change nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def seen(s: AsyncSession, channel: str, update_id: str) -> bool:
    found = await s.scalar(
        select(ProcessedUpdate.id).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == update_id
        )
    )
    return found is not None


async def claim(s: AsyncSession, channel: str, update_id: str) -> bool:
    """Record the update in the caller's transaction; False when it was handled before.

    Two processes claiming the same update at once both pass the check; the unique
    constraint then fails the second one's commit, and the caller treats that as "seen".
    """
    if await seen(s, channel, update_id):
        return False
    s.add(ProcessedUpdate(channel=channel, update_id=update_id))
    return True
