"""The fake Bot API server, driven by the real python-telegram-bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, RetryAfter
from telegram.ext import CallbackQueryHandler, ContextTypes, MessageHandler, filters

from tests.fake_telegram import FakeTelegram, polling

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Một", callback_data="q1:1")]])


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with fake.bot() as bot:
        yield bot


async def test_send_and_edit_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(42)
    assert bot.username == "danvan_test_bot"
    sent = await bot.send_message(42, "Câu 1/28", reply_markup=KEYBOARD)
    assert sent.chat.id == 42 and sent.from_user.id == bot.id
    assert fake.buttons(fake.last_message(42)) == [("Một", "q1:1")]

    edited = await bot.edit_message_text("Câu 1/28\n\n➡️ Một", 42, sent.message_id)
    assert edited.text == "Câu 1/28\n\n➡️ Một" and edited.reply_markup is None
    msg = fake.last_message(42)
    assert (msg.text, msg.reply_markup, msg.edits) == ("Câu 1/28\n\n➡️ Một", None, 1)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Câu 1/28\n\n➡️ Một", 42, sent.message_id)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(42, sent.message_id)
    await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=KEYBOARD)
    assert fake.last_message(42).edits == 2
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(42, "x" * 4097)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(43, "ai đó")
    assert await bot.delete_message(42, sent.message_id)
    assert fake.chat(42) == []
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("mới", 42, sent.message_id)

    assert fake.calls_to("editMessageText")[-1].description.startswith("Bad Request")
    await bot.set_my_commands([("tieptuc", "Tiếp tục")])
    assert [c.command for c in await bot.get_my_commands()] == ["tieptuc"]
    assert fake.my_commands() == [{"command": "tieptuc", "description": "Tiếp tục"}]


async def test_unknown_method_is_recorded(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound, match="noSuchMethod"):
        await bot.do_api_request("noSuchMethod")
    assert fake.calls_to("noSuchMethod")[0].status == 404


async def test_text_and_callback_reach_handlers_by_polling(fake: FakeTelegram) -> None:
    seen: list[str] = []

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.message.text)
        await update.message.reply_text(f"nhận: {update.message.text}", reply_markup=KEYBOARD)

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        seen.append(query.data)
        await query.answer("Đã chấm", show_alert=True)
        await query.edit_message_text(f"{query.message.text}\n\n➡️ Một")

    app = fake.app_builder().build()
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(CallbackQueryHandler(on_press))
    async with polling(app):
        officer = fake.user(7, username="canbo")
        mark = fake.mark()
        update = await fake.send_text(officer, "/start ABC123")
        assert update["message"]["entities"][0] == {"type": "bot_command", "offset": 0, "length": 6}
        await fake.wait_for("sendMessage", after=mark)  # the handler's only call
        reply = fake.last_message(7)
        assert reply.text == "nhận: /start ABC123"

        mark = fake.mark()
        await fake.click(officer, "Một")
        answer = await fake.wait_for("answerCallbackQuery", after=mark)
        assert answer.params["show_alert"] is True
        await fake.wait_for("editMessageText", after=mark)  # the handler's last call
        assert fake.callback_answers[0]["text"] == "Đã chấm"
        assert fake.last_message(7).text == "nhận: /start ABC123\n\n➡️ Một"
        assert fake.buttons(fake.last_message(7)) == []

        # the same update delivered again reaches the handler again
        mark = fake.mark()
        await fake.deliver(update)
        await fake.wait_for("sendMessage", after=mark)
    assert seen == ["/start ABC123", "q1:1", "/start ABC123"]
    assert len(fake.chat(7)) == 2
    with pytest.raises(ValueError, match="no button"):
        await fake.press(officer, reply.message_id, "forged")


async def test_answering_a_query_twice_is_too_old(fake: FakeTelegram, bot: Bot) -> None:
    officer = fake.user(9)
    sent = await bot.send_message(9, "Chọn", reply_markup=KEYBOARD)
    update = await fake.press(officer, sent.message_id, "q1:1")
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    updates = await bot.get_updates(timeout=0)
    assert updates[0].callback_query.message.text == "Chọn"
    # a missing message arrives as an inaccessible one when not strict
    update = await fake.press(officer, 999, "q1:1", strict=False)
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert updates[-1].callback_query.message.date.timestamp() == 0


async def test_downloads_return_the_exact_bytes(fake: FakeTelegram, bot: Bot) -> None:
    officer = fake.user(5)
    pdf = b"%PDF-1.7 minh chung" * 100
    update = await fake.send_document(officer, pdf, "minh-chung.pdf", "application/pdf")
    doc = update["message"]["document"]
    file = await bot.get_file(doc["file_id"])
    assert file.file_size == len(pdf)
    assert bytes(await file.download_as_bytearray()) == pdf

    jpeg = b"\xff\xd8\xff\xe0 photo bytes" * 50
    update = await fake.send_photo(officer, jpeg, caption="ảnh")
    sizes = update["message"]["photo"]
    assert [s["file_size"] for s in sizes] == sorted(s["file_size"] for s in sizes)
    largest = await bot.get_file(sizes[-1]["file_id"])
    assert bytes(await largest.download_as_bytearray()) == jpeg
    small = await bot.get_file(sizes[0]["file_id"])
    assert bytes(await small.download_as_bytearray()) != jpeg

    big = await fake.send_document(
        officer, b"x", "lon.pdf", "application/pdf", declared_size=21 * 1024 * 1024
    )
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(big["message"]["document"]["file_id"])
    assert len(fake.downloads) == 3


async def test_send_document_keeps_bytes_and_filename(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(11)
    docx = b"PK\x03\x04 bao cao" + bytes(range(256)) * 10
    sent = await bot.send_document(11, docx, filename="bao-cao.docx", caption="Báo cáo")
    assert sent.document.file_name == "bao-cao.docx" and sent.caption == "Báo cáo"
    call = fake.calls_to("sendDocument")[0]
    assert call.files["document"].data == docx
    msg = fake.last_message(11)
    assert (msg.document.filename, msg.document.data, msg.caption) == (
        "bao-cao.docx",
        docx,
        "Báo cáo",
    )
    again = await bot.get_file(sent.document.file_id)
    assert bytes(await again.download_as_bytearray()) == docx


async def test_webhook_posts_updates_with_the_secret(fake: FakeTelegram, bot: Bot) -> None:
    received: list[tuple[str | None, dict]] = []
    failures = [500]  # the first POST fails: the fake retries

    async def receive(request: web.Request) -> web.Response:
        if failures:
            return web.Response(status=failures.pop())
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret")
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        officer = fake.user(21)
        update = await fake.send_text(officer, "xin chào")
        await fake.until(fake.handed_over)  # POSTed: failed once, then taken
        assert received == [("s3cret", update)]
        assert fake.webhook_errors == ["Wrong response from the webhook: 500"]
        assert await bot.delete_webhook()
        await fake.send_text(officer, "lại")
        assert [u.message.text for u in await bot.get_updates(timeout=0)] == ["lại"]
    finally:
        await runner.cleanup()


async def test_failure_injection(
    fake: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns (PTBDeprecationWarning) when a RetryAfter is built, unless opted in
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake.user(31)
    fake.user(32)
    fake.block(31)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(31, "nhắc")
    await bot.send_message(32, "nhắc")
    fake.retry_after(3, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(32, "nhắc")
        assert info.value.retry_after.total_seconds() == 3
    await bot.send_message(32, "nhắc")
    assert [c.status for c in fake.calls_to("sendMessage")] == [403, 200, 429, 429, 200]
