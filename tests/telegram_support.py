"""Telegram test helpers: the bot running against the fake server, and a phone to tap."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App, open_app
from bot.demo import ensure_demo
from bot.settings import Settings
from bot.telegram import callback
from bot.telegram.application import telegram_running
from storage import people
from storage.models import Role, Unit
from tests import evidence_samples
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser
from tests.support import rubric, score_key
from tests.test_conversations_engine import SCORES

PDF = evidence_samples.pdf("Kế hoạch")
JPEG = evidence_samples.jpeg(1)


# base URL -> the fake server there, so that ``running`` can let the fake watch the bot
FAKES: dict[str, FakeTelegram] = {}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        FAKES[server.base_url] = server
        try:
            yield server
        finally:
            del FAKES[server.base_url]


@pytest.fixture
def settings(db_url: str, tmp_path: Path, fake: FakeTelegram) -> Settings:
    return Settings(
        _env_file=None,
        database_url=db_url,
        evidence_dir=tmp_path / "evidence",
        output_dir=tmp_path / "out",
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        telegram_api_file_url=fake.base_file_url,
        telegram_bot_username="danvan_test_bot",
    )


@asynccontextmanager
async def running(
    settings: Settings, webhook: bool = False, *, demo: bool = True
) -> AsyncIterator[App]:
    """The bot running against the fake server; ``demo``: with the demo unit and period
    (without: an empty database, e.g. for ``tests.district_support.sample_district``)."""
    async with open_app(settings) as app:
        if demo:
            async with app.sessions() as s, s.begin():
                await ensure_demo(s)
        server = FAKES.get(settings.telegram_api_base_url)
        if server is not None:  # the phones then wait for the bot's own word that it answered
            server.watch(app.journal)
        async with telegram_running(app, webhook=webhook, poll_timeout=1):
            yield app


async def invite(app: App) -> str:
    async with app.sessions() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
        assert unit is not None
        return (await people.create_invite(s, Role.OFFICER, unit.id)).token


class Phone:
    """One officer's Telegram app: reads the bot's last question and taps its buttons.

    Each action waits for the bot's word that it answered (see ``answered``), so the next look
    at the chat sees everything the bot said in reply.
    """

    def __init__(self, fake: FakeTelegram, user: FakeUser) -> None:
        self.fake, self.user = fake, user
        self.actions = 0  # what the officer did: messages typed or sent, buttons tapped

    @property
    def question(self):  # type: ignore[no-untyped-def]
        return next(m for m in reversed(self.fake.chat(self.user.id)) if m.reply_markup)

    def texts(self, since: int = 0) -> str:
        return "\n".join(m.text or m.caption or "" for m in self.fake.chat(self.user.id)[since:])

    async def answered(self, action: Awaitable[dict]) -> None:
        """Do ``action`` (an update from this phone) and wait until the bot has answered it:
        told by the bot itself when the fake watches it (``running`` does), else by its
        webhook's answer to the update's POST (a bot in another process)."""
        self.actions += 1
        await self.fake.answer_to(action)

    async def asked(self, timeout: float = 5.0) -> BotMessage:
        """The open question; if the bot has not asked one yet, wait for it (up to ``timeout``
        seconds)."""
        await self.fake.until(
            lambda: any(m.reply_markup for m in self.fake.chat(self.user.id)),
            timeout,
            f"a question in chat {self.user.id}",
        )
        return self.question

    async def tap(self, label: str) -> None:
        question = await self.asked()
        data = next(d for t, d in self.fake.buttons(question) if t == label)
        await self.answered(self.fake.press(self.user, question.message_id, data))

    async def tap_key(self, key: str) -> None:
        """Press the button with this key; a half point has no button and is typed."""
        question = await self.asked()
        data = next((d for _, d in self.fake.buttons(question) if d.endswith(f"|{key}")), None)
        if data is None:
            await self.type(key)
            return
        await self.answered(self.fake.press(self.user, question.message_id, data))

    async def type(self, text: str) -> None:
        await self.answered(self.fake.send_text(self.user, text))

    async def press_raw(self, message_id: int, data: str) -> None:
        await self.answered(self.fake.press(self.user, message_id, data, strict=False))

    async def send(self, action: Awaitable[object]) -> None:
        await self.answered(action)

    def button_labels(self) -> list[str]:
        """The open question's buttons, as shown."""
        return [label for label, _ in self.fake.buttons(self.question)]

    def target(self) -> str:
        data = self.fake.buttons(self.question)[0][1]
        choice = callback.decode(data)
        assert choice is not None
        return choice.target or ""


async def answer_all(phone: Phone, evidence: bool = True) -> None:
    """From the first question (where /start leads), as an officer answers: each item's score
    (the next question comes at once), its results typed on that next question (a criterion's
    last item's naming the item, "I.5: …", on the strengths question), I.1's evidence sent
    after its score; each criterion's strengths, and its shortcomings typed on the question
    after them (the next criterion's first item; after the last criterion, the review)."""
    r = rubric()
    for criterion in r.criteria:
        for item in criterion.items:
            assert phone.target() == f"score:{item.id}", phone.texts()[-500:]
            assert not [b for b in phone.button_labels() if "Xong" in b]  # nothing to finish
            await phone.tap_key(score_key(r, item.id, SCORES[item.id]))
            if evidence and item.id == "I.1":  # on I.2's question: I.1's files
                fake = phone.fake
                await phone.send(fake.send_photo(phone.user, JPEG, caption="Hội nghị quán triệt"))
                await phone.send(
                    fake.send_document(
                        phone.user, PDF, "ke-hoach.pdf", "application/pdf", caption="Kế hoạch"
                    )
                )
                for n in range(2):
                    await phone.send(
                        fake.send_photo(
                            phone.user, evidence_samples.jpeg(10 + n), media_group_id="album-1"
                        )
                    )
            last = item == criterion.items[-1]
            await phone.type(f"{item.id}: Kết quả {item.id}" if last else f"Kết quả {item.id}")
            assert f"✔️ Đã lưu «Kết quả đạt được» (mục {item.id})." in phone.texts(-1)
        assert phone.target() == f"strengths:{criterion.id}", phone.texts()[-500:]
        await phone.type(f"Làm tốt {criterion.id}")
        await phone.type(f"Hạn chế {criterion.id}")
        assert f"✔️ Đã lưu «Những mặt còn hạn chế» ({criterion.title})." in phone.texts(-1)
