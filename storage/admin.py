"""Queries of the administration commands (``danvan units|period|invite|person|audit``).

Functions that would write something wrong raise :class:`AdminError` first, with every
problem found, and write nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import assessments as repo
from storage import people
from storage.models import (
    Assessment,
    AuditEvent,
    Identity,
    Invite,
    Membership,
    Period,
    Person,
    Status,
    Unit,
    UnitKind,
)

# Optional unit fields an import may set (a column that is absent leaves the field alone).
OPTIONAL_FIELDS = ("short_name", "place", "head_title", "head_name", "sign_as")


class AdminError(Exception):
    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# --- units -----------------------------------------------------------------------------------


@dataclass
class UnitRow:
    """One unit as an import file gives it; ``line`` is its line number in the file."""

    line: int
    code: str
    name: str
    kind: UnitKind | None  # None: the file's kind was not understood (already reported)
    authority: str | None
    optional: dict[str, str | None] = field(default_factory=dict)


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    # code → [(field, old, new)]; "authority" values are unit codes
    updated: dict[str, list[tuple[str, str | None, str | None]]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)


async def need_unit(s: AsyncSession, code: str) -> Unit:
    found = await s.scalar(select(Unit).where(Unit.code == code))
    if found is None:
        raise AdminError(f"Không có đơn vị mã {code}. Xem danh sách: danvan units list")
    return found


async def all_units(s: AsyncSession) -> list[Unit]:
    return list(await s.scalars(select(Unit).order_by(Unit.code)))


async def check_units(s: AsyncSession, rows: list[UnitRow]) -> list[tuple[int, str]]:
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


async def import_units(s: AsyncSession, rows: list[UnitRow]) -> ImportResult:
    """Create or update the units of ``rows`` (valid: see check_units); others stay as they are."""
    problems = await check_units(s, rows)
    if problems or any(r.kind is None for r in rows):
        raise AdminError([f"Dòng {line}: {text}." for line, text in sorted(problems)])
    stored = {u.code: u for u in await all_units(s)}
    codes = {u.id: u.code for u in stored.values()}
    result = ImportResult()
    for row in rows:
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


# --- periods ---------------------------------------------------------------------------------


def check_dates(submit_by: date, appraise_by: date, report_by: date) -> None:
    if not submit_by <= appraise_by <= report_by:
        raise AdminError(
            "Các hạn phải theo thứ tự: hạn nộp ≤ hạn thẩm định ≤ hạn báo cáo "
            f"(đang là {submit_by:%d/%m/%Y}, {appraise_by:%d/%m/%Y}, {report_by:%d/%m/%Y})."
        )


async def find_period(s: AsyncSession, year: int, authority: Unit) -> Period | None:
    return await s.scalar(
        select(Period).where(Period.year == year, Period.authority_id == authority.id)
    )


async def ensure_assessments(s: AsyncSession, period: Period) -> int:
    """A draft assessment for every unit the period's authority appraises; how many were new."""
    existing = set(
        await s.scalars(select(Assessment.unit_id).where(Assessment.period_id == period.id))
    )
    units = await children(s, period.authority_id)
    for unit in units:
        await repo.get_or_create(s, unit.id, period.id)
    return len([u for u in units if u.id not in existing])


async def create_period(s: AsyncSession, authority: Unit, **fields: object) -> tuple[Period, int]:
    """A new period (refused when the authority already has one that year) and its assessments."""
    year = fields["year"]
    assert isinstance(year, int)
    if await find_period(s, year, authority):
        raise AdminError(
            f"Đã có kỳ đánh giá năm {year} của {authority.name} ({authority.code}). "
            f"Đổi hạn bằng: danvan period update --year {year} --authority {authority.code}"
        )
    if not await children(s, authority.id):
        raise AdminError(f"{authority.name} ({authority.code}) không thẩm định đơn vị nào.")
    period = Period(authority_id=authority.id, **fields)
    s.add(period)
    await s.flush()
    return period, await ensure_assessments(s, period)


async def periods(s: AsyncSession) -> list[tuple[Period, Unit, Counter[Status]]]:
    """Every period with its authority and how many assessments are in each status."""
    rows = await s.execute(
        select(Period, Unit)
        .join(Unit, Unit.id == Period.authority_id)
        .order_by(Period.year.desc(), Unit.code)
    )
    counts = await s.execute(
        select(Assessment.period_id, Assessment.status, func.count()).group_by(
            Assessment.period_id, Assessment.status
        )
    )
    by_period: dict[int, Counter[Status]] = {}
    for period_id, status, n in counts.all():
        by_period.setdefault(period_id, Counter())[status] = n
    return [(p, u, by_period.get(p.id, Counter())) for p, u in rows.all()]


# --- invites and persons ---------------------------------------------------------------------


async def invites(
    s: AsyncSession, unit: Unit | None = None, include_all: bool = False
) -> list[tuple[Invite, Unit, Person | None]]:
    """Invites (newest first) with their unit and who used them; only usable ones by default."""
    query = (
        select(Invite, Unit, Person)
        .join(Unit, Unit.id == Invite.unit_id)
        .outerjoin(Person, Person.id == Invite.redeemed_by_id)
        .order_by(Invite.created_at.desc(), Invite.id.desc())
    )
    if unit is not None:
        query = query.where(Invite.unit_id == unit.id)
    if not include_all:
        query = query.where(
            Invite.redeemed_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > people.now(),
        )
    return [(i, u, p) for i, u, p in (await s.execute(query)).all()]


async def find_invite(s: AsyncSession, token: str) -> Invite:
    """The invite of a whole token or of an unambiguous prefix (at least 6 characters)."""
    query = select(Invite).where(Invite.token.startswith(token, autoescape=True))
    # Compared again here: LIKE ignores case in SQLite, tokens do not.
    found = [i for i in await s.scalars(query) if i.token.startswith(token)]
    exact = [i for i in found if i.token == token]
    if exact or len(found) == 1:
        if exact or len(token) >= 6:
            return (exact or found)[0]
        raise AdminError("Hãy gõ ít nhất 6 ký tự đầu của mã mời.")
    if len(found) > 1:
        raise AdminError(f"Có {len(found)} mã mời bắt đầu bằng {token}; hãy gõ dài hơn.")
    raise AdminError(f"Không có mã mời {token}. Xem danh sách: danvan invite list --all")


async def revoke_invite(s: AsyncSession, token: str) -> tuple[Invite, bool]:
    """Revoke an unused invite: (the invite, whether it was revoked just now)."""
    invite = await find_invite(s, token)
    if invite.redeemed_at is not None:
        person = await s.get(Person, invite.redeemed_by_id or 0)
        who = person.full_name if person else "?"
        raise AdminError(
            f"Mã mời {invite.token[:8]}… đã được dùng bởi {who}; không thu hồi được nữa. "
            "Để chặn người này: danvan person remove <số>."
        )
    if invite.revoked_at is not None:
        return invite, False
    invite.revoked_at = people.now()
    await s.flush()
    return invite, True


async def persons(
    s: AsyncSession, unit: Unit | None = None
) -> list[tuple[Person, list[tuple[Membership, Unit]], list[Identity]]]:
    """People (by id) with their memberships and channel identities."""
    query = select(Person).order_by(Person.id)
    if unit is not None:
        members = select(Membership.person_id).where(Membership.unit_id == unit.id)
        query = query.where(Person.id.in_(members))
    found = list(await s.scalars(query))
    ids = [p.id for p in found]
    grants = await s.execute(
        select(Membership, Unit)
        .join(Unit, Unit.id == Membership.unit_id)
        .where(Membership.person_id.in_(ids))
        .order_by(Membership.id)
    )
    accounts = await s.scalars(
        select(Identity).where(Identity.person_id.in_(ids)).order_by(Identity.id)
    )
    by_person: defaultdict[int, list[tuple[Membership, Unit]]] = defaultdict(list)
    for membership, member_unit in grants.all():
        by_person[membership.person_id].append((membership, member_unit))
    identities: defaultdict[int, list[Identity]] = defaultdict(list)
    for identity in accounts:
        identities[identity.person_id].append(identity)
    return [(p, by_person[p.id], identities[p.id]) for p in found]


async def need_person(s: AsyncSession, person_id: int) -> Person:
    found = await s.get(Person, person_id)
    if found is None:
        raise AdminError(f"Không có người dùng số {person_id}. Xem danh sách: danvan person list")
    return found


# --- audit -----------------------------------------------------------------------------------


async def assessment_of(s: AsyncSession, unit: Unit, year: int | None) -> tuple[Assessment, Period]:
    """The unit's assessment of ``year`` (default: the newest one)."""
    query = (
        select(Assessment, Period)
        .join(Period, Period.id == Assessment.period_id)
        .where(Assessment.unit_id == unit.id)
        .order_by(Period.year.desc(), Period.id.desc())
    )
    if year is not None:
        query = query.where(Period.year == year)
    row = (await s.execute(query.limit(1))).first()
    if row is None:
        when = f" năm {year}" if year is not None else ""
        raise AdminError(f"{unit.name} ({unit.code}) chưa có bài tự đánh giá{when}.")
    return row[0], row[1]


async def audit_rows(
    s: AsyncSession, assessment_id: int, limit: int | None = None
) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    """The newest ``limit`` audit events (oldest first) with the person's name, and the total."""
    trail = await repo.audit_trail(s, assessment_id)
    shown = trail[-limit:] if limit else trail
    ids = {e.person_id for e in shown if e.person_id is not None}
    found = await s.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    names = {person_id: name for person_id, name in found.all()}
    return [(e, names.get(e.person_id or 0)) for e in shown], len(trail)


async def remove_person(s: AsyncSession, person_id: int, restore: bool = False) -> Person:
    """Soft removal: the bot no longer knows the person; memberships stay for the history."""
    person = await need_person(s, person_id)
    person.removed_at = None if restore else person.removed_at or people.now()
    await s.flush()
    return person
