"""What one appraiser event needs: the person, their authority, its period and rubric."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.events import Recipient, Reply
from conversations.states import State
from conversations.texts import msg
from rubric.model import Rubric
from storage import appraisal as repo
from storage import assessments
from storage.models import Assessment, Period, Person, Role, Unit


@dataclass
class ACtx:
    s: AsyncSession
    person: Person
    authority: Unit
    period: Period
    rubric: Rubric
    evidence_root: Path
    replies: list[Reply] = field(default_factory=list)
    ask_next: bool = True

    @property
    def state(self) -> State:
        return State.parse(self.person.cursor or "a_units")

    def goto(self, state: State) -> None:
        self.person.cursor = str(state)

    def say(self, text: str, **kwargs: Any) -> Reply:
        reply = Reply(text=text, **kwargs)
        self.replies.append(reply)
        return reply

    def say_msg(self, template: str, /, **context: Any) -> Reply:
        return self.say(msg(template, **context))

    async def assessment(self, assessment_id: int | None) -> Assessment | None:
        """The assessment, only when it belongs to a unit this appraiser appraises."""
        if assessment_id is None:
            return None
        found = await self.s.get(Assessment, assessment_id)
        if found is None or found.period_id != self.period.id:
            return None
        unit = await self.s.get(Unit, found.unit_id)
        return found if unit is not None and unit.parent_id == self.authority.id else None

    async def notify(self, unit_id: int, role: Role, reply: Reply) -> None:
        for channel, chat_id in await repo.recipients(self.s, unit_id, role):
            self.replies.append(
                Reply(
                    reply.text,
                    report_for=reply.report_for,
                    recipient=Recipient(channel, chat_id),
                )
            )

    def audit(self, a: Assessment, action: str, target: str | None, old: Any, new: Any) -> None:
        assessments.audit(self.s, a, self.person.id, action, target, old, new)


async def load(
    s: AsyncSession, person: Person, rubric_for: Callable[[str], Rubric], evidence_root: Path
) -> ACtx | Reply:
    units = await repo.authorities(s, person.id)
    for authority in units:
        period = await repo.latest_period(s, authority.id)
        if period is not None:
            rubric = rubric_for(period.rubric_id)
            return ACtx(s, person, authority, period, rubric, evidence_root)
    return Reply(msg("no_period", unit=units[0]) if units else msg("not_an_officer"))
