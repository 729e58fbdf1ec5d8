"""Joining: an invite (deep link ``/start <token>``) links a chat account to a unit and role."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.events import Reply, Sender
from reports.messages import msg
from storage import people


async def redeem(s: AsyncSession, sender: Sender, token: str) -> tuple[list[Reply], bool]:
    """Use the invite: (replies, whether to stop there instead of showing the start screen).

    An unknown, used, revoked or expired invite changes nothing; a stranger is told so and
    nothing else, a known person simply gets their start screen.
    """
    person = await people.person_for(s, sender.channel, sender.user_id)
    if person is None and await people.find_identity(s, sender.channel, sender.user_id):
        return [Reply(msg("account_removed"))], True  # removed by an administrator
    invite = await people.usable_invite(s, token)
    if invite is None:
        return ([], False) if person else ([Reply(msg("bad_invite"))], True)
    if person is None:
        name = sender.display_name or f"{sender.channel}:{sender.user_id}"
        person = await people.add_person(s, name, sender.channel, sender.user_id, sender.chat_id)
    await people.grant(s, person.id, invite.role, invite.unit_id)
    invite.redeemed_at = people.now()
    invite.redeemed_by_id = person.id
    await s.flush()
    unit = await people.unit(s, invite.unit_id)
    return [Reply(msg("welcome", unit=unit, role=invite.role.value, person=person))], False
