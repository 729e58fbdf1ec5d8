"""A file too big for the chat gets the upload page instead (Telegram), and the page's file
reaches the item and the chat."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.web.app import web_server
from storage.models import Evidence
from tests import evidence_samples
from tests.fake_telegram import FakeTelegram
from tests.support import serving
from tests.telegram_support import Phone, invite, running
from tests.zalo_support import URL, free_port

pytestmark = pytest.mark.slow
MB = 1024 * 1024


async def test_a_file_over_the_chat_limit_goes_through_the_upload_page(
    settings: Settings, fake: FakeTelegram
) -> None:
    port = free_port()
    settings.public_base_url = f"http://127.0.0.1:{port}"
    settings.web_port = port
    settings.use_webhooks = False
    settings.link_secret = "a-link-secret-for-tests"
    settings.max_upload_mb, settings.max_web_upload_mb = 1, 3
    big = evidence_samples.pdf("Biên bản", attached=2 * MB)
    async with running(settings) as app, serving(web_server(app)):
        phone = Phone(fake, fake.user(7001))
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
        await phone.tap_key("2")  # on to I.2: a file sent now is I.1's
        await phone.type("Kết quả")
        before = len(fake.chat(7001))
        await phone.send(fake.send_document(phone.user, big, "bien-ban.pdf", "application/pdf"))
        said = phone.texts(before)
        assert "vượt mức tối đa 1 MB" in said and "Tệp lớn (tối đa 3 MB" in said
        found = URL.search(said[said.index("Tệp lớn") :])
        assert found
        mark = fake.mark()
        async with httpx.AsyncClient(follow_redirects=True) as client:
            page = await client.post(
                found.group(0), files=[("files", ("Biên bản.pdf", big, "application/pdf"))]
            )
        assert page.status_code == 200 and "Đã nhận 1/1 tệp" in page.text
        await fake.wait_for("sendMessage", after=mark)
        assert "qua trang tải lên cho mục I.1 (mục này hiện có 1 tệp):\n✅ Biên bản.pdf" in (
            phone.texts(before)
        )
        told = [c for c in fake.calls[mark:] if c.method == "sendMessage"]
        assert len(told) == 1  # one message for the upload: not the question again
        async with app.sessions() as s:
            (evidence,) = (await s.scalars(select(Evidence))).all()
        assert evidence.item_id == "I.1" and evidence.size == len(big)
