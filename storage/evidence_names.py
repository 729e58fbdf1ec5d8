"""Names a person can read for evidence that came without one (a photo sent from a phone):
after the item and the day, numbered within both: "IV.1-anh-2022-11-10-1.jpg"."""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Evidence


async def readable_name(
    s: AsyncSession, assessment_id: int, item_id: str, base: str, day: date
) -> str:
    """``base`` ("anh.jpg": what the file is, and its extension) named after the item and the
    day, with the next number of that item and day (gaps left by removed files stay gaps)."""
    stem, ext = PurePath(base).stem or "tep", PurePath(base).suffix
    prefix = f"{item_id}-{stem}-{day.isoformat()}-"
    taken = await s.scalars(
        select(Evidence.original_name).where(
            Evidence.assessment_id == assessment_id,
            Evidence.item_id == item_id,
            Evidence.original_name.startswith(prefix, autoescape=True),
        )
    )
    numbers = [PurePath(name[len(prefix) :]).stem for name in taken]
    last = max((int(n) for n in numbers if n.isdecimal()), default=0)
    return f"{prefix}{last + 1}{ext}"
