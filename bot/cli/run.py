"""``danvan demo`` and ``danvan run``."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import click

from bot.app import open_app
from bot.cli.base import CliError, main
from bot.demo import run_demo
from bot.logs import configure as configure_logs
from bot.settings import Settings, get_settings
from conversations.diagram import APPRAISER, OFFICER, Diagram
from storage.migrate import SchemaTooNew

# Each diagram and the README.md text its mermaid block follows.
README_DIAGRAMS: tuple[tuple[Diagram, str], ...] = (
    (OFFICER, "The diagram is generated from `conversations/diagram.py`"),
    (APPRAISER, "### The appraiser's conversation"),
)


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
    configure_logs(settings.log_format)
    try:
        _serve_forever(_run_bot(settings))
    except SchemaTooNew as exc:
        raise CliError(str(exc)) from None


def _serve_forever(main: Coroutine[Any, Any, None]) -> None:
    """The bot's event loop: uvloop's where it is installed (~10 % more updates a second on the
    same CPU, bench/RESULTS.md), else asyncio's own."""
    try:
        import uvloop
    except ImportError:  # Windows
        asyncio.run(main)
        return
    uvloop.run(main)


async def _run_bot(settings: Settings) -> None:
    from bot.serve import serve

    async with open_app(settings) as app:
        await serve(app)


@main.command()
@click.option("--write", is_flag=True, help="Cập nhật sơ đồ trong README.md.")
def diagram(write: bool) -> None:
    """In sơ đồ trạng thái của hai cuộc hội thoại: cán bộ, rồi thẩm định (Mermaid)."""
    if not write:
        click.echo("\n".join(d.mermaid() for d, _ in README_DIAGRAMS), nl=False)
        return
    readme = Path("README.md")
    content = readme.read_text(encoding="utf-8")
    for d, anchor in README_DIAGRAMS:
        if anchor not in content:
            raise click.ClickException(f"README.md không có đoạn «{anchor}»")
        start = content.index("```mermaid\n", content.index(anchor)) + len("```mermaid\n")
        end = content.index("```", start)
        content = content[:start] + d.mermaid() + content[end:]
    readme.write_text(content, encoding="utf-8")
    click.echo("Đã cập nhật sơ đồ trong README.md")
