"""Queries about people: channel identities, memberships, invites."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Invite, Membership, Person, Role, Unit


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes: every timestamp we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def find_identity(s: AsyncSession, channel: str, external_id: str) -> Identity | None:
    return await s.scalar(
        select(Identity).where(Identity.channel == channel, Identity.external_id == external_id)
    )


async def person_for(s: AsyncSession, channel: str, external_id: str) -> Person | None:
    return await s.scalar(
        select(Person)
        .join(Identity, Identity.person_id == Person.id)
        .where(
            Identity.channel == channel,
            Identity.external_id == external_id,
            Person.removed_at.is_(None),
        )
    )


async def memberships(
    s: AsyncSession, person_id: int, role: Role | None = None
) -> list[Membership]:
    query = select(Membership).where(Membership.person_id == person_id)
    if role is not None:
        query = query.where(Membership.role == role)
    return list((await s.scalars(query.order_by(Membership.id))).all())


async def add_person(
    s: AsyncSession,
    full_name: str,
    channel: str,
    external_id: str,
    chat_id: str | None = None,
) -> Person:
    person = Person(full_name=full_name)
    s.add(person)
    await s.flush()
    await add_identity(s, person.id, channel, external_id, chat_id, full_name)
    return person


async def add_identity(
    s: AsyncSession,
    person_id: int,
    channel: str,
    external_id: str,
    chat_id: str | None = None,
    display_name: str | None = None,
) -> Identity:
    """Another channel's account for an existing person (a link code was redeemed)."""
    identity = Identity(
        person_id=person_id,
        channel=channel,
        external_id=external_id,
        chat_id=chat_id,
        display_name=display_name,
    )
    s.add(identity)
    await s.flush()
    return identity


async def grant(s: AsyncSession, person_id: int, role: Role, unit_id: int) -> Membership:
    existing = await s.scalar(
        select(Membership).where(
            Membership.person_id == person_id,
            Membership.role == role,
            Membership.unit_id == unit_id,
        )
    )
    if existing:
        return existing
    membership = Membership(person_id=person_id, role=role, unit_id=unit_id)
    s.add(membership)
    await s.flush()
    return membership


async def create_invite(
    s: AsyncSession,
    role: Role,
    unit_id: int,
    valid_for: timedelta = timedelta(days=30),
    *,
    token: str | None = None,
    person_id: int | None = None,
) -> Invite:
    """An invite; with ``person_id`` a link code for that person's account on another channel."""
    invite = Invite(
        token=token or new_token(),
        role=role,
        unit_id=unit_id,
        expires_at=now() + valid_for,
        person_id=person_id,
    )
    s.add(invite)
    await s.flush()
    return invite


def new_token() -> str:
    """22 URL-safe characters (fits a Telegram deep link), never starting with "-": typed after
    a command (`danvan invite revoke TOKEN`) it must not be taken for an option."""
    while True:
        token = secrets.token_urlsafe(16)
        if token[0].isalnum():
            return token


async def usable_invite(s: AsyncSession, token: str) -> Invite | None:
    """The invite if it exists, is not used, revoked or expired (row locked for redeeming)."""
    invite = await s.scalar(select(Invite).where(Invite.token == token).with_for_update())
    if invite is None or invite.redeemed_at or invite.revoked_at:
        return None
    if as_utc(invite.expires_at) <= now():
        return None
    return invite


async def names(s: AsyncSession, person_ids: set[int | None]) -> dict[int, str]:
    """person id -> full name."""
    rows = await s.execute(select(Person.id, Person.full_name).where(Person.id.in_(person_ids)))
    return {person_id: name for person_id, name in rows.all()}


async def unit(s: AsyncSession, unit_id: int) -> Unit:
    found = await s.get(Unit, unit_id)
    assert found is not None
    return found
