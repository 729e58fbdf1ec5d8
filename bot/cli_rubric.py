"""``danvan rubric show|check`` (filled in by the rubric work)."""

from __future__ import annotations

from bot.cli import main


@main.group()
def rubric() -> None:
    """Xem và kiểm tra bộ tiêu chí chấm điểm."""
