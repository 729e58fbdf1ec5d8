"""The appraiser's desk in the database: its sign-in sessions, who is signed in and the units
they may see (the authorities they appraise for, each with its newest period)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DeskSession, Membership, Period, Person, Role, Unit, newest_period_id

APPRAISING_ROLES = (Role.APPRAISER, Role.ADMIN)


@dataclass(frozen=True)
class DeskUser:
    person: Person
    session_id: int
    authorities: tuple[tuple[Unit, Period | None], ...]  # by unit id

    def period(self) -> tuple[Unit, Period] | None:
        """The first authority with a period (as the chat's appraiser conversation): the one
        whose units this appraiser scores, returns and rates."""
        return next(((u, p) for u, p in self.authorities if p is not None), None)


async def below(s: AsyncSession, user: DeskUser) -> list[tuple[Unit, Period]]:
    """The authorities under the appraiser's own (a province's districts), each with its
    newest period: the province's view of their units, to read."""
    ids = [unit.id for unit, _ in user.authorities]
    rows = await s.execute(
        select(Unit, Period)
        .join(Period, Period.id == newest_period_id(Unit.id))
        .where(Unit.parent_id.in_(ids))
        .order_by(Unit.code)
    )
    return [(unit, period) for unit, period in rows.all()]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def appraises(s: AsyncSession, person_id: int) -> bool:
    """Whether the person (not removed) appraises for some unit."""
    found = await s.scalar(
        select(Membership.id)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.person_id == person_id,
            Membership.role.in_(APPRAISING_ROLES),
            Person.removed_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def start(s: AsyncSession, person_id: int, nonce: str, expires_at: datetime) -> str | None:
    """A new session for the person, from the sign-in link of ``nonce``; the token for the
    browser's cookie (only its hash is kept). None when that link signed in already."""
    used = await s.scalar(select(DeskSession.id).where(DeskSession.link_nonce == nonce))
    if used is not None:
        return None
    token = secrets.token_urlsafe(32)
    row = DeskSession(
        token_hash=_hash(token), link_nonce=nonce, person_id=person_id, expires_at=expires_at
    )
    s.add(row)
    await s.flush()  # two tabs opening one link at once: the unique nonce refuses the second
    return token


async def signed_in(s: AsyncSession, token: str) -> DeskUser | None:
    """Who the cookie's token signs in: a session not ended nor expired, of a person not
    removed who still appraises for some unit (each such unit with its newest period); else
    None."""
    rows = (
        await s.execute(
            select(DeskSession.id, Person, Unit, Period)
            .join(Person, Person.id == DeskSession.person_id)
            .join(Membership, Membership.person_id == Person.id)
            .join(Unit, Unit.id == Membership.unit_id)
            .outerjoin(Period, Period.id == newest_period_id(Unit.id))
            .where(
                DeskSession.token_hash == _hash(token),
                DeskSession.ended_at.is_(None),
                DeskSession.expires_at > datetime.now(UTC),
                Person.removed_at.is_(None),
                Membership.role.in_(APPRAISING_ROLES),
            )
            .order_by(Unit.id)
        )
    ).all()
    if not rows:
        return None
    authorities = tuple(dict.fromkeys((unit, period) for _, _, unit, period in rows))
    return DeskUser(rows[0][1], rows[0][0], authorities)


async def end(s: AsyncSession, session_id: int) -> None:
    await s.execute(
        update(DeskSession)
        .where(DeskSession.id == session_id, DeskSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )


async def end_all(s: AsyncSession, person_id: int) -> int:
    """End every open session of the person (``danvan person remove``); how many."""
    result = await s.execute(
        update(DeskSession)
        .where(DeskSession.person_id == person_id, DeskSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )
    return result.rowcount or 0
