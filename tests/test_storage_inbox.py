"""storage.inbox on each backend: receiving, claiming, answering and forgetting updates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.journal import Journal
from storage import inbox, people
from storage.models import InboxUpdate

Sessions = async_sessionmaker[AsyncSession]


async def test_only_known_people_s_updates_are_stored(sessionmaker: Sessions) -> None:
    async with sessionmaker() as s, s.begin():
        await people.add_person(s, "Cán bộ", "telegram", "1", "1")
    async with sessionmaker() as s, s.begin():
        assert await inbox.receive(s, "telegram", "10:a", "1", "1", "{}")
        assert not await inbox.receive(s, "telegram", "10:a", "1", "1", "{}")  # again
        assert not await inbox.receive(s, "telegram", "11:b", "2", "2", "{}")  # a stranger
    async with sessionmaker() as s:
        since = inbox.now() - inbox.REDELIVERY
        assert [r.key for r in await inbox.pending(s, "telegram", since)] == ["10:a"]
        assert await s.scalar(select(func.count()).select_from(InboxUpdate)) == 1


async def test_claimed_answered_and_forgotten_after_the_redelivery_window(
    sessionmaker: Sessions,
) -> None:
    async with sessionmaker() as s, s.begin():
        await people.add_person(s, "Cán bộ", "telegram", "1", "1")
        await inbox.receive(s, "telegram", "10:a", "1", "1", "{}")
        assert await inbox.claim(s, "telegram", "10:a", "1", "1")  # stored, now applied
        assert await inbox.claim(s, "telegram", "12:c", "1", "1")  # applied at once (webhook)
        assert not await inbox.claim(s, "telegram", "12:c", "1", "1")
    since = inbox.now() - inbox.REDELIVERY
    async with sessionmaker() as s:
        assert await inbox.pending(s, "telegram", since) == []
        assert {r.key for r in await inbox.unanswered(s, "telegram", since)} == {"10:a", "12:c"}
    journal = Journal(sessionmaker)
    journal.answered("telegram", "10:a")
    await journal.flush()
    async with sessionmaker() as s, s.begin():
        assert [r.key for r in await inbox.unanswered(s, "telegram", since)] == ["12:c"]
        old = inbox.now() - inbox.REDELIVERY - timedelta(minutes=1)
        await s.execute(
            update(InboxUpdate).where(InboxUpdate.update_key == "10:a").values(received_at=old)
        )
    await journal.purge()
    async with sessionmaker() as s:
        keys = list(await s.scalars(select(InboxUpdate.update_key)))
    assert keys == ["12:c"]  # the old key is forgotten: a new update may use its id again
    async with sessionmaker() as s, s.begin():
        assert await inbox.claim(s, "telegram", "10:a", "1", "1")
