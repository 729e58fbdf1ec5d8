"""Moving through the questionnaire: forward, back, and back to the review after an edit."""

from __future__ import annotations

from decimal import Decimal

from conversations import labels
from conversations.events import Button
from conversations.officer.context import Ctx
from conversations.states import (
    BACK,
    GUIDE,
    MENU,
    MENU_KEY,
    REVIEW,
    SCORE,
    SHORTCOMINGS,
    STRENGTHS,
    State,
    criterion_of,
    group_of,
    questionnaire,
)
from conversations.texts import msg, packed, tier_lines, tiers_apart
from rubric.scoring import subtotal


def nav_row(ctx: Ctx, middle: Button | None, guide: bool = False) -> list[Button]:
    """◀ · [📖 Hướng dẫn] · <middle> · ☰ Menu (what every question offers)."""
    row = [Button(BACK, labels.BACK_SHORT if guide else labels.BACK)]
    if guide:
        row.append(Button(GUIDE, labels.GUIDE))
    if middle is not None:
        row.append(middle)
    row.append(Button(MENU_KEY, labels.MENU))
    return row


def enter(ctx: Ctx, target: State) -> None:
    """Go to ``target``; announce a criterion when the questionnaire enters a new one."""
    before = criterion_of(ctx.state, ctx.rubric) if ctx.state.in_questionnaire else None
    ctx.goto(target)
    after = criterion_of(target, ctx.rubric)
    if after and after != before and target.in_questionnaire:
        criterion = ctx.rubric.criterion(after)
        assert criterion is not None
        ctx.say_msg("criterion_intro", c=criterion, count=len(ctx.rubric.scored_criteria()))
    tiers_above(ctx, target)


def tiers_above(ctx: Ctx, target: State) -> None:
    """An item whose tiers are long gets them in full just above its question."""
    item = ctx.rubric.item(target.ref or "") if target.kind == SCORE else None
    if item is not None and tiers_apart(item):
        for part in packed([msg("tiers_heading", item=item), *tier_lines(item)]):
            ctx.say(part)


def advance(ctx: Ctx) -> None:
    """Next question; after an edit from the review, back to the review."""
    q = questionnaire(ctx.rubric)
    current = ctx.state
    following = q.next(current)
    editing = ctx.position.return_to
    if current.kind == SHORTCOMINGS and not editing:
        note = ctx.notes.get(current.ref or "")
        if note is None or not note.strengths:  # came here before writing the strengths
            ctx.goto(State(STRENGTHS, current.ref))
            return
    if current.kind in (STRENGTHS, SHORTCOMINGS) and not editing:
        criterion = ctx.rubric.criterion(current.ref or "")
        assert criterion is not None
        ctx.say_msg("criterion_done", c=criterion, points=_subtotal(ctx, current.ref or ""))
    if editing and (
        following is None or group_of(following, ctx.rubric) != group_of(current, ctx.rubric)
    ):
        ctx.position.return_to = None
        ctx.goto(State.parse(editing))
        return
    if following is None:
        ctx.say_msg("questionnaire_done")
        ctx.goto(State(REVIEW))
        return
    enter(ctx, following)


def go_back(ctx: Ctx) -> None:
    if ctx.state.kind == SHORTCOMINGS:  # asked from its criterion's strengths: back to them
        ctx.goto(State(STRENGTHS, ctx.state.ref))
        return
    previous = questionnaire(ctx.rubric).previous(ctx.state)
    if previous is None:
        ctx.goto(State(MENU))
        return
    ctx.goto(previous)
    tiers_above(ctx, previous)


def resume_point(ctx: Ctx) -> State:
    """Where "Tiếp tục" and /start lead: the stored question (but a score question once every
    item is scored: the review, to submit), else the first unanswered item."""
    missing = ctx.unanswered()
    if ctx.state.in_questionnaire and (missing or ctx.state.kind != SCORE):
        return ctx.state
    if missing:
        return State(SCORE, missing[0].id)
    return State(REVIEW)


def _subtotal(ctx: Ctx, criterion_id: str) -> Decimal:
    criterion = ctx.rubric.criterion(criterion_id)
    assert criterion is not None
    return subtotal(criterion, ctx.scores())
