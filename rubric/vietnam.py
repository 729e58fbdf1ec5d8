"""Việt Nam's clock and ways of writing, shared by the chat, the documents and the web pages:
the time zone (one place), dates, times and file sizes as an official reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from rubric.scoring import fmt

ZONE_NAME = "Asia/Ho_Chi_Minh"
ZONE = ZoneInfo(ZONE_NAME)


def zone(name: str | None = None) -> ZoneInfo:
    """The time zone called ``name`` (a period's own); Việt Nam's when there is none."""
    return ZoneInfo(name) if name else ZONE


def local(value: datetime, zone: ZoneInfo = ZONE) -> datetime:
    """A stored time (UTC; naive values are UTC) as the clock on the wall."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def vn_date(value: date) -> str:
    """dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime) -> str:
    """HH:MM ngày dd/mm/yyyy in Việt Nam's time zone."""
    return local(value).strftime("%H:%M ngày %d/%m/%Y")


def file_size(n: int) -> str:
    """A file's size as an officer reads it: "850 B", "66,2 KB", "12,5 MB", "2,1 GB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{fmt(Decimal(n) / scale)} {unit}"
    return f"{n} B"
