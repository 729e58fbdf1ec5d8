"""Invites: listed, found, revoked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import people
from storage.admin import AdminError
from storage.models import (
    Invite,
    Person,
    Unit,
)


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
