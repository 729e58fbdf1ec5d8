"""Units: the import file's rows checked and written, the tree of units."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.admin import AdminError
from storage.models import (
    Unit,
    UnitKind,
)

# Optional unit fields an import may set (a column that is absent leaves the field alone).
OPTIONAL_FIELDS = ("short_name", "place", "head_title", "head_name", "sign_as")


# --- units -----------------------------------------------------------------------------------


@dataclass
class ImportedUnit:
    """One unit as an import file gives it; ``line`` is its line number in the file."""

    line: int
    code: str
    name: str
    kind: UnitKind | None  # None: the file's kind was not understood (already reported)
    authority: str | None
    optional: dict[str, str | None] = field(default_factory=dict)
    merged_from: list[str] = field(default_factory=list)  # codes of the units it succeeds
    merged_on: date | None = None


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    # code → [(field, old, new)]; "authority" values are unit codes
    updated: dict[str, list[tuple[str, str | None, str | None]]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (old, new) recorded now


async def need_unit(s: AsyncSession, code: str) -> Unit:
    found = await s.scalar(select(Unit).where(Unit.code == code))
    if found is None:
        raise AdminError(f"Không có đơn vị mã {code}. Xem danh sách: danvan units list")
    return found


async def all_units(s: AsyncSession) -> list[Unit]:
    return list(await s.scalars(select(Unit).order_by(Unit.code)))


async def check_units(s: AsyncSession, rows: list[ImportedUnit]) -> list[tuple[int, str]]:
    """Problems across rows (duplicates, unknown or circular authorities) as (line, text)."""
    problems: list[tuple[int, str]] = []
    first: dict[str, int] = {}
    for row in rows:
        if row.code in first:
            problems.append((row.line, f"mã {row.code} trùng với dòng {first[row.code]}"))
        else:
            first[row.code] = row.line
    stored = {u.code: u for u in await all_units(s)}
    by_id = {u.id: u.code for u in stored.values()}
    parent = {code: by_id.get(u.parent_id or 0) for code, u in stored.items()}
    for row in rows:
        parent[row.code] = row.authority
        if row.authority and row.authority not in first and row.authority not in stored:
            problems.append((row.line, f"không có đơn vị thẩm định mã {row.authority}"))
    for row in rows:
        seen, code = [row.code], row.authority
        while code and code not in seen:
            seen.append(code)
            code = parent.get(code)
        if code:
            cycle = " → ".join([*seen, code])
            problems.append((row.line, f"cấp thẩm định quay vòng: {cycle}"))
    return problems


def _text(value: object) -> str | None:
    return None if value is None else str(value)


async def import_units(
    s: AsyncSession, rows: list[ImportedUnit], progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Create or update the units of ``rows`` (valid: see check_units); others stay as they are.
    ``progress``: told (rows done, rows) as it goes."""
    problems = await check_units(s, rows)
    if problems or any(r.kind is None for r in rows):
        raise AdminError([f"Dòng {line}: {text}." for line, text in sorted(problems)])
    stored = {u.code: u for u in await all_units(s)}
    codes = {u.id: u.code for u in stored.values()}
    result = ImportResult()
    for n, row in enumerate(rows, start=1):
        if progress is not None:
            progress(n, len(rows))
        unit = stored.get(row.code)
        # an empty cell leaves the field alone: a signer the chat remembered is not lost to a
        # re-import of a file without names (``danvan units update`` clears a field)
        optional = {k: v for k, v in row.optional.items() if v is not None}
        wanted: dict[str, object] = {"name": row.name, "kind": row.kind, **optional}
        if unit is None:
            unit = Unit(code=row.code, **wanted)
            s.add(unit)
            stored[row.code] = unit
            result.added.append(row.code)
            continue
        changes = [
            (name, _text(getattr(unit, name)), _text(value))
            for name, value in wanted.items()
            if getattr(unit, name) != value
        ]
        for name, _, _ in changes:
            setattr(unit, name, wanted[name])
        old_authority = codes.get(unit.parent_id or 0)
        if old_authority != row.authority:
            changes.append(("authority", old_authority, row.authority))
        if changes:
            result.updated[row.code] = changes
    await s.flush()
    for row in rows:
        unit = stored[row.code]
        unit.parent_id = stored[row.authority].id if row.authority else None
        if row.code not in result.added and row.code not in result.updated:
            result.unchanged.append(row.code)
    await s.flush()
    return result


async def children(s: AsyncSession, unit_id: int) -> list[Unit]:
    return list(await s.scalars(select(Unit).where(Unit.parent_id == unit_id).order_by(Unit.code)))


async def default_authority(s: AsyncSession) -> Unit:
    """The one district that appraises units (or the one top-level appraising unit)."""
    parents = select(Unit.parent_id).where(Unit.parent_id.is_not(None))
    found = list(await s.scalars(select(Unit).where(Unit.id.in_(parents)).order_by(Unit.code)))
    districts = [u for u in found if u.kind == UnitKind.DISTRICT]
    candidates = districts or [u for u in found if u.parent_id is None]
    if len(candidates) == 1:
        return candidates[0]
    if not found:
        raise AdminError("Chưa có đơn vị nào được thẩm định. Hãy nhập đơn vị: danvan units import")
    codes = ", ".join(u.code for u in (candidates or found))
    raise AdminError(f"Có nhiều cơ quan thẩm định ({codes}); hãy chọn bằng --authority MÃ.")
