"""``danvan db upgrade|current``: the database schema (Alembic migrations, storage/migrate.py)."""

from __future__ import annotations

import asyncio

import click
from sqlalchemy.engine import make_url

from bot.cli.base import CliError, main
from storage import migrate

_URL = click.option(
    "--url",
    metavar="URL",
    help="Địa chỉ cơ sở dữ liệu (mặc định: DATABASE_URL trong môi trường hoặc .env).",
)


def _resolve(url: str | None) -> str:
    if url:
        return url
    from bot.settings import get_settings

    return get_settings().database_url


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@main.group()
def db() -> None:
    """Cơ sở dữ liệu: nâng cấp cấu trúc bảng, xem phiên bản hiện tại."""


@db.command()
@_URL
def upgrade(url: str | None) -> None:
    """Nâng cấp cơ sở dữ liệu lên phiên bản mới nhất (tạo bảng nếu còn trống)."""
    url = _resolve(url)
    try:
        asyncio.run(migrate.upgrade(url))
    except migrate.SchemaTooNew as exc:
        raise CliError(str(exc)) from None
    click.echo(f"{_shown(url)}: phiên bản {migrate.current_sync(url)} (mới nhất)")


@db.command()
@_URL
def current(url: str | None) -> None:
    """In phiên bản cấu trúc hiện tại; mã thoát 1 nếu chưa phải bản mới nhất."""
    url = _resolve(url)
    rev, head = migrate.current_sync(url), migrate.head()
    if rev == head:
        click.echo(f"{_shown(url)}: phiên bản {rev} (mới nhất)")
        return
    shown = rev or "trống"
    click.echo(
        f"{_shown(url)}: phiên bản {shown}, mới nhất là {head}; chạy: danvan db upgrade",
        err=True,
    )
    raise SystemExit(1)
