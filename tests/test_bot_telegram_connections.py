"""The Bot API requests over aiohttp (bot/telegram/connections.py): what python-telegram-bot
sends through them arrives as the Bot API reads it (JSON, or a multipart form with a file), and
a failure reaches it as its own errors (NetworkError, TimedOut), which its callers retry or
report."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.telegram.connections import AiohttpRequest

pytestmark = pytest.mark.asyncio


class Server:
    """A Bot API that records each request's parameters (its JSON, or its form) and answers
    ``ok``; ``hold`` keeps a request waiting (for timeouts)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, object]]] = []
        self.hold = asyncio.Event()
        self.held = asyncio.Event()
        self.holding = False

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form: dict[str, object] = {}
        if request.content_type == "application/json":
            form = {"json": await request.json()}
        for name, value in (await request.post()).items():
            form[name] = (value.filename, value.file.read()) if hasattr(value, "file") else value
        self.seen.append((method, form))
        if self.holding:
            self.held.set()
            await self.hold.wait()
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "danvan_bot"}
            return web.json_response({"ok": True, "result": me})
        message = {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}}
        return web.json_response({"ok": True, "result": message})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    fake = Server()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}/bot"
    fake.hold.set()
    await runner.cleanup()


def bot(base_url: str, request: AiohttpRequest) -> Bot:
    return Bot("123:abc", base_url=base_url, request=request, get_updates_request=AiohttpRequest())


async def test_a_message_and_a_document_arrive_as_sent(server: tuple[Server, str]) -> None:
    fake, url = server
    async with bot(url, AiohttpRequest()) as b:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Đạt", callback_data="1|2|s|3")]])
        await b.send_message(5, "Đồng chí đã chấm mục I.1: 2 điểm.", reply_markup=keyboard)
        await b.send_document(5, b"%PDF-1.4 ...", filename="Báo cáo tự đánh giá.docx")
    (_, text), (_, document) = fake.seen[-2:]
    assert text["json"] == {  # one JSON object, the keyboard in it as an object
        "chat_id": 5,
        "text": "Đồng chí đã chấm mục I.1: 2 điểm.",
        "reply_markup": {"inline_keyboard": [[{"text": "Đạt", "callback_data": "1|2|s|3"}]]},
    }
    # the file's name in UTF-8 as Telegram shows it, not percent-encoded
    assert document["document"] == ("Báo cáo tự đánh giá.docx", b"%PDF-1.4 ...")


async def test_a_server_that_does_not_answer_is_a_timeout(server: tuple[Server, str]) -> None:
    fake, url = server
    async with bot(url, AiohttpRequest()) as b:
        fake.holding = True
        with pytest.raises(TimedOut):
            await b.send_message(5, "Xin chào", read_timeout=0.2)
        assert fake.held.is_set()


async def test_no_server_is_a_network_error() -> None:
    with socket.socket() as s:  # a port no one listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
        assert not isinstance(raised.value, TimedOut)
    finally:
        await request.shutdown()


async def test_a_full_pool_is_a_timeout_not_a_hang(server: tuple[Server, str]) -> None:
    fake, url = server
    request = AiohttpRequest(connections=1)
    await request.initialize()
    try:
        fake.holding = True
        first = asyncio.create_task(request.post(f"{url}1:x/sendMessage"))
        await fake.held.wait()  # the only connection is busy
        with pytest.raises(TimedOut):
            await request.post(f"{url}1:x/sendMessage", pool_timeout=0.1)
        fake.hold.set()
        assert (await first)["message_id"] == 7
    finally:
        await request.shutdown()


async def test_used_before_initialize_or_after_shutdown_says_so() -> None:
    request = AiohttpRequest()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post("http://127.0.0.1:1/bot1:x/getMe")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post("http://127.0.0.1:1/bot1:x/getMe")
    await request.initialize()  # again, as Application.initialize after a stop
    await request.shutdown()
