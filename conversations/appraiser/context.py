"""What one appraiser event needs: the person, their authority, its period and rubric (read
with the person by ``storage.who``), and the unit's file the screen shows, loaded once per
event in one statement (a screen is asked for up to three times in one event: to check a
button, to read it, and to show the next one)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.appraiser import decisions
from conversations.events import Reply
from conversations.states import State
from conversations.texts import msg
from rubric.model import Rubric
from storage import appraisal as repo
from storage.appraisal import UnitFile
from storage.models import Period, Person, Unit
from storage.who import Who


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
    _files: dict[int, UnitFile | None] = field(default_factory=dict)  # None: not this one's
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

    async def file(self, assessment_id: int | None) -> UnitFile | None:
        """The unit's file (one statement, once per event; held here: the session's map is
        weak); None unless this appraiser appraises that unit."""
        if assessment_id is None:
            return None
        if assessment_id not in self._files:
            self._files[assessment_id] = await repo.unit_file(
                self.s, assessment_id, self.period, self.authority.id
            )
        return self._files[assessment_id]

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

    async def screen(self, ask: Callable[[ACtx], Awaitable[Reply]]) -> Reply:
        """The screen of the current state as it was when the event came (asked once)."""
        key = str(self.state)
        if self._screen is None or self._screen[0] != key:
            self._screen = (key, await ask(self))
        return self._screen[1]

    def changed_screen(self) -> None:
        """Something the screens show changed: the next screen is asked anew."""
        self._screen = None

    def tell_unit(self, f: UnitFile, reply: Reply) -> None:
        """``reply`` to each chat of the unit's officers."""
        self.replies.extend(decisions.to_unit(f, reply))


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
