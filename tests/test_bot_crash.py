"""``kill -9`` of the running bot at random moments while an officer answers, sends files and
asks for reports; then a restart. Nothing half-written is left, and the officer's next message
is answered with the question they are at."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import open_app
from bot.demo import ensure_demo
from bot.settings import Settings
from storage import people
from storage.db import make_engine, make_sessionmaker
from storage.models import Position, Role, Unit
from storage.tempfiles import owner_of, pid_alive
from tests import evidence_samples
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.slow  # real `danvan run` processes

ROUNDS = 3
BIG_PDF = evidence_samples.pdf("Kế hoạch năm", attached=1024 * 1024)


def leftovers(settings: Settings) -> list[Path]:
    """Temporary files whose writer is dead."""
    roots = [settings.evidence_dir / ".tmp", settings.output_dir]
    found = [p for root in roots if root.exists() for p in root.iterdir() if p.is_file()]
    return [p for p in found if (o := owner_of(p.name)) is not None and not pid_alive(o.pid)]


async def position(settings: Settings) -> str:
    """Where the one officer is, as the database says."""
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as s:
            cursor = await s.scalar(select(Position.cursor))
    finally:
        await engine.dispose()
    assert cursor is not None
    return cursor


async def test_kill_9_at_random_moments(settings: Settings, fake: FakeTelegram) -> None:
    async with open_app(settings) as app, app.sessions() as s, s.begin():
        await ensure_demo(s)
        unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
        assert unit is not None
        token = (await people.create_invite(s, Role.OFFICER, unit.id)).token
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(
        DATABASE_URL=settings.database_url,
        EVIDENCE_DIR=str(settings.evidence_dir),
        OUTPUT_DIR=str(settings.output_dir),
        DATA_DIR=str(settings.data_dir),
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_API_FILE_URL=fake.base_file_url,
        REMINDERS_ENABLED="false",
        REPORT_WORKERS="0",  # documents in a thread: a killed bot takes them along at once
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )

    async def start() -> asyncio.subprocess.Process:
        mark = fake.mark()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=settings.output_dir.parent,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await fake.wait_for("deleteWebhook", timeout=60, after=mark)  # swept; polls next
        return proc

    officer = fake.user(5001, "Cán bộ Cửu Cao")
    proc = await start()
    try:
        mark = fake.mark()
        await fake.send_text(officer, f"/start {token}")  # straight to I.1
        await fake.wait_for(lambda c: "Câu 1/28" in str(c.params), after=mark)
        rng = random.Random(2026)
        for n in range(ROUNDS):
            mark = fake.mark()
            for update in (  # a score, then the results and files of the item just scored
                fake.send_text(officer, "1"),
                fake.send_text(officer, f"Kết quả vòng {n}"),
                fake.send_document(officer, BIG_PDF, f"ke-hoach-{n}.pdf", "application/pdf"),
                fake.send_photo(officer, evidence_samples.jpeg(n)),
                fake.send_text(officer, "/baocao"),
            ):
                await update
            calls = rng.randint(1, 12)  # the moment: after this many of the bot's requests
            await fake.wait_for(
                lambda c, m=mark, k=calls: (
                    sum(x.method != "getUpdates" for x in fake.calls[m:]) >= k
                ),
                timeout=60,
            )
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            proc = await start()
            assert leftovers(settings) == [], n  # removed before the bot took any update
            mark = fake.mark()
            await fake.send_text(officer, "/tieptuc")
            answer = await fake.wait_for(
                lambda c, m=mark: (
                    c.method == "sendMessage"
                    and c.params.get("chat_id") == officer.id
                    and "Tiêu chí " in str(c.params.get("text"))
                ),  # a question's head
                timeout=60,
                after=mark,
            )
            cursor = await position(settings)
            kind, _, ref = cursor.partition(":")
            named = "Đánh giá chung" if kind in ("strengths", "shortcomings") else f"{ref}"
            assert named in answer.params["text"], (cursor, answer.params["text"][:300])
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
