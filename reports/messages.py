"""Chat texts: every message the bot says lives in templates/chat.j2 as a jinja2 macro."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from rubric.scoring import fmt

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@cache
def _module() -> Any:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain chat text; channels escape for their own markup
    )
    env.filters["pts"] = fmt
    env.filters["bar"] = progress_bar
    env.filters["vn_date"] = lambda d: d.strftime("%d/%m/%Y")
    env.filters["vn_datetime"] = vn_datetime
    env.filters["size"] = file_size
    return env.get_template("chat.j2").module


def msg(name: str, /, **context: Any) -> str:
    """Render the macro ``name`` of chat.j2 with ``context``; surrounding blanks trimmed."""
    macro = getattr(_module(), name)
    return str(macro(**context)).strip()


def progress_bar(fraction: float, width: int = 10) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "▰" * filled + "▱" * (width - filled)


def vn_datetime(value: datetime) -> str:
    """dd/mm/yyyy HH:MM in Vietnam's time zone (stored values are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def file_size(n: int) -> str:
    """A file's size as an officer reads it: "850 B", "66,2 KB", "12,5 MB", "2,1 GB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{fmt(Decimal(n) / scale)} {unit}"
    return f"{n} B"
