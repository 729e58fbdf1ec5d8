"""Named states of the officer's conversation and the linear questionnaire.

A state is stored as the person's ``cursor``: ``"<kind>"`` or ``"<kind>:<id>"``, e.g.
``"score:IV.1"`` or ``"strengths:IV"``. The questionnaire asks each item's score, then each
criterion's strengths; an item's results text and files, and a criterion's shortcomings, are
typed or sent on the question after (``attach_target``), never asked for one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rubric.model import Rubric

# Questionnaire steps (in this order for every item / criterion).
SCORE = "score"  # the item's score or tier
STRENGTHS = "strengths"  # "Những nội dung đã thực hiện tốt"
SHORTCOMINGS = "shortcomings"  # "Những mặt còn hạn chế": typed after the strengths, or edited
# Steps of earlier versions, read as the item's score question (a cursor stored before them)
LEGACY = {"results": "score", "evidence": "score"}

# Screens outside the questionnaire.
MENU = "menu"
REVIEW = "review"
EDIT = "edit"  # pick a criterion to edit
EDIT_CRITERION = "edit_criterion"  # pick an item of one criterion
RATING = "rating"  # confirm or pick the proposed rating
CONFIRM = "confirm"  # confirm submission
SIGNER_NAME = "signer_name"  # who signs the report: full name
SIGNER_TITLE = "signer_title"  # ... and title
SUBMITTED = "submitted"

ITEM_STEPS = (SCORE,)
NOTE_STEPS = (STRENGTHS, SHORTCOMINGS)

# Keys of the navigation buttons (also what a text-only chat types).
BACK, SKIP, DONE, MENU_KEY, GUIDE = "b", "s", "x", "m", "h"
NAV_KEYS = frozenset({BACK, SKIP, DONE, MENU_KEY, GUIDE})


@dataclass(frozen=True)
class State:
    kind: str
    ref: str | None = None  # item id or criterion id

    @classmethod
    def parse(cls, cursor: str | None) -> State:
        if not cursor:
            return cls(MENU)
        kind, _, ref = cursor.partition(":")
        return cls(LEGACY.get(kind, kind), ref or None)

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}" if self.ref else self.kind

    @property
    def in_questionnaire(self) -> bool:
        return self.kind in ITEM_STEPS or self.kind in NOTE_STEPS


@dataclass(frozen=True)
class Questionnaire:
    """The rubric flattened into the ordered list of questions."""

    steps: tuple[State, ...]

    def index(self, state: State) -> int:
        return self.steps.index(self.in_order(state))

    def next(self, state: State) -> State | None:
        i = self.index(state) + 1
        return self.steps[i] if i < len(self.steps) else None

    def previous(self, state: State) -> State | None:
        i = self.index(state) - 1
        return self.steps[i] if i >= 0 else None

    def in_order(self, state: State) -> State:
        """Where ``state`` stands in the questionnaire: the shortcomings (asked only when
        edited) stand where the criterion's strengths do."""
        if state.kind == SHORTCOMINGS:
            return State(STRENGTHS, state.ref)
        return state


@cache
def questionnaire(rubric: Rubric) -> Questionnaire:
    """The unit's questions: the score of every item it scores itself (not those only the
    appraising body scores), then the criterion's strengths (a bonus or penalty has none)."""
    steps: list[State] = []
    for criterion in rubric.criteria:
        steps.extend(State(SCORE, item.id) for item in criterion.unit_items())
        if criterion.scored:
            steps.append(State(STRENGTHS, criterion.id))
    return Questionnaire(tuple(steps))


def group_of(state: State, rubric: Rubric) -> str:
    """Item id for item steps, "notes:<criterion>" for narrative steps."""
    if state.kind in NOTE_STEPS:
        return f"notes:{state.ref}"
    return state.ref or state.kind


def criterion_of(state: State, rubric: Rubric) -> str | None:
    if state.kind in NOTE_STEPS:
        return state.ref
    if state.kind in ITEM_STEPS and state.ref:
        return rubric.criterion_of(state.ref).id
    return None
