"""The ``danvan`` command group and what every sub-command shares: one error class (a
Vietnamese message on stderr, exit code 1), running a command's coroutine, tables, times on the
wall in Việt Nam, numbers and dates typed as options."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from datetime import date, datetime
from typing import IO, Any, TypeVar

import click

from bot.settings import get_settings
from rubric import vietnam
from storage.admin import AdminError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """danvan: tự đánh giá, xếp loại công tác dân vận chính quyền qua chat."""


T = TypeVar("T")


class CliError(click.ClickException):
    """A polite message on stderr and exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Lỗi: {self.format_message()}", err=True)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one command's coroutine; AdminError becomes a CliError."""
    try:
        return asyncio.run(coro)
    except AdminError as exc:
        raise CliError("\n".join(exc.problems)) from None


class Bar:
    """A progress callback drawing a bar on a terminal, nothing when stderr is not one."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def table(rows: list[list[str]]) -> list[str]:
    """Rows as lines with aligned columns (the first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def local(value: datetime | None, with_time: bool = True) -> str:
    """A stored (UTC) time as the clock on the wall in Việt Nam."""
    if value is None:
        return ""
    value = vietnam.local(value, vietnam.zone(get_settings().timezone))
    return value.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def parse_int(value: str, option: str, low: int, high: int) -> int:
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise CliError(f"{option} phải là một số từ {low} đến {high} (đang là «{value}»).")
    return int(value)


def parse_date(value: str | None, option: str) -> date | None:
    """2022-11-15 or 15/11/2022."""
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise CliError(
        f"{option} phải là một ngày dạng 2022-11-15 hoặc 15/11/2022 (đang là «{value}»)."
    )
