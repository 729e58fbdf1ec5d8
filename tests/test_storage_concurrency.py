"""Two transactions on one assessment or one update at once (two processes, in production):
the assessment is made once and locked until the end of the transaction; an update is claimed
by one transaction only. The waiting cases need PostgreSQL; the rest runs on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.demo import ensure_demo
from storage import assessments, inbox
from storage.db import make_engine, make_sessionmaker
from storage.models import Assessment, InboxUpdate, Period


@pytest.fixture
async def other(
    db_url: str, engine: AsyncEngine
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions of a second engine on the same database: another process's."""
    second = make_engine(db_url)
    try:
        yield make_sessionmaker(second)
    finally:
        await second.dispose()


async def demo_ids(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as s, s.begin():
        unit = await ensure_demo(s)
    async with sessions() as s:
        period = await s.scalar(select(Period.id))
        assert period is not None
    return unit.id, period


def postgresql_only(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: nothing to wait for")


async def blocked(sessions: async_sessionmaker[AsyncSession], task: asyncio.Task[object]) -> bool:
    """The task's transaction is waiting for a lock: PostgreSQL shows a backend of this test's
    role waiting on one, and the task is not done (polled until either is so)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE usename = current_user AND wait_event_type = 'Lock'"
    )
    for _ in range(1500):  # at most ~15 s
        if task.done():
            return False
        async with sessions() as s:
            if await s.scalar(waiting):
                return not task.done()
        await asyncio.sleep(0.01)
    return False


async def test_an_assessment_made_by_two_transactions_at_once_is_one_row(
    db_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    other: async_sessionmaker[AsyncSession],
) -> None:
    postgresql_only(db_url)
    unit_id, period_id = await demo_ids(sessionmaker)
    async with sessionmaker() as a, a.begin():
        made = await assessments.get_or_create(a, unit_id, period_id)

        async def second() -> int:
            async with other() as b, b.begin():
                return (await assessments.get_or_create(b, unit_id, period_id)).id

        task = asyncio.create_task(second())
        assert await blocked(sessionmaker, task)  # its INSERT waits for ours
    assert await task == made.id  # then it inserts nothing and reads ours
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Assessment)) == 1


async def test_the_assessment_stays_locked_until_the_transaction_ends(
    db_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    other: async_sessionmaker[AsyncSession],
) -> None:
    postgresql_only(db_url)
    unit_id, period_id = await demo_ids(sessionmaker)
    async with sessionmaker() as s, s.begin():
        await assessments.get_or_create(s, unit_id, period_id)
    async with sessionmaker() as a, a.begin():
        first = await assessments.get_or_create(a, unit_id, period_id)
        first.proposed_rating = "tot"

        async def second() -> tuple[str | None, int]:
            async with other() as b, b.begin():
                found = await assessments.get_or_create(b, unit_id, period_id)
                return found.proposed_rating, found.version

        task = asyncio.create_task(second())
        assert await blocked(sessionmaker, task)
    assert await task == ("tot", first.version)  # it saw what we committed


async def test_an_update_is_claimed_once(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as s, s.begin():
        assert await claim(s, "telegram", "41")
        assert not await claim(s, "telegram", "41")
        assert await claim(s, "zalo", "41")
    async with sessionmaker() as s, s.begin():
        assert not await claim(s, "telegram", "41")
        assert await inbox.handled(s, "telegram", "41")
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(InboxUpdate)) == 2


async def claim(s: AsyncSession, channel: str, key: str) -> bool:
    return await inbox.claim(s, channel, key, "1001", "1001")


@pytest.mark.parametrize("first_commits", [True, False])
async def test_a_claim_waits_for_the_transaction_handling_the_same_update(
    db_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    other: async_sessionmaker[AsyncSession],
    first_commits: bool,
) -> None:
    postgresql_only(db_url)
    a = sessionmaker()
    await a.begin()
    assert await claim(a, "telegram", "42")

    async def second() -> bool:
        async with other() as b, b.begin():
            return await claim(b, "telegram", "42")

    task = asyncio.create_task(second())
    assert await blocked(sessionmaker, task)
    await (a.commit() if first_commits else a.rollback())
    await a.close()
    # handled by the first: nothing to do; the first failed: the update is the second's
    assert await task is not first_commits
