"""ZaloClient against the fake Zalo Bot API server, over real HTTP; split_text."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.zalo.client import DownloadTooLarge, ZaloClient, ZaloError, split_text
from tests.fake_zalo import FakeZalo


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    async with FakeZalo() as server:
        yield server


@pytest.fixture
async def client(fake: FakeZalo) -> AsyncIterator[ZaloClient]:
    async with ZaloClient(fake.token, fake.base_url, backoff=0.01) as zalo:
        yield zalo


async def test_every_method(fake: FakeZalo, client: ZaloClient) -> None:
    officer = fake.user("u-1", "Trần Văn Bình")
    assert (await client.get_me())["account_name"] == "bot.danvan_test"
    sent = await fake.send_text(officer, "Xin chào")
    assert await client.get_updates(timeout=1) == [sent]
    assert fake.calls_to("getUpdates")[-1].params == {"timeout": 1}

    reply = await client.send_message("u-1", "Chào anh Bình")
    assert isinstance(reply["message_id"], str) and reply["date"] > 0
    await client.send_photo("u-1", "https://example.vn/bieu-do.png", caption="Biểu đồ")
    await client.send_photo("u-1", "https://example.vn/khong-chu-thich.png")
    await client.send_sticker("u-1", "abc123")
    assert await client.send_chat_action("u-1") is True
    await client.send_chat_action("u-1", "upload_photo")
    assert fake.messages("u-1") == ["Chào anh Bình"]
    photos = [(s.photo, s.caption) for s in fake.sent("u-1") if s.method == "sendPhoto"]
    assert photos == [
        ("https://example.vn/bieu-do.png", "Biểu đồ"),
        ("https://example.vn/khong-chu-thich.png", None),
    ]
    actions = [c.params["action"] for c in fake.calls_to("sendChatAction")]
    assert actions == ["typing", "upload_photo"]

    hook = await client.set_webhook("https://danvan.example.vn/zalo", "mat-khau-webhook")
    assert hook["url"] == "https://danvan.example.vn/zalo"
    assert fake.webhook_secret == "mat-khau-webhook"
    assert (await client.get_webhook_info())["url"] == "https://danvan.example.vn/zalo"
    assert (await client.delete_webhook())["url"] == ""
    assert (await client.get_webhook_info())["url"] == ""
    assert (await client.call("getMe"))["account_type"] == "BASIC"


async def test_empty_poll_is_an_empty_list(client: ZaloClient) -> None:
    started = time.monotonic()
    assert await client.get_updates(timeout=0) == []
    assert time.monotonic() - started < 1


async def test_errors_carry_code_and_description(fake: FakeZalo, client: ZaloClient) -> None:
    with pytest.raises(ZaloError) as missing:
        await client.send_message("u-404", "Chào")
    assert missing.value.error_code == 400 and "chat not found" in missing.value.description
    with pytest.raises(ZaloError) as short:
        await client.set_webhook("https://danvan.example.vn/zalo", "ngan")
    assert "between 8 and 256" in short.value.description
    with pytest.raises(ZaloError) as conflict:
        await client.set_webhook("https://danvan.example.vn/zalo", "mat-khau-webhook")
        await client.get_updates(timeout=1)
    assert conflict.value.error_code == 409
    fake.user("u-1")
    with pytest.raises(ValueError, match=r"1\.\.2000"):
        await client.send_message("u-1", "x" * 2001)
    with pytest.raises(ValueError):
        await client.send_message("u-1", "")
    assert fake.calls_to("sendMessage") == [fake.calls_to("sendMessage")[0]]  # never sent


async def test_wrong_token_never_shows_the_token(
    fake: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # `danvan run`'s logging quiets it
    secret = "999999:very-secret-token"
    async with ZaloClient(secret, fake.base_url) as wrong:
        with pytest.raises(ZaloError) as error:
            await wrong.get_me()
        assert (error.value.error_code, error.value.description) == (401, "Unauthorized")
        assert secret not in str(error.value) and secret not in repr(wrong)
    assert "/getMe" in caplog.text and secret not in caplog.text


async def test_transient_failures_are_retried(fake: FakeZalo, client: ZaloClient) -> None:
    fake.user("u-1")
    fake.fail("sendMessage", 502)
    fake.fail("sendMessage", 429)
    await client.send_message("u-1", "Lần thứ ba")
    assert [c.status for c in fake.calls_to("sendMessage")] == [502, 429, 200]
    assert fake.messages("u-1") == ["Lần thứ ba"]

    fake.fail("getMe", 503, times=3)
    with pytest.raises(ZaloError) as error:
        await client.get_me()
    assert error.value.error_code == 503 and len(fake.calls_to("getMe")) == 3


async def test_network_errors_are_retried_then_raised(fake: FakeZalo) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = f"http://127.0.0.1:{port}/bot"
    async with ZaloClient(fake.token, closed, attempts=2, backoff=0.01) as client:
        with pytest.raises(ZaloError) as error:
            await client.get_me()
    assert error.value.error_code == 0 and "network error" in error.value.description
    assert fake.token not in str(error.value)


async def test_shared_http_client_is_left_open(fake: FakeZalo) -> None:
    async with httpx.AsyncClient() as http:
        async with ZaloClient(fake.token, fake.base_url, http=http) as client:
            await client.get_me()
        assert not http.is_closed


async def test_download_within_and_over_the_limit(fake: FakeZalo, client: ZaloClient) -> None:
    photo = b"\xff\xd8\xff" + bytes(range(256)) * 40
    update = await fake.send_image(fake.user("u-1"), photo, caption="Minh chứng")
    url = update["message"]["photo_url"]
    assert await client.download(url, max_bytes=len(photo)) == photo
    with pytest.raises(DownloadTooLarge) as too_large:
        await client.download(url, max_bytes=len(photo) - 1)
    assert isinstance(too_large.value, ZaloError) and too_large.value.max_bytes == len(photo) - 1
    with pytest.raises(ZaloError) as missing:
        await client.download(f"{fake.root}/media/missing.jpg", max_bytes=10)
    assert missing.value.error_code == 404


async def test_download_stops_a_stream_without_length(fake: FakeZalo, client: ZaloClient) -> None:
    """No Content-Length (chunked): the limit is enforced while the bytes arrive."""
    photo = b"\x89PNG" + bytes(5000)
    update = await fake.send_image(fake.user("u-1"), photo, filename="anh.png", chunked=True)
    url = update["message"]["photo_url"]
    assert url.endswith(".png")
    assert await client.download(url, max_bytes=5004) == photo
    with pytest.raises(DownloadTooLarge):
        await client.download(url, max_bytes=2500)


def test_split_text_on_lines() -> None:
    lines = [f"Dòng {n}: tiêu chí số {n} đạt yêu cầu của kế hoạch dân vận." for n in range(60)]
    text = "\n".join(lines)
    assert len(text) > 3000
    parts = split_text(text)
    assert len(parts) == 2 and all(0 < len(p) <= 2000 for p in parts)
    assert "\n".join(parts).splitlines() == lines  # every cut fell between lines
    assert " ".join(parts).split() == text.split()


def test_split_text_prefers_paragraphs_and_cuts_long_words() -> None:
    word = "ạ" * 3000
    parts = split_text(word)
    assert [len(p) for p in parts] == [2000, 1000] and "".join(parts) == word

    paragraphs = ["Đoạn một. " * 150, "Đoạn hai. " * 150, "Đoạn ba."]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text)
    assert all(0 < len(p) <= 2000 for p in parts)
    assert parts[0] == paragraphs[0].strip()  # cut at the paragraph, not mid-sentence
    assert " ".join(parts).split() == text.split()

    mixed = "mở đầu " + "chữ" * 2500 + "  kết thúc\n"
    parts = split_text(mixed, limit=1000)
    assert all(0 < len(p) <= 1000 for p in parts) and parts[0] == "mở đầu"
    assert "".join(" ".join(parts).split()) == "".join(mixed.split())
    assert split_text("  \n\n ") == [] and split_text("ngắn") == ["ngắn"]
    with pytest.raises(ValueError):
        split_text("abc", limit=0)
