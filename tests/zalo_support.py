"""Zalo test helpers: the bot and its web app running against the fake Zalo server, and a
phone that reads the numbered choices and types them."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bot.app import App, open_app
from bot.demo import ensure_demo
from bot.settings import Settings
from bot.web.app import web_server
from bot.zalo.running import ZaloRunner, zalo_running
from tests.fake_zalo import FakeZalo, FakeZaloUser
from tests.support import serving

URL = re.compile(r"https?://\S+")


# base URL -> the fake server there, so that ``zalo_bot`` can let the fake watch the bot
FAKES: dict[str, FakeZalo] = {}


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    async with FakeZalo() as server:
        FAKES[server.base_url] = server
        try:
            yield server
        finally:
            del FAKES[server.base_url]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def zalo_settings(db_url: str, tmp_path: Path, fake_zalo: FakeZalo) -> Settings:
    port = free_port()
    return Settings(
        _env_file=None,
        database_url=db_url,
        data_dir=tmp_path / "data",
        evidence_dir=tmp_path / "evidence",
        output_dir=tmp_path / "out",
        zalo_bot_token=fake_zalo.token,
        zalo_api_base_url=fake_zalo.base_url,
        public_base_url=f"http://127.0.0.1:{port}",
        web_port=port,
        webhook_secret="zalo-test-secret-0123456789",
        reminders_enabled=False,
    )


@asynccontextmanager
async def zalo_bot(
    settings: Settings, *, webhook: bool = True, demo: bool = True, fake: FakeZalo | None = None
) -> AsyncIterator[App]:
    """The app (with the demo unit unless ``demo`` is false), Zalo started and (with a public
    URL) the web app; ``fake`` (default: the ``fake_zalo`` fixture's at the settings' URL)
    watches it."""
    async with open_app(settings) as app:
        if demo:
            async with app.sessions() as s, s.begin():
                await ensure_demo(s)
        server = fake or FAKES.get(settings.zalo_api_base_url)
        if server is not None:  # the phones then wait for the bot's own word that it answered
            server.watch(app.journal)
        async with (
            zalo_running(app, webhook=webhook, poll_timeout=1) as runner,
            web(app, runner),
        ):
            yield app


@asynccontextmanager
async def web(app: App, runner: ZaloRunner | None = None) -> AsyncIterator[None]:
    """The web app (signed links, upload page, ``runner``'s webhook) while inside; nothing
    without a public URL."""
    if not app.settings.public_base_url:
        yield
        return
    async with serving(web_server(app, None, runner)):
        yield


class ZaloPhone:
    """One officer's Zalo: reads what the bot wrote and types answers."""

    def __init__(self, fake: FakeZalo, user: FakeZaloUser) -> None:
        self.fake, self.user = fake, user
        self.actions = 0  # what the officer did: messages typed or photos sent

    @property
    def last(self) -> str:
        return self.fake.last_text(self.user.id)

    def texts(self, since: int = 0) -> str:
        return "\n".join(self.fake.messages(self.user.id)[since:])

    def count(self) -> int:
        return len(self.fake.messages(self.user.id))

    async def answered(self, action: Awaitable[dict]) -> None:
        """Do ``action`` (an update from this phone) and wait until the bot has answered it:
        told by the bot itself (``zalo_bot`` lets the fake watch it)."""
        self.actions += 1
        await self.fake.answer_to(action)

    async def type(self, text: str) -> None:
        await self.answered(self.fake.send_text(self.user, text))

    @property
    def question(self) -> str:
        """The open question: the last message with choices (a one-line confirmation after
        it, "✔️ Đã lưu …", leaves it open)."""
        for text in reversed(self.fake.messages(self.user.id)):
            if self._choices(text):
                return text
        raise AssertionError(f"no question in the chat:\n{self.last}")

    @staticmethod
    def _choices(text: str) -> list[tuple[str, str]]:
        """(key, label) of the choices a message shows, the last line first."""
        return [
            found
            for line in reversed(text.splitlines())
            for found in re.findall(r"(?:^|· )(\w+)\. ([^·]+)", line)
        ]

    def key_of(self, label: str) -> str:
        """The number (or letter) the open question shows before ``label``."""
        question = self.question
        key = next((key for key, shown in self._choices(question) if label in shown), None)
        assert key is not None, f"no choice «{label}» in:\n{question}"
        return key

    async def choose(self, label: str) -> None:
        await self.type(f"{self.key_of(label)}.")  # typed as a list number: "3."

    def link(self, marker: str) -> str:
        """The URL on the line after ``marker`` in the last messages."""
        text = self.texts(max(0, self.count() - 3))
        after = text[text.rindex(marker) :]
        found = URL.search(after)
        assert found, text
        return found.group(0)


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url)
