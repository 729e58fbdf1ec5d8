"""``danvan demo`` and ``danvan run``."""

from __future__ import annotations

import asyncio

import click

from bot.cli import main
from bot.demo import run_demo
from bot.settings import get_settings


@main.command()
@click.option("--reset", is_flag=True, help="Xoá bài tự đánh giá demo và làm lại từ đầu.")
def demo(reset: bool) -> None:
    """Chạy thử cuộc hội thoại tự đánh giá trong cửa sổ dòng lệnh (SQLite)."""
    raise SystemExit(asyncio.run(run_demo(get_settings(), reset=reset)))


@main.command()
def run() -> None:
    """Chạy bot (Telegram/Zalo theo token đã cấu hình); không có token thì chạy demo."""
    settings = get_settings()
    if not settings.telegram_bot_token and not settings.zalo_bot_token:
        click.echo("Chưa cấu hình TELEGRAM_BOT_TOKEN/ZALO_BOT_TOKEN: chạy bản demo trên console.")
        raise SystemExit(asyncio.run(run_demo(settings)))
    raise click.ClickException(
        "Kênh Telegram/Zalo chưa có trong phiên bản này; hãy dùng «danvan demo»."
    )
