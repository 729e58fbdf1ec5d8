"""Joining: an invite (deep link ``/start <token>``, or the code typed into the chat) links a
chat account to a unit and role; a link code (``/lienket``) adds a second channel's account to
a person who already has one, so the same officer can answer on Telegram and on Zalo."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.events import Event, Reply, Sender, Start, Text
from conversations.texts import msg
from storage import people
from storage.models import Invite, Membership, Person

LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed on a phone
LINK_VALID_FOR = timedelta(minutes=15)


def typed_code(event: Event) -> Start | None:
    """A stranger's text that may be an invite or link code ("abcd efgh" -> "ABCD-EFGH")."""
    if not isinstance(event, Text):
        return None
    words = event.text.split()
    token = "".join(words)
    code_like = all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in token)
    if len(words) > 2 or not 8 <= len(token) <= 64 or not code_like:
        return None  # "xin chào" is a greeting, not a code
    return Start(token)


def candidates(token: str) -> list[str]:
    """The token as given, and as a link code if it has the shape of one."""
    compact = token.strip().upper().replace("-", "").replace(" ", "")
    found = [token.strip()]
    if len(compact) == 8 and all(ch in LINK_ALPHABET for ch in compact):
        found.append(_shown(compact))
    return found


def _shown(code: str) -> str:
    """A link code as the bot shows it: "ABCD-EFGH"."""
    return f"{code[:4]}-{code[4:]}"


async def redeem(s: AsyncSession, sender: Sender, token: str) -> tuple[list[Reply], bool]:
    """Use the invite: (replies, whether to stop there instead of showing the start screen).

    An unknown, used, revoked or expired invite changes nothing; a stranger is told so and
    nothing else, a known person simply gets their start screen.
    """
    person = await people.person_for(s, sender.channel, sender.user_id)
    if person is None and await people.find_identity(s, sender.channel, sender.user_id):
        return [Reply(msg("account_removed"))], True  # removed by an administrator
    invite = None
    for candidate in candidates(token):
        invite = invite or await people.usable_invite(s, candidate)
    if invite is None:
        return ([], False) if person else ([Reply(msg("bad_invite"))], True)
    if invite.person_id is not None:
        return await _link(s, sender, person, invite)
    if person is None:
        name = sender.display_name or f"{sender.channel}:{sender.user_id}"
        person = await people.add_person(s, name, sender.channel, sender.user_id, sender.chat_id)
    await people.grant(s, person.id, invite.role, invite.unit_id)
    _use(invite, person)
    await s.flush()
    unit = await people.unit(s, invite.unit_id)
    return [Reply(msg("welcome", unit=unit, role=invite.role.value, person=person))], False


async def _link(
    s: AsyncSession, sender: Sender, person: Person | None, invite: Invite
) -> tuple[list[Reply], bool]:
    owner = await s.get(Person, invite.person_id)
    if owner is None or owner.removed_at is not None:
        return [Reply(msg("bad_invite"))], person is None
    if person is not None:
        same = person.id == owner.id
        return [Reply(msg("link_already" if same else "link_other_person"))], not same
    await people.add_identity(
        s, owner.id, sender.channel, sender.user_id, sender.chat_id, sender.display_name
    )
    _use(invite, owner)
    await s.flush()
    return [Reply(msg("link_done", person=owner, channel=sender.channel))], False


def _use(invite: Invite, person: Person) -> None:
    invite.redeemed_at = people.now()
    invite.redeemed_by_id = person.id


async def link_code(s: AsyncSession, person: Person, grants: list[Membership]) -> Reply:
    """``/lienket``: a short one-time code that links another channel's account to ``person``
    (``grants``: their memberships)."""
    if not grants:
        return Reply(msg("not_an_officer"))
    code = _shown("".join(secrets.choice(LINK_ALPHABET) for _ in range(8)))
    first = grants[0]
    await people.create_invite(
        s, first.role, first.unit_id, LINK_VALID_FOR, token=code, person_id=person.id
    )
    return Reply(msg("link_code", code=code, minutes=int(LINK_VALID_FOR.total_seconds() // 60)))
