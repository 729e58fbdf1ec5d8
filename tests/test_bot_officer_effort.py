"""What the whole self-assessment costs an officer, on Telegram (the fake Bot API over HTTP) and
on Zalo (typed answers): 28 items, results for some, two evidence files, 8 narratives, review,
rating and submission, the way an officer would do it. Every action is counted, a tap whose only
effect is to move on fails the test, and no message of the bot in the flow is over 1,000
characters (the review and the guidance asked for are longer by nature)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.settings import Settings
from conversations.texts import MESSAGE_LIMIT
from tests import evidence_samples
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo
from tests.support import rubric, score_key
from tests.telegram_support import Phone, invite, running
from tests.test_conversations_engine import SCORES
from tests.zalo_support import ZaloPhone, zalo_bot

pytestmark = pytest.mark.slow

BUDGET = 60  # the ceiling for the whole self-assessment
MOVE_ONLY = {"Bỏ qua ▶", "✓ Xong ▶", "▶ Tiếp tục", "Giữ nguyên ▶", "▶ Tiếp tục trả lời"}
WITH_RESULTS = ("I.1", "II.1", "III.2", "IV.1", "V.1", "VI.1")  # results for some items
LONG_BY_NATURE = ("📋 XEM LẠI", "📖 ")  # the review, and the guidance the officer asks for


class Counted:
    """The officer's actions: every message typed, file sent and button tapped."""

    def __init__(self) -> None:
        self.actions: list[str] = []

    async def do(self, what: str, action: Callable[[], Awaitable[None]]) -> None:
        assert what not in MOVE_ONLY, f"a tap that only moves on: {what}"
        self.actions.append(what)
        await action()


def _long(messages: list[str]) -> list[str]:
    return [m[:60] for m in messages if len(m) > MESSAGE_LIMIT and not m.startswith(LONG_BY_NATURE)]


async def test_an_officer_finishes_on_telegram_in_under_60_actions(
    settings: Settings, fake: FakeTelegram
) -> None:
    r, count = rubric(), Counted()
    async with running(settings) as app:
        phone = Phone(fake, fake.user(1001, "Nguyễn Văn An"))
        token = await invite(app)
        await count.do("/start", lambda: phone.type(f"/start {token}"))
        assert phone.target() == "score:I.1"  # straight to the first question
        for criterion in r.criteria:
            for item in criterion.items:
                assert phone.target() == f"score:{item.id}", phone.texts()[-300:]
                key = score_key(r, item.id, SCORES[item.id])
                await count.do(f"score {item.id}", lambda k=key: phone.tap_key(k))
                if item.id in WITH_RESULTS:  # typed under the next question: this item's
                    text = f"Kết quả {item.id}"
                    await count.do(f"results {item.id}", lambda t=text: phone.type(t))
                    assert f"✔️ Đã lưu «Kết quả đạt được» (mục {item.id})." in phone.texts()
                if item.id == "I.1":  # a photo and a document, sent just after its score
                    photo = fake.send_photo(phone.user, evidence_samples.jpeg(3))
                    await count.do("photo", lambda p=photo: phone.send(p))
                    pdf = fake.send_document(
                        phone.user, evidence_samples.pdf(), "ke-hoach.pdf", "application/pdf"
                    )
                    await count.do("pdf", lambda d=pdf: phone.send(d))
            assert phone.target() == f"strengths:{criterion.id}"
            text = f"Làm tốt {criterion.id}"
            await count.do(f"strengths {criterion.id}", lambda t=text: phone.type(t))
        assert phone.target() == "review" and "Đã chấm đủ 28 mục" in phone.texts()
        await count.do("📤 Nộp báo cáo", lambda: phone.tap("📤 Nộp báo cáo"))
        await count.do("rating", lambda: phone.tap("Tốt (gợi ý)"))
        await count.do("confirm", lambda: phone.tap("✅ Xác nhận nộp"))
        assert any(m.document for m in fake.chat(1001))  # the report came
        messages = [m.text or m.caption or "" for m in fake.chat(1001)]
    print(f"\nTelegram: {len(count.actions)} actions")  # the closing note quotes it
    assert len(count.actions) <= BUDGET, count.actions
    assert _long(messages) == [], [m for m in messages if len(m) > MESSAGE_LIMIT]
    assert "📎 Đã nhận tệp «ke-hoach.pdf» cho mục I.1" in "\n".join(messages)
    assert "✔️ IV.1: Mức 1: " in "\n".join(messages)  # the tier in words, not "mức IV.1.1"


async def test_an_officer_finishes_on_zalo_in_under_60_typed_answers(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    r, count = rubric(), Counted()
    async with zalo_bot(zalo_settings) as app:
        phone = ZaloPhone(fake_zalo, fake_zalo.user("z-1001", "Nguyễn Văn Zalo"))
        code = await invite(app)
        await count.do("invite", lambda: phone.type(code))  # typed: Zalo has no deep links
        assert "Câu 1/28" in phone.question  # straight to the first question
        for criterion in r.criteria:
            for item in criterion.items:
                key = score_key(r, item.id, SCORES[item.id]).replace(".", ",")
                await count.do(f"score {item.id}", lambda k=key: phone.type(k))
                if item.id in WITH_RESULTS:
                    text = f"Kết quả {item.id}"
                    await count.do(f"results {item.id}", lambda t=text: phone.type(t))
                    assert phone.last == f"✔️ Đã lưu «Kết quả đạt được» (mục {item.id})."
                if item.id == "I.1":  # a photo: what a Zalo chat carries
                    image = fake_zalo.send_image(phone.user, evidence_samples.jpeg(4))
                    await count.do("photo", lambda i=image: phone.answered(i))
                    assert "Đã nhận tệp «I.1-anh-" in phone.last
            text = f"Làm tốt {criterion.id}"
            await count.do(f"strengths {criterion.id}", lambda t=text: phone.type(t))
        assert "Đã chấm đủ 28 mục" in phone.texts(phone.count() - 2)  # the review
        for label in ("Nộp báo cáo", "Tốt", "Xác nhận nộp"):
            await count.do(label, lambda lb=label: phone.choose(lb))
        messages = fake_zalo.messages(phone.user.id)
    print(f"\nZalo: {len(count.actions)} actions")  # the closing note quotes it
    assert len(count.actions) <= BUDGET, count.actions
    assert _long(messages) == [], [m for m in messages if len(m) > MESSAGE_LIMIT]
    assert not any("gửi ảnh hoặc tệp" in m or "20 MB" in m for m in messages)  # Zalo's truth
    assert "⬇️ Tải «" in "\n".join(messages[-3:])  # the report, as a download link
