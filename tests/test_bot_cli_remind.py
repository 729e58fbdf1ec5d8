"""``danvan remind`` (dry run and sending through the fake Bot API server) and
``danvan period schedule``, on every backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.cli.remind
from bot.settings import get_settings
from storage.models import Period, ReminderSent
from tests.fake_telegram import FakeTelegram
from tests.test_bot_cli_units import CliEnv, cli_env
from tests.test_conversations_reminders import APPRAISER, OFFICERS, populate, vn


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    for env in cli_env(db_url, tmp_path, monkeypatch):
        env.db(populate)
        yield env


async def sent(s: AsyncSession) -> int:
    return await s.scalar(select(func.count()).select_from(ReminderSent)) or 0


async def schedule(s: AsyncSession) -> dict | None:
    period = await s.scalar(select(Period))
    assert period is not None
    return period.reminder_schedule


def test_the_dry_run_lists_who_and_what(cli: CliEnv) -> None:
    out = cli.ok("remind", "--year", "2022", "--dry-run", "--at", "2022-11-14 08:00")
    lines = out.splitlines()
    assert lines[0] == "Kỳ đánh giá năm 2022 của UBND huyện Văn Giang (VG), lúc 08:00 14/11/2022:"
    heads = [line for line in lines if line[:1].isdigit()]
    assert [h.split(" · ")[0] for h in heads] == [
        "1. Người 1001 (telegram 1001)",
        "2. Người 1003 (telegram 1003)",
        "3. Người 1004 (telegram 1004)",
    ]
    assert heads[0].split(" · ")[1] == "UBND xã Cửu Cao"
    assert heads[0].split(" · ")[2].startswith("submit_by:2022-11-15:d-1:unit=")
    assert "     Hạn nộp: 15/11/2022 (còn 1 ngày, hạn là ngày mai)." in lines
    assert "     • Tiêu chí 1: I.3, I.4, I.5" in lines
    assert "Chạy thử: 3 lời nhắc sẽ được gửi; chưa gửi và chưa ghi gì." in lines
    assert "  08:00 15/11/2022  nhắc hạn nộp (ngày cuối cùng) → cán bộ các đơn vị chưa nộp" in lines
    assert cli.db(sent) == 0

    appraiser = cli.ok("remind", "--year", "2022", "--dry-run", "--at", "16/11/2022 09:30")
    assert f"Người {APPRAISER} (telegram {APPRAISER}) · UBND huyện Văn Giang" in appraiser
    assert "CÁC ĐƠN VỊ QUÁ HẠN NỘP BÁO CÁO" in appraiser and "Chạy thử: 4 lời nhắc" in appraiser

    night = cli.ok("remind", "--year", "2022", "--dry-run", "--at", "2022-11-14 22:00")
    assert "giờ nghỉ (21:00–07:00): không gửi lời nhắc nào." in night
    nothing = cli.ok("remind", "--year", "2022", "--dry-run", "--at", "2022-11-01 08:00")
    assert "Chạy thử: 0 lời nhắc" in nothing
    assert "  08:00 08/11/2022  nhắc hạn nộp (còn 7 ngày)" in nothing


def test_bad_input(cli: CliEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Thiếu --year" in cli.fails("remind", "--dry-run")
    assert "Chưa có kỳ đánh giá năm 2023" in cli.fails("remind", "--year", "2023", "--dry-run")
    assert "Chưa có kỳ đánh giá năm 2022 của HY" in cli.fails(
        "remind", "--year", "2022", "--authority", "HY", "--dry-run"
    )
    assert "--at phải có dạng" in cli.fails("remind", "--year", "2022", "--dry-run", "--at", "mai")
    assert "--at chỉ dùng cùng --dry-run" in cli.fails(
        "remind", "--year", "2022", "--at", "2022-11-14"
    )
    assert "Chưa cấu hình TELEGRAM_BOT_TOKEN" in cli.fails("remind", "--year", "2022")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")  # nothing listens
    monkeypatch.setattr(bot.cli.remind, "utc_now", lambda: vn("2022-11-14 08:00"))
    get_settings.cache_clear()
    assert "Không kết nối được Telegram" in cli.fails("remind", "--year", "2022")
    assert cli.db(sent) == 0


def test_the_schedule_is_data(cli: CliEnv) -> None:
    shown = cli.ok("period", "schedule", "--year", "2022")
    assert shown.startswith(
        "Lịch nhắc của kỳ đánh giá năm 2022 (VG): 7, 3, 1, 0 ngày trước mỗi hạn, lúc 08:00; "
        "không gửi từ 21:00 đến 07:00."
    )
    assert "  08:00 16/11/2022  báo quá hạn nộp → cán bộ các đơn vị chưa nộp" in shown
    assert "  08:00 02/12/2022  báo quá hạn thẩm định → đoàn thẩm định" in shown
    assert len(shown.splitlines()) == 1 + 15
    assert cli.db(schedule) is None  # showing changes nothing

    changed = cli.ok("period", "schedule", "--year", "2022", "--offsets", "2, 5,2", "--hour", "14")
    assert changed.startswith("Lịch nhắc mới của kỳ đánh giá năm 2022 (VG): 5, 2 ngày trước")
    assert "  14:00 13/11/2022  nhắc hạn nộp (còn 2 ngày)" in changed
    assert cli.db(schedule) == {"offsets_days": [5, 2], "hour": 14, "quiet": [21, 7]}
    out = cli.ok("remind", "--year", "2022", "--dry-run", "--at", "2022-11-13 14:00")
    assert "Chạy thử: 3 lời nhắc" in out and "(còn 2 ngày)" in out

    assert "ngoài giờ nghỉ" in cli.fails("period", "schedule", "--year", "2022", "--hour", "22")
    assert "--hour là giờ gửi" in cli.fails("period", "schedule", "--year", "2022", "--hour", "x")
    for bad in ("7,ba", "", "90", "-1"):
        assert "--offsets là các số ngày" in cli.fails(
            "period", "schedule", "--year", "2022", "--offsets", bad
        )
    assert cli.db(schedule) == {"offsets_days": [5, 2], "hour": 14, "quiet": [21, 7]}


async def test_without_dry_run_it_sends_now_once(
    cli: CliEnv, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    monkeypatch.setenv("TELEGRAM_API_FILE_URL", fake.base_file_url)
    monkeypatch.setattr(bot.cli.remind, "utc_now", lambda: vn("2022-11-14 08:00"))
    get_settings.cache_clear()
    for uid in [*OFFICERS, APPRAISER]:
        fake.user(uid)
    fake.block(1004)
    out = await asyncio.to_thread(cli.ok, "remind", "--year", "2022")
    assert out.splitlines()[1] == (
        "  đã gửi 2 lời nhắc; 1 người đã chặn bot (đánh dấu «không liên lạc được»)."
    )
    assert sorted(c.params["chat_id"] for c in fake.calls_to("sendMessage") if c.ok) == [1001, 1003]
    again = await asyncio.to_thread(cli.ok, "remind", "--year", "2022")
    assert again.splitlines()[1] == "  đã gửi 0 lời nhắc."
    assert await asyncio.to_thread(cli.db, sent) == 3
