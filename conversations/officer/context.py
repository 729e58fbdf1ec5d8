"""Everything one event's handling needs, loaded once per event: the assessment and its
answers always; the criteria notes and the evidence counts only for the screens that show them
(``load_details``: a score or a results text needs neither, and is most of the presses)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.events import Reply
from conversations.states import MENU, REVIEW, SCORE, State
from conversations.texts import msg
from rubric.model import Item, Rubric
from rubric.scoring import total, unanswered
from storage import assessments as repo
from storage import carry
from storage.carry import ItemSource, Source
from storage.details import ReadAnswer, to_change
from storage.earlier import Earlier, earlier_results
from storage.models import (
    Answer,
    Assessment,
    CriterionNote,
    Period,
    Person,
    Position,
    Status,
    Unit,
)


@dataclass
class Ctx:
    s: AsyncSession
    rubric: Rubric
    person: Person
    unit: Unit
    period: Period
    assessment: Assessment
    position: Position  # this person's place in the assessment (another officer has theirs)
    answers: dict[str, Answer | ReadAnswer]  # by item; an Answer once this event changes it
    _notes: dict[str, CriterionNote] | None = None  # by load_details
    _evidence: Counter[str] | None = None  # files by item, by load_details
    _sources: list[Source] | None = None  # earlier reports to start from, by load_for_screen
    _earlier: list[Earlier] | None = None  # earlier years' results, by load_for_screen
    _offers: tuple[str, list[ItemSource]] | None = None  # (item, its earlier answers), ditto
    _shown: tuple[str, Reply] | None = None  # the screen the event came to, made once
    names: dict[int, str] = field(default_factory=dict)  # other people who answered: id -> name
    others_last: datetime | None = None  # when another person last gave or changed an answer
    may_carry: bool = True  # the unit or one it succeeds has another year's report
    merged: list[tuple[Unit, date]] = field(default_factory=list)  # merged into these, by now
    channel: str = "telegram"  # where the person is talking: what the texts may promise
    replies: list[Reply] = field(default_factory=list)
    ask_next: bool = True  # append the prompt of the resulting state
    want_report: bool | tuple[str, ...] = False  # send the report (or these kinds) after commit
    changed: bool = False  # the assessment's content changed (every change is audited)

    # -- what only some screens show ----------------------------------------------
    @property
    def notes(self) -> dict[str, CriterionNote]:
        assert self._notes is not None, "load_details() first: this screen shows the notes"
        return self._notes

    @property
    def evidence(self) -> Counter[str]:
        assert self._evidence is not None, "load_details() first: this screen shows the files"
        return self._evidence

    @property
    def sources(self) -> list[Source]:
        assert self._sources is not None, "load_for_screen() first: the menu offers them"
        return self._sources

    @property
    def earlier(self) -> list[Earlier]:
        assert self._earlier is not None, "load_for_screen() first: the review shows them"
        return self._earlier

    @property
    def offers(self) -> list[ItemSource]:
        """The earlier reports holding a results text or files for the item asked."""
        loaded = self._offers
        assert loaded is not None and loaded[0] == self.state.ref, "load_for_screen() first"
        return loaded[1]

    async def load_for_screen(self) -> None:
        """What only the menu (earlier reports to start from), the review (earlier years'
        results) and an item's question (its earlier answers) show, read once per event when
        the conversation is on one of them."""
        state = self.state
        if state.kind == MENU and self._sources is None:
            self._sources = await carry.sources(self.s, self.unit.id, self.period.year)
        if state.kind == REVIEW and self._earlier is None:
            self._earlier = await earlier_results(self.s, self.unit.id, self.period.year)
        if state.kind == SCORE and (self._offers is None or self._offers[0] != state.ref):
            self._offers = (state.ref or "", await self._item_offers(state.ref or ""))

    async def _item_offers(self, item_id: str) -> list[ItemSource]:
        """The item's earlier answers, looked for only when one may be taken over: the unit
        has earlier reports and the officer has written no results text for the item yet."""
        answer = self.answers.get(item_id)
        if not self.may_carry or self.locked or (answer is not None and answer.results_text):
            return []
        earlier = carry.carried_from(self.rubric, item_id)
        return await carry.item_sources(self.s, self.assessment, self.period.year, item_id, earlier)

    def forget_details(self) -> None:
        """The notes, files and earlier answers changed behind the loaded ones: read again
        when shown."""
        self._notes = self._evidence = self._offers = None

    async def load_details(self) -> None:
        """The criteria notes and the evidence counts, once per event."""
        if self._notes is None:
            self._notes = await repo.notes(self.s, self.assessment.id)
        if self._evidence is None:
            self._evidence = await repo.evidence_counts(self.s, self.assessment.id)

    @property
    def locked(self) -> bool:
        """Nothing can change: the assessment was submitted, or the unit merged into another."""
        return self.assessment.status != Status.DRAFT or bool(self.merged)

    # -- state ---------------------------------------------------------------
    @property
    def state(self) -> State:
        return State.parse(self.position.cursor)

    def goto(self, state: State) -> None:
        self.position.cursor = str(state)

    def screen(self, ask: Callable[[Ctx], Reply]) -> Reply:
        """The current state's screen as it was when the event came: made once per event, for
        checking a button and for reading it (the next screen is made anew)."""
        key = str(self.state)
        if self._shown is None or self._shown[0] != key:
            self._shown = (key, ask(self))
        return self._shown[1]

    # -- answers -------------------------------------------------------------
    def scores(self) -> dict[str, Decimal | None]:
        return {item_id: a.score for item_id, a in self.answers.items()}

    def total(self) -> Decimal:
        return total(self.rubric, self.scores())

    def unanswered(self) -> list[Item]:
        return unanswered(self.rubric, self.scores())

    def answer(self, item_id: str) -> Answer:
        """The item's answer, to change (read as a plain row until now, or new)."""
        found = self.answers.get(item_id)
        if not isinstance(found, Answer):
            found = to_change(self.s, self.assessment.id, item_id, found)
            self.answers[item_id] = found
        return found

    def note(self, criterion_id: str) -> CriterionNote:
        found = self.notes.get(criterion_id)
        if found is None:
            found = CriterionNote(assessment_id=self.assessment.id, criterion_id=criterion_id)
            self.s.add(found)
            self.notes[criterion_id] = found
        return found

    def audit(self, action: str, target: str | None, old: Any, new: Any) -> None:
        repo.audit(self.s, self.assessment, self.person.id, action, target, old, new)
        self.changed = True

    def answered_by(self, answer: Answer | ReadAnswer | None) -> str | None:
        """Who gave the answer, when it was another person than this one."""
        if answer is None or answer.updated_by_id in (None, self.person.id):
            return None
        return self.names.get(answer.updated_by_id or 0)

    # -- replies -------------------------------------------------------------
    def say(self, text: str, **kwargs: Any) -> Reply:
        reply = Reply(text=text, assessment_id=self.assessment.id, **kwargs)
        self.replies.append(reply)
        return reply

    def say_msg(self, template: str, /, **context: Any) -> Reply:
        return self.say(msg(template, **context))

    def answered(self) -> int:
        scores = self.scores()
        return sum(1 for i in self.rubric.unit_items() if scores.get(i.id) is not None)

    def progress(self) -> dict[str, Any]:
        items, answered = self.rubric.unit_items(), self.answered()
        return {
            "answered": answered,
            "n_items": len(items),
            "fraction": answered / len(items) if items else 0.0,
            "files": sum(self.evidence.values()),
            "total": self.total(),
            "max": self.rubric.total_points,
            "by_appraiser": self.rubric.appraiser_points(),
        }
