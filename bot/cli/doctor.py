"""``danvan doctor``: the installation checked before the deadline week (bot/doctor.py)."""

from __future__ import annotations

import click

from bot.cli.base import main, run
from bot.doctor import Level, examine
from bot.settings import get_settings


@main.command()
def doctor() -> None:
    """Kiểm tra cài đặt: token, webhook, cơ sở dữ liệu, kho minh chứng, LibreOffice, kỳ, hạn."""
    checks = run(examine(get_settings()))
    for check in checks:
        click.echo(str(check))
    bad = sum(c.level is Level.BAD for c in checks)
    if bad:
        click.echo(f"Có {bad} vấn đề cần sửa (dòng ✗).", err=True)
        raise SystemExit(1)
    click.echo("Sẵn sàng.")
