"""What one appraiser event needs: the person, their authority, its period and rubric (read
with the person by ``storage.who``), and the unit's file the screen shows, loaded once per
event (a screen is asked for up to three times in one event: to check a button, to read it,
and to show the next one)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.events import Recipient, Reply
from conversations.states import State
from conversations.texts import msg
from rubric.model import Rubric
from storage import appraisal as repo
from storage import assessments
from storage.earlier import Earlier
from storage.models import Answer, Appraisal, Assessment, CriterionNote, Period, Person, Role, Unit
from storage.who import Who


@dataclass
class UnitFile:
    """One unit's assessment as the appraiser's screens show it."""

    a: Assessment
    unit: Unit
    answers: dict[str, Answer]  # the unit's own
    given: dict[str, Appraisal]  # the authority's, by item (kept current as they are given)
    files: Counter[str]  # evidence files by item
    changed: set[str]  # items the unit changed since it was last returned
    notes: dict[str, CriterionNote] | None = None  # loaded by the one screen that shows them

    def given_scores(self) -> dict[str, Decimal | None]:
        return {k: v.score for k, v in self.given.items()}


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
    _assessments: dict[int, tuple[Assessment, Unit, dict[str, Answer]] | None] = field(
        default_factory=dict
    )
    _files: dict[int, UnitFile] = field(default_factory=dict)
    _unit_rows: list[repo.UnitRow] | None = None
    _screen: tuple[str, Reply] | None = None  # this event's screen, before anything changed

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
        found = await self._assessment_and_unit(assessment_id)
        return found[0] if found is not None else None

    async def _assessment_and_unit(
        self, assessment_id: int | None
    ) -> tuple[Assessment, Unit, dict[str, Answer]] | None:
        """The assessment with its unit and answers (one statement, once per event)."""
        if assessment_id is None:
            return None
        if assessment_id not in self._assessments:  # held here: the session's map is weak
            self._assessments[assessment_id] = await repo.assessment_and_answers(
                self.s, assessment_id, self.period.id, self.authority.id
            )
        return self._assessments[assessment_id]

    async def file(self, assessment_id: int | None) -> UnitFile | None:
        """The unit's file, once per event; None unless this appraiser appraises that unit."""
        if assessment_id is None:
            return None
        if assessment_id in self._files:
            return self._files[assessment_id]
        loaded = await self._assessment_and_unit(assessment_id)
        if loaded is None:
            return None
        a, unit, answers = loaded
        files, changed = await repo.files_and_changes(self.s, a.id)
        found = UnitFile(a, unit, answers, await repo.appraisals(self.s, a.id), files, changed)
        self._files[a.id] = found
        return found

    async def shown_file(self) -> UnitFile:
        """The file of the unit the current screen is about (its state names the assessment;
        the flow has checked that this appraiser may see it)."""
        f = await self.file(int((self.state.ref or "0").partition("-")[0] or 0))
        assert f is not None
        return f

    async def unit_rows(self) -> list[repo.UnitRow]:
        """Every unit of the period with its progress, once per event."""
        if self._unit_rows is None:
            self._unit_rows = await repo.unit_rows(self.s, self.period, self.rubric)
        return self._unit_rows

    async def earlier(self, unit_id: int) -> tuple[Earlier, ...]:
        """The unit's earlier year's results, as the list of units read them (the card is
        opened from the list: in that event they cost no statement of their own)."""
        rows = await self.unit_rows()
        return next((r.earlier for r in rows if r.unit.id == unit_id), ())

    async def screen(self, ask: Callable[[ACtx], Awaitable[Reply]]) -> Reply:
        """The screen of the current state as it was when the event came (asked once)."""
        key = str(self.state)
        if self._screen is None or self._screen[0] != key:
            self._screen = (key, await ask(self))
        return self._screen[1]

    def changed_screen(self) -> None:
        """Something the screens show changed: the next screen is asked anew."""
        self._screen = None

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


def load(
    s: AsyncSession, found: Who, rubric_for: Callable[[str], Rubric], evidence_root: Path
) -> ACtx | Reply:
    """The event's context: the first unit the person appraises for that has a period (``who``
    read them with the person)."""
    assert found.person is not None
    units = found.authorities
    for authority, period in units:
        if period is not None:
            rubric = rubric_for(period.rubric_id)
            return ACtx(s, found.person, authority, period, rubric, evidence_root)
    return Reply(msg("no_period", unit=units[0][0]) if units else msg("not_an_officer"))
