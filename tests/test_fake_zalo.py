"""The fake Zalo Bot API server itself, spoken to with plain HTTP (httpx)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from tests.fake_zalo import SECRET_HEADER, FakeZalo


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    async with FakeZalo() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records what it gets; the first ``fail`` POSTs 500."""

    def __init__(self, fail: int = 0) -> None:
        self.posts: list[tuple[str | None, Any]] = []
        self.fail = fail
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.posts.append((request.headers.get(SECRET_HEADER), await request.json()))
        if self.fail:
            self.fail -= 1
            return web.Response(status=500)
        return web.json_response({"ok": True})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield hook
    await runner.cleanup()


async def api(http: httpx.AsyncClient, fake: FakeZalo, method: str, **params: Any) -> dict:
    response = await http.post(f"{fake.base_url}{fake.token}/{method}", json=params)
    body = response.json()
    assert response.status_code == (200 if body["ok"] else body["error_code"])
    return body


async def test_one_update_per_poll_then_408(fake: FakeZalo, http: httpx.AsyncClient) -> None:
    officer = fake.user("u-1", "Nguyễn Thị Lan")
    sent = [await fake.send_text(officer, "Xin chào"), await fake.send_text(officer, "Câu 2")]
    first = await api(http, fake, "getUpdates", timeout=1)
    second = await api(http, fake, "getUpdates", timeout="1")  # the platform takes strings too
    assert [first["result"], second["result"]] == sent
    message = first["result"]["message"]
    assert first["result"]["event_name"] == "message.text.received"
    assert message["text"] == "Xin chào" and isinstance(message["message_id"], str)
    assert message["chat"] == {"id": "u-1", "chat_type": "PRIVATE"}
    assert message["from"] == {"id": "u-1", "display_name": "Nguyễn Thị Lan", "is_bot": False}
    assert abs(message["date"] - time.time() * 1000) < 5000  # milliseconds

    started = time.monotonic()
    empty = await api(http, fake, "getUpdates", timeout=0.2)
    assert empty == {"ok": False, "error_code": 408, "description": "Request timeout"}
    assert 0.15 < time.monotonic() - started < 2


async def test_waiting_poll_gets_an_update_sent_meanwhile(
    fake: FakeZalo, http: httpx.AsyncClient
) -> None:
    officer = fake.user("u-1")
    poll = asyncio.create_task(api(http, fake, "getUpdates", timeout=5))
    await fake.until(lambda: fake.waiting_polls == 1)  # the poll waits: the update comes later
    image = await fake.send_image(officer, b"\xff\xd8\xff-photo", caption="Kế hoạch")
    assert (await poll)["result"] == image
    url = image["message"]["photo_url"]
    assert image["event_name"] == "message.image.received" and url.startswith(fake.root)
    assert image["message"]["caption"] == "Kế hoạch"
    photo = await http.get(url)
    assert photo.content == b"\xff\xd8\xff-photo" and photo.headers["content-type"] == "image/jpeg"
    assert (await http.get(f"{fake.root}/media/missing.jpg")).status_code == 404


async def test_text_limits_and_unknown_chat(fake: FakeZalo, http: httpx.AsyncClient) -> None:
    fake.user("u-1")
    ok = await api(http, fake, "sendMessage", chat_id="u-1", text="x" * 2000)
    assert ok["ok"] and isinstance(ok["result"]["message_id"], str)
    for text in ("x" * 2001, "", "   "):
        error = await api(http, fake, "sendMessage", chat_id="u-1", text=text)
        assert error["error_code"] == 400
        assert "text length must be between 1 and 2000" in error["description"]
    assert fake.messages("u-1") == ["x" * 2000]
    missing = await api(http, fake, "sendMessage", chat_id="u-404", text="Chào")
    assert missing["error_code"] == 400 and "chat not found" in missing["description"]
    with pytest.raises(LookupError):
        fake.last_text("u-404")


async def test_photo_sticker_action_and_records(fake: FakeZalo, http: httpx.AsyncClient) -> None:
    fake.user("u-1")
    mark = fake.mark()
    assert not (await api(http, fake, "sendPhoto", chat_id="u-1", photo="anh.jpg"))["ok"]
    await api(http, fake, "sendPhoto", chat_id="u-1", photo="https://x.vn/a.png", caption="Ảnh")
    await api(http, fake, "sendSticker", chat_id="u-1", sticker="abc")
    assert (await api(http, fake, "sendChatAction", chat_id="u-1", action="typing"))["ok"]
    assert not (await api(http, fake, "sendChatAction", chat_id="u-1", action="dancing"))["ok"]
    await api(http, fake, "sendMessage", chat_id="u-1", text="Xong")
    assert [s.method for s in fake.sent("u-1")] == ["sendPhoto", "sendSticker", "sendMessage"]
    assert (fake.sent("u-1")[0].photo, fake.sent("u-1")[0].caption) == ("https://x.vn/a.png", "Ảnh")
    assert fake.messages("u-1") == ["Xong"] and fake.last_text("u-1") == "Xong"
    call = await fake.wait_for("sendChatAction", after=mark)
    assert call.params == {"chat_id": "u-1", "action": "typing"} and call.ok
    assert [c.ok for c in fake.calls_to("sendChatAction")] == [True, False]
    with pytest.raises(TimeoutError):
        await fake.wait_for("getMe", after=mark, timeout=0.05)


async def test_wrong_token_method_and_body(fake: FakeZalo, http: httpx.AsyncClient) -> None:
    wrong = await http.post(f"{fake.base_url}999:nope/getMe", json={})
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert (await http.get(f"{fake.base_url}{fake.token}/getMe")).status_code == 405
    assert (await http.post(f"{fake.base_url}{fake.token}/getme", json={})).status_code == 404
    form = await http.post(f"{fake.base_url}{fake.token}/sendMessage", data={"text": "a"})
    assert form.status_code == 400
    me = await api(http, fake, "getMe")
    assert me["result"]["account_type"] == "BASIC"


@pytest.mark.parametrize("wrap", [False, True])
async def test_webhook_delivery(wrap: bool, receiver: Receiver, http: httpx.AsyncClient) -> None:
    async with FakeZalo(wrap_webhook=wrap) as fake:
        officer = fake.user("u-1")
        queued = await fake.send_text(officer, "trước webhook")
        short = await api(http, fake, "setWebhook", url=receiver.url, secret_token="short")
        assert "secret_token length must be between 8 and 256" in short["description"]
        assert not (await api(http, fake, "setWebhook", url="ftp://x", secret_token="s" * 8))["ok"]
        await api(http, fake, "setWebhook", url=receiver.url, secret_token="bí-mật-123")
        info = await api(http, fake, "getWebhookInfo")
        assert info["result"]["url"] == receiver.url
        later = await fake.send_unsupported(officer)
        await fake.until(fake.handed_over)  # both POSTed
        expected = [{"ok": True, "result": u} if wrap else u for u in (queued, later)]
        assert receiver.posts == [("bí-mật-123", body) for body in expected]
        conflict = await api(http, fake, "getUpdates", timeout=1)
        assert conflict["error_code"] == 409

        await api(http, fake, "deleteWebhook")
        await fake.deliver(later)  # a redelivery: the same update again
        assert (await api(http, fake, "getUpdates", timeout=1))["result"] == later


async def test_webhook_retries_a_failing_endpoint(receiver: Receiver) -> None:
    receiver.fail = 2
    async with FakeZalo(webhook_attempts=3) as fake:
        fake.user("u-1")
        fake.webhook_url, fake.webhook_secret = receiver.url, "secret-token"
        sticker = await fake.send_sticker(fake.user("u-1"))
        await fake.until(fake.handed_over)  # POSTed: retries done
        assert [body for _, body in receiver.posts] == [sticker] * 3
        assert fake.webhook_errors == ["HTTP 500", "HTTP 500"]
        assert sticker["event_name"] == "message.sticker.received"


async def test_post_webhook_sends_any_secret(fake: FakeZalo, receiver: Receiver) -> None:
    update = await fake.send_text(fake.user("u-1"), "giả mạo")
    assert await fake.post_webhook(receiver.url, update, "wrong-secret", wrap=True) == 200
    assert await fake.post_webhook(receiver.url, update, None) == 200
    assert receiver.posts == [("wrong-secret", {"ok": True, "result": update}), (None, update)]


async def test_injected_failures(fake: FakeZalo, http: httpx.AsyncClient) -> None:
    fake.fail("getMe", 502)
    fake.fail("getMe", 429)
    bad_gateway = await http.post(f"{fake.base_url}{fake.token}/getMe", json={})
    assert bad_gateway.status_code == 502 and bad_gateway.text == "Bad Gateway"
    assert (await api(http, fake, "getMe"))["error_code"] == 429
    assert (await api(http, fake, "getMe"))["ok"]
