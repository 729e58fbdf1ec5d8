"""The officer's whole questionnaire on Zalo: numbered replies, a photo in the chat, a PDF
through the upload link, the report through its download link; over real HTTP."""

from __future__ import annotations

import asyncio
import io
import os
from decimal import Decimal

import httpx
import pytest
from docx import Document
from sqlalchemy import select

from bot.settings import Settings
from storage.models import Assessment, Evidence, Status
from tests import evidence_samples
from tests.fake_zalo import FakeZalo
from tests.support import report_held, rubric, score_key
from tests.telegram_support import invite
from tests.test_bot_web_files import saved_name
from tests.test_conversations_engine import SCORES, TOTAL
from tests.zalo_support import ZaloPhone, get, zalo_bot

pytestmark = pytest.mark.slow
PDF = evidence_samples.pdf("Biên bản hội nghị")
JPEG = evidence_samples.jpeg(2)


async def upload(url: str, *files: tuple[str, bytes, str]) -> httpx.Response:
    async with httpx.AsyncClient(follow_redirects=True) as client:  # post/redirect/get
        return await client.post(url, files=[("files", f) for f in files])


async def test_a_whole_conversation_by_numbered_replies(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    async with zalo_bot(zalo_settings) as app:
        phone = ZaloPhone(fake_zalo, fake_zalo.user("z-1001", "Nguyễn Văn Zalo"))
        await phone.type(await invite(app))  # the invite code, typed (Zalo has no deep links)
        assert "Chào mừng đồng chí" in phone.texts()
        assert "Câu 1/28" in phone.last and "m. ☰ Menu" in phone.last  # straight to I.1
        await phone.type("m")  # the menu, one letter away
        assert (
            "1. ▶ Tiếp tục" in phone.last
            and "5. 📦 Tải hồ sơ" in phone.last
            and "👉 Trả lời 1, 2, 3, 4 hoặc 5" in phone.last
        )
        mark = phone.count()
        await phone.type(" 1 ")  # back to I.1
        r = rubric()
        for criterion in r.criteria:
            for item in criterion.items:
                # asked in reply to the last score (or strengths): a long one in two messages
                assert f"{item.id}." in phone.texts(mark), phone.texts(mark)
                mark = phone.count()
                await phone.type(score_key(r, item.id, SCORES[item.id]).replace(".", ","))
                if item.id == "I.1":  # on I.2's question: I.1's photo and file
                    await phone_evidence(phone)
                last = item == criterion.items[-1]
                await phone.type(f"{item.id}: Kết quả {item.id}" if last else f"Kết quả {item.id}")
                assert phone.last == f"✔️ Đã lưu «Kết quả đạt được» (mục {item.id})."
            mark = phone.count()
            await phone.type(f"Làm tốt {criterion.id}")
            await phone.type(f"Hạn chế {criterion.id}")  # on the next question, or the review
        assert "Tổng cộng: " in phone.texts(phone.count() - 2)  # the review, under the last line
        await phone.choose("Nộp báo cáo")
        await phone.choose("Tốt")
        async with report_held(app.engine) as making:
            confirm = asyncio.create_task(phone.choose("Xác nhận nộp"))
            await asyncio.wait_for(making.wait(), 10)
            # read while the report is made: the unit has submitted, the report follows
            assert "đã nộp báo cáo tự đánh giá năm 2022" in phone.last
            assert "⬇️ Tải «" not in phone.texts()
        await confirm
        # the invite, the menu and back, 28 scores, 28 results, a photo, 8 + 8 narratives, the
        # submission (3): each carried something (the PDF went through the upload page)
        assert phone.actions == 1 + 2 + 28 + 28 + 1 + 16 + 3, phone.actions
        link = phone.link("⬇️ Tải «")
        response = await get(link)
        assert response.status_code == 200
        assert saved_name(response.headers["content-disposition"]) == (
            "Báo cáo tự đánh giá công tác dân vận chính quyền năm 2022 - UBND xã Cửu Cao.docx"
        )
        doc = Document(io.BytesIO(response.content))
        table = next(t for t in doc.tables if len(t.columns) == 6)
        total = next(row for row in table.rows if row.cells[1].text.strip() == "Tổng điểm")
        assert Decimal(total.cells[3].text.replace(",", ".")) == TOTAL
        async with app.sessions() as s:
            assessment = await s.scalar(select(Assessment))
            assert assessment is not None and assessment.status == Status.SUBMITTED
            files = list(await s.scalars(select(Evidence).order_by(Evidence.id)))
        assert [(f.item_id, f.kind, f.mime_type) for f in files] == [
            ("I.1", "photo", "image/jpeg"),
            ("I.1", "document", "application/pdf"),
        ]
        assert files[1].original_name == "Biên bản hội nghị.pdf"
        before = phone.count()
        await phone.type("2")  # after submission: nothing changes
        assert "đã nộp" in phone.texts(before).lower()


async def phone_evidence(phone: ZaloPhone) -> None:
    fake = phone.fake
    await phone.answered(fake.send_image(phone.user, JPEG, caption="Hội nghị quán triệt"))
    assert "Đã nhận tệp «I.1-anh-" in phone.last
    page_url = phone.link("📎 Tệp PDF, Word, Excel cho mục I.1")
    page = await get(page_url)
    assert page.status_code == 200 and "I.1" in page.text and "UBND xã Cửu Cao" in page.text
    mark = fake.mark()
    response = await upload(
        page_url,
        ("Biên bản hội nghị.pdf", PDF, "application/pdf"),
        ("virus.pdf", b"MZ\x90\x00" + os.urandom(100), "application/pdf"),
    )
    assert response.status_code == 200
    assert "Biên bản hội nghị.pdf" in response.text and "không thuộc loại" in response.text
    confirmed = "qua trang tải lên cho mục I.1 (mục này hiện có 2 tệp):\n✅ Biên bản hội nghị.pdf"
    await fake.wait_for(  # the chat confirms the upload, in one message naming every file
        lambda c: c.method == "sendMessage" and confirmed in (c.params.get("text") or ""),
        after=mark,
    )
    assert confirmed in phone.texts()
    assert "⚠️ virus.pdf: chưa nhận" in phone.texts()
    told = [c for c in fake.calls[mark:] if c.method == "sendMessage"]
    assert len(told) == 1, told
