"""Joining by a typed invite code, and one person on two channels through a link code."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.events import FileUpload, Sender, Start, Text
from storage import people
from storage.models import Answer, Evidence, Identity, Invite, Person, Role, Unit
from tests.support import Chat, make_engine, setup_demo, snapshot

CODE = re.compile(r"Mã liên kết tài khoản: ([A-Z0-9]{4}-[A-Z0-9]{4})")


async def _invite(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
        assert unit is not None
        return (await people.create_invite(s, Role.OFFICER, unit.id)).token


async def test_an_invite_code_typed_into_the_chat_links_the_account(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_demo(sessionmaker)
    token = await _invite(sessionmaker)
    zalo = Chat(make_engine(sessionmaker, tmp_path), Sender("zalo", "z-1", "z-1", "Nguyễn Văn A"))
    await zalo.say("xin chào")
    assert "chưa được cấp quyền" in zalo.text and "gửi mã đó vào đây" in zalo.text
    await zalo.say("ABCDEFGH")  # has the shape of a code, but is none
    assert "Mã mời không hợp lệ" in zalo.text
    await zalo.say(f"  {token} ")
    assert "Chào mừng đồng chí" in zalo.text
    assert zalo.last.target == "score:I.1"  # straight to the first question


async def test_a_link_code_puts_both_channels_on_one_person_and_one_assessment(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_demo(sessionmaker)
    engine = make_engine(sessionmaker, tmp_path)
    telegram = Chat(engine, Sender("telegram", "4242", "4242", "Trần Thị B"))
    await telegram.say(await _invite(sessionmaker))
    await telegram.say("2")  # I.1 = 2 (the invite led straight to it)
    await telegram.command("lienket")
    found = CODE.search(telegram.text)
    assert found, telegram.text
    code = found.group(1)

    zalo = Chat(engine, Sender("zalo", "z-9", "z-9", "Trần Thị B"))
    await zalo.say(code.lower().replace("-", " "))  # typed loosely on a phone
    assert "Đã liên kết tài khoản Zalo với đồng chí Trần Thị B" in zalo.text
    await zalo.command("tieptuc")
    assert zalo.last.target == "score:I.2"  # the first item Telegram left open
    await zalo.say("1,5")
    await zalo.say("Đã ban hành kế hoạch số 12/KH-UBND")  # on I.3: the item just scored
    await telegram.command("tieptuc")
    assert telegram.last.target == "score:I.3"  # and back on Telegram

    async with sessionmaker() as s:
        person = await s.scalar(select(Person).where(Person.full_name == "Trần Thị B"))
        assert person is not None
        channels = await s.scalars(select(Identity.channel).where(Identity.person_id == person.id))
        assert sorted(channels) == ["telegram", "zalo"]
        answer = await s.scalar(select(Answer).where(Answer.item_id == "I.2"))
        assert answer is not None and answer.score == Decimal("1.5")
        assert answer.results_text == "Đã ban hành kế hoạch số 12/KH-UBND"
        assert answer.updated_by_id == person.id

    again = Chat(engine, Sender("zalo", "z-10"))
    await again.say(code)  # one-time
    assert "Mã mời không hợp lệ" in again.text


async def test_a_link_code_expires_and_never_moves_an_account(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_demo(sessionmaker)
    engine = make_engine(sessionmaker, tmp_path)
    first = Chat(engine, Sender("telegram", "1"))
    await first.say(await _invite(sessionmaker))
    second = Chat(engine, Sender("zalo", "2"))
    await second.say(await _invite(sessionmaker))
    await first.command("lienket")
    found = CODE.search(first.text)
    assert found
    before = await snapshot(sessionmaker)
    await second.send(Start(found.group(1)))  # "/start CODE" from someone else's account
    assert "đang gắn với một người dùng khác" in second.text
    async with sessionmaker() as s, s.begin():
        invite = await s.scalar(select(Invite).where(Invite.token == found.group(1)))
        assert invite is not None and invite.redeemed_at is None
        invite.expires_at = people.now() - timedelta(seconds=1)
    stranger = Chat(engine, Sender("zalo", "3"))
    await stranger.say(found.group(1))
    assert "Mã mời không hợp lệ" in stranger.text
    assert (await snapshot(sessionmaker))["answers"] == before["answers"]


async def test_a_file_from_the_upload_page_proves_the_item_its_link_named(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_demo(sessionmaker)
    chat = Chat(make_engine(sessionmaker, tmp_path), Sender("zalo", "z-5", "z-5"))
    await chat.say(await _invite(sessionmaker))
    assert chat.last.target == "score:I.1"
    upload = FileUpload(
        "ab/" + "b" * 64, "b" * 64, 99, "Kế hoạch.pdf", "application/pdf", "document", None, "III.2"
    )
    await chat.send(upload)
    assert "Đã nhận tệp «Kế hoạch.pdf» (gửi qua trang tải lên) cho mục III.2" in chat.text
    assert chat.last.target is None  # the open question (I.1) is not asked again
    await chat.send(Text("2"))  # and still answers I.1
    await chat.send(
        FileUpload("cd/x", "c" * 64, 5, "x.pdf", "application/pdf", "document", None, "IX.9")
    )
    assert "không còn trong bộ tiêu chí" in chat.text
    async with sessionmaker() as s:
        rows = (await s.scalars(select(Evidence))).all()
        assert [(e.item_id, e.original_name) for e in rows] == [("III.2", "Kế hoạch.pdf")]
        answer = await s.scalar(select(Answer).where(Answer.item_id == "I.1"))
        assert answer is not None and answer.score == 2
