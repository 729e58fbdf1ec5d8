"""``danvan backup|restore|verify`` as the IT officer types them, while the bot runs: a backup
taken while an officer answers (with evidence) on Telegram restores into a fresh installation
with every answer committed before it began and every evidence file, hash-checked."""

from __future__ import annotations

import asyncio
import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.cli.base import Bar
from bot.settings import Settings, get_settings
from storage.backup import sha256_of, snapshots
from storage.db import make_engine, make_sessionmaker
from storage.models import Answer, Evidence
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import Phone, answer_all, invite, running


def use(monkeypatch: pytest.MonkeyPatch, url: str, evidence: Path) -> None:
    """The installation the next ``danvan`` command works on."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("EVIDENCE_DIR", str(evidence))
    get_settings.cache_clear()


async def danvan(*args: str | Path, code: int = 0) -> str:
    """The command, as typed at a terminal (in a thread: it runs its own event loop)."""
    result = await asyncio.to_thread(CliRunner().invoke, main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


async def answers_and_files(url: str) -> tuple[dict[str, Decimal | None], dict[str, str]]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            answers = dict((await s.execute(select(Answer.item_id, Answer.score))).all())
            files = dict((await s.execute(select(Evidence.storage_key, Evidence.sha256))).all())
            return answers, files  # type: ignore[return-value]
    finally:
        await engine.dispose()


@pytest.mark.slow
async def test_a_backup_while_an_officer_answers_restores_every_committed_answer_and_file(
    settings: Settings,
    fake: FakeTelegram,
    restore_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    folder = tmp_path / "backups"
    async with running(settings) as app:
        phone = Phone(fake, fake.user(7001, "Cán bộ xã"))
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
        answering = asyncio.create_task(answer_all(phone))
        await fake.wait_for(
            lambda c: c.method == "sendMessage" and "I.3" in str(c.params.get("text")), timeout=60
        )
        committed_before, _ = await answers_and_files(settings.database_url)
        use(monkeypatch, settings.database_url, Path(settings.evidence_dir))
        said = await danvan("backup", folder)  # while the officer answers
        assert not answering.done(), "the backup ran while the officer was answering"
        await answering
        final = await answers_and_files(settings.database_url)
    assert said.startswith(f"Đã sao lưu vào {snapshots(folder)[0]}")
    assert len(committed_before) >= 2

    restored = tmp_path / "restored-evidence"
    use(monkeypatch, restore_url, restored)
    assert "Đã khôi phục bản sao lưu" in await danvan("restore", folder)
    answers, files = await answers_and_files(restore_url)
    assert committed_before.items() <= answers.items()  # nothing committed before is lost
    assert answers.items() <= final[0].items()  # and nothing is made up
    assert files and files.items() <= final[1].items()
    for key, sha in files.items():  # every file the restored database names, by content
        assert sha256_of(restored / key) == sha
    assert "✓" in await danvan("verify")

    out = await danvan("restore", folder, code=1)  # not over the data it now holds
    assert "đã có dữ liệu" in out and "--force" in out


async def test_restore_explains_what_is_wrong(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with running(settings):
        pass  # the demo installation, migrated
    use(monkeypatch, settings.database_url, Path(settings.evidence_dir))
    assert "✓" in await danvan("verify")
    folder = tmp_path / "backups"
    await danvan("backup", folder)
    out = await danvan("restore", folder, code=1)  # the installation it came from has data
    assert "đã có dữ liệu" in out and "--force" in out

    (database,) = snapshots(folder)[0].glob("database.*")
    database.write_bytes(b"x")
    out = await danvan("restore", folder, "--force", code=1)
    assert "hỏng, không khôi phục" in out and f"Tệp cơ sở dữ liệu {database}" in out
    out = await danvan("restore", folder, "--snapshot", "20000101T000000Z", code=1)
    assert "Không có bản sao lưu «20000101T000000Z»" in out


def test_long_work_draws_a_bar_on_a_terminal_and_nothing_when_piped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, drawn in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        with Bar("Sao chép tệp minh chứng") as bar:
            for n in range(1, 4):
                bar(n, 3)
        shown = stream.getvalue()
        assert ("Sao chép tệp minh chứng" in shown and "100%" in shown) is drawn, shown
        assert bool(shown) is drawn


async def test_a_backup_that_cannot_be_written_says_so_and_leaves_nothing(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with running(settings):
        pass
    use(monkeypatch, settings.database_url, Path(settings.evidence_dir))
    folder = tmp_path / "backups"
    folder.write_text("a file where the folder should be")
    out = await danvan("backup", folder, code=1)
    assert out.startswith(f"Lỗi: Không ghi được bản sao lưu vào {folder}")
    assert folder.read_text() == "a file where the folder should be"
