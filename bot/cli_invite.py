"""``danvan invite create``: one-time links that connect a person to a unit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import click
from sqlalchemy import select

from bot.app import open_app
from bot.cli import main
from bot.settings import Settings, get_settings
from storage import people
from storage.models import Role, Unit


def deep_link(settings: Settings, token: str) -> str:
    name = settings.telegram_bot_username or "<tên_bot>"
    return f"https://t.me/{name}?start={token}"


async def _create(unit_code: str, role: Role, count: int, days: int) -> list[str]:
    settings = get_settings()
    async with open_app(settings) as app, app.sessions() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
        tokens = [
            (await people.create_invite(s, role, unit.id, timedelta(days=days))).token
            for _ in range(count)
        ]
        return [f"{unit.name}: {deep_link(settings, t)}  (mã: {t})" for t in tokens]


@main.group()
def invite() -> None:
    """Mã mời (dùng một lần) để liên kết người dùng với đơn vị."""


@invite.command("create")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị, ví dụ VG-CUUCAO.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.OFFICER.value,
    show_default=True,
)
@click.option("--count", type=click.IntRange(1, 100), default=1, show_default=True)
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True)
def create(unit_code: str, role: str, count: int, days: int) -> None:
    """In đường dẫn mời (t.me/<bot>?start=<mã>) cho một đơn vị."""
    for line in asyncio.run(_create(unit_code, Role(role), count, days)):
        click.echo(line)
