"""The wired application: many chats at once on one database."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.app import open_app
from bot.demo import ensure_demo
from bot.settings import Settings
from conversations.events import Command, Sender, Start
from storage import people
from storage.models import InboxUpdate, Membership, Role, Unit


async def test_many_chats_at_once_all_get_their_answer(settings: Settings) -> None:
    async with open_app(settings) as app:
        async with app.sessions() as s, s.begin():
            await ensure_demo(s)
            unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
            assert unit is not None
            tokens = [
                (await people.create_invite(s, Role.OFFICER, unit.id)).token for _ in range(20)
            ]
        officers = [Sender("telegram", str(9000 + n), str(9000 + n)) for n in range(20)]

        async def join_and_ask(n: int) -> str:
            sender = officers[n]
            await app.engine.handle(sender, Start(tokens[n]), update_key=f"{n}-start")
            replies = await app.engine.handle(sender, Command("tiendo"), update_key=f"{n}-tiendo")
            return "\n".join(r.text for r in replies)

        said = await asyncio.gather(*(join_and_ask(n) for n in range(20)))
        assert all("Đã chấm 0/28 mục" in text for text in said)
        async with app.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(InboxUpdate)) == 40
            officers_now = select(func.count()).select_from(Membership)
            assert await s.scalar(officers_now.where(Membership.role == Role.OFFICER)) >= 20
