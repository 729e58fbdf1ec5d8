"""The inbox of channel updates: stored before the channel is told they arrived, claimed by the
transaction that applies them, marked once their replies went out, forgotten once the channel
can no longer deliver them again.

Keys: a channel's update id alone is not enough to tell a redelivery from a new update
(Telegram picks update ids at random again after a week without updates), so the channels key
an update by its id and a digest of its content (``bot.telegram.intake.update_key``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, String, Text, bindparam, delete, exists, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.db import INSERTS
from storage.models import Identity, InboxUpdate, Person

# How long a channel may deliver an update again: Telegram keeps an unconfirmed update for 24
# hours; Zalo documents no retention, the same is assumed. Keys are kept that long, no longer.
REDELIVERY = timedelta(hours=24)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Stored:
    """An update to handle (or answer) again after a restart."""

    key: str
    user_id: str | None
    chat_id: str | None
    body: str | None


_TYPES = {
    "channel": String(),
    "update_key": String(),
    "user_id": String(),
    "chat_id": String(),
    "body": Text(),
    "received_at": DateTime(timezone=True),
}
_PARAMS = [bindparam(name, type_=type_) for name, type_ in _TYPES.items()]
_KNOWN = exists().where(
    Identity.person_id == Person.id,
    Identity.channel == _PARAMS[0],
    Identity.external_id == _PARAMS[2],
    Person.removed_at.is_(None),
)
# Built once per dialect: they run on every update.
_RECEIVE = {
    name: insert(InboxUpdate)
    .from_select(list(_TYPES), select(*_PARAMS).where(_KNOWN))
    .on_conflict_do_nothing(index_elements=["channel", "update_key"])
    for name, insert in INSERTS.items()
}
_CLAIM = {}
for _name, _insert in INSERTS.items():
    _stmt = _insert(InboxUpdate).values(
        channel=bindparam("channel"),
        update_key=bindparam("update_key"),
        user_id=bindparam("user_id"),
        chat_id=bindparam("chat_id"),
        received_at=bindparam("at"),
        handled_at=bindparam("at"),
    )
    _CLAIM[_name] = _stmt.on_conflict_do_update(
        index_elements=["channel", "update_key"],
        set_={"handled_at": _stmt.excluded.handled_at},
        where=InboxUpdate.handled_at.is_(None),
    )


async def receive(
    s: AsyncSession, channel: str, key: str, user_id: str, chat_id: str | None, body: str
) -> bool:
    """Store an update of a known person before it is acknowledged; False when it was stored
    before (a redelivery) or its sender is unknown (nothing of a stranger is written)."""
    params = {
        "channel": channel,
        "update_key": key,
        "user_id": user_id,
        "chat_id": chat_id,
        "body": body,
        "received_at": now(),
    }
    connection = await s.connection()
    result = await connection.execute(_RECEIVE[connection.dialect.name], params)
    return bool(result.rowcount)


async def receive_many(
    s: AsyncSession, channel: str, updates: list[tuple[str, str, str | None, str]]
) -> None:
    """``receive`` for several updates (key, user id, chat id, body) in one statement."""
    if not updates:
        return
    at = now()
    params = [
        {
            "channel": channel,
            "update_key": key,
            "user_id": user_id,
            "chat_id": chat_id,
            "body": body,
            "received_at": at,
        }
        for key, user_id, chat_id, body in updates
    ]
    connection = await s.connection()
    await connection.execute(_RECEIVE[connection.dialect.name], params)


async def claim(
    s: AsyncSession, channel: str, key: str, user_id: str | None, chat_id: str | None
) -> bool:
    """Record in the caller's transaction that the update is being applied; False when it was
    applied before. An update applied by another transaction at this moment is waited for
    (the row's lock), then found applied."""
    params = {
        "channel": channel,
        "update_key": key,
        "user_id": user_id,
        "chat_id": chat_id,
        "at": now(),
    }
    connection = await s.connection()  # Core: a Session would take params as an ORM bulk insert
    result = await connection.execute(_CLAIM[connection.dialect.name], params)
    return bool(result.rowcount)


async def handled(s: AsyncSession, channel: str, key: str) -> bool:
    found = await s.scalar(
        select(literal(1)).where(
            InboxUpdate.channel == channel,
            InboxUpdate.update_key == key,
            InboxUpdate.handled_at.is_not(None),
        )
    )
    return found is not None


async def mark_answered(s: AsyncSession, channel: str, keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        await s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.channel == channel, InboxUpdate.update_key.in_(keys))
            .values(answered_at=now())
        )


async def pending(s: AsyncSession, channel: str, since: datetime) -> list[Stored]:
    """Updates received since ``since`` and never applied, oldest first."""
    return await _stored(
        s, channel, since, InboxUpdate.handled_at.is_(None), InboxUpdate.body.is_not(None)
    )


async def unanswered(s: AsyncSession, channel: str, since: datetime) -> list[Stored]:
    """Updates applied since ``since`` whose replies may not have gone out, oldest first."""
    return await _stored(
        s, channel, since, InboxUpdate.handled_at.is_not(None), InboxUpdate.answered_at.is_(None)
    )


async def _stored(
    s: AsyncSession, channel: str, since: datetime, *where: ColumnElement[bool]
) -> list[Stored]:
    rows = await s.execute(
        select(InboxUpdate.update_key, InboxUpdate.user_id, InboxUpdate.chat_id, InboxUpdate.body)
        .where(InboxUpdate.channel == channel, InboxUpdate.received_at >= since, *where)
        .order_by(InboxUpdate.id)
    )
    return [Stored(*row) for row in rows.all()]


async def purge_all(s: AsyncSession, before: datetime) -> int:
    """Forget updates received before ``before`` (no channel can deliver them again)."""
    result = await s.execute(delete(InboxUpdate).where(InboxUpdate.received_at < before))
    return result.rowcount or 0
