"""``danvan doctor`` against the fake Bot APIs: good settings get ✓ and exit 0; a token the
API refuses, a webhook pointing elsewhere or failing, an empty database and a period whose
units have no linked officer get their line, in Vietnamese, without a traceback."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.demo import ensure_demo
from bot.doctor import Level, examine
from bot.settings import Settings, get_settings
from storage import migrate
from storage.models import Unit
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo
from tests.telegram_support import running

TODAY = date(2022, 11, 1)  # the demo period: submit by 15/11/2022


def lines(checks: list) -> str:  # type: ignore[type-arg]
    return "\n".join(str(c) for c in checks)


async def test_a_ready_installation(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app, app.sessions() as s, s.begin():
        commune = await ensure_demo(s)  # its officer is linked (the console's demo officer)
        s.add(Unit(code="VG-PC", name="UBND xã Phụng Công", parent_id=commune.parent_id))
    checks = await examine(settings, today=TODAY)
    said = lines(checks)
    assert not [c for c in checks if c.level is Level.BAD], said
    assert "✓ Cơ sở dữ liệu" in said and f"phiên bản {migrate.head()} (mới nhất)" in said
    assert "✓ Telegram: bot @danvan_test_bot." in said
    assert "✓ Telegram: nhận tin bằng polling." in said
    assert "hạn tiếp theo 15/11/2022, các đơn vị nộp báo cáo (còn 14 ngày)" in said
    assert "! Kỳ 2022: 1/2 đơn vị chưa có cán bộ liên kết (VG-PC)" in said
    assert "✓ Thư mục minh chứng" in said


async def test_a_refused_token_and_an_empty_database(
    settings: Settings, fake: FakeTelegram
) -> None:
    settings.telegram_bot_token = "123:wrong"
    checks = await examine(settings, today=TODAY)
    said = lines(checks)
    assert "✗ TELEGRAM_BOT_TOKEN bị từ chối (401)" in said
    assert "còn trống: chạy danvan db upgrade" in said
    assert "Traceback" not in said


async def test_webhooks_pointing_elsewhere_or_failing(
    settings: Settings, fake: FakeTelegram, zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    settings.public_base_url = "https://danvan.example.vn"
    settings.zalo_bot_token, settings.zalo_api_base_url = (
        zalo_settings.zalo_bot_token,
        zalo_settings.zalo_api_base_url,
    )
    fake.webhook_url = "https://old.example.vn/telegram/webhook"
    said = lines(await examine(settings, today=TODAY))
    assert "✗ Telegram: webhook đang trỏ tới https://old.example.vn/telegram/webhook" in said
    assert "! Zalo: webhook chưa đăng ký; danvan run sẽ đăng ký" in said
    assert "✓ Zalo: bot bot.danvan_test." in said

    fake.webhook_url = "https://danvan.example.vn/telegram/webhook"
    fake.webhook_errors.append("Connection refused")
    said = lines(await examine(settings, today=TODAY))
    assert "✗ Telegram: webhook https://danvan.example.vn/telegram/webhook báo lỗi gần nhất" in said

    settings.zalo_bot_token = "wrong"
    said = lines(await examine(settings, today=TODAY))
    assert "✗ ZALO_BOT_TOKEN bị từ chối (401)" in said


async def test_the_command_exits_1_on_a_problem(
    settings: Settings, fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "DATABASE_URL": settings.database_url,
        "EVIDENCE_DIR": str(settings.evidence_dir),
        "TELEGRAM_BOT_TOKEN": "123:wrong",
        "TELEGRAM_API_BASE_URL": settings.telegram_api_base_url,
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(CliRunner().invoke, main, ["doctor"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "✗ TELEGRAM_BOT_TOKEN bị từ chối (401)" in result.output
    assert "Traceback" not in result.output
