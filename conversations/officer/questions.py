"""The questionnaire's steps: each a prompt (``ask_*``) and an input handler (``on_*``)."""

from __future__ import annotations

from decimal import Decimal
from math import ceil

from conversations import labels
from conversations.events import Button, Event, Reply, button_rows
from conversations.input import TEXT_LIMIT, file_of, key_of, text_of
from conversations.officer import carry
from conversations.officer.context import Ctx
from conversations.officer.evidence import attach
from conversations.officer.navigation import advance, go_back, nav_row
from conversations.score_input import score_buttons, score_of
from conversations.states import (
    BACK,
    DONE,
    EVIDENCE,
    MENU,
    MENU_KEY,
    SHORTCOMINGS,
    SKIP,
    STRENGTHS,
    State,
)
from conversations.texts import msg
from rubric.model import Item
from rubric.scoring import fmt, subtotal


def _item(ctx: Ctx) -> Item:
    item = ctx.rubric.item(ctx.state.ref or "")
    assert item is not None, ctx.state
    return item


def _position(ctx: Ctx, state: State) -> dict[str, object]:
    """ "Câu 12/28 · Tiêu chí 3/8" for the header of every question."""
    items = ctx.rubric.unit_items()
    criterion_id = (
        state.ref
        if state.kind in (STRENGTHS, SHORTCOMINGS)
        else ctx.rubric.criterion_of(state.ref or "").id
    )
    criterion = ctx.rubric.criterion(criterion_id or "")
    assert criterion is not None
    item_no = next((n for n, i in enumerate(items, 1) if i.id == state.ref), None)
    return {
        "item_no": item_no,
        "n_items": len(items),
        "c": criterion,
        "criteria": len(ctx.rubric.scored_criteria()),
        "answered": ctx.answered(),
    }


def _per_row(n: int) -> int:
    return n if n <= 5 else ceil(n / ceil(n / 5))


def _common(ctx: Ctx, event: Event, prompt: Reply) -> bool:
    """Back and menu work the same on every question; True when handled."""
    key = key_of(event, prompt)
    if key == BACK:
        go_back(ctx)
        return True
    if key == MENU_KEY:
        ctx.goto(State(MENU))
        return True
    return False


# -- score -------------------------------------------------------------------
def ask_score(ctx: Ctx) -> Reply:
    item = _item(ctx)
    answer = ctx.answers.get(item.id)
    buttons = score_buttons(item)
    rows = button_rows(buttons, _per_row(len(buttons)))
    rows.append(nav_row(ctx, Button(SKIP, labels.SKIP)))
    text = _ask("ask_score", ctx, item=item, answer=answer, by=ctx.answered_by(answer))
    return Reply(text, rows, target=str(ctx.state), expects="score")


async def on_score(ctx: Ctx, event: Event) -> None:
    prompt = ctx.screen(ask_score)
    if _common(ctx, event, prompt):
        return
    item = _item(ctx)
    upload = file_of(event)
    if upload is not None:
        await attach(ctx, item, upload)
        return
    key = key_of(event, prompt)
    if key == SKIP:
        advance(ctx)
        return
    typed = key if key is not None else (text_of(event) or "")
    score = score_of(item, key, typed, ctx.rubric.score_step)
    if score is None and item.is_tiered:
        ctx.say_msg("bad_tier", item=item, count=len(item.choices))
    elif score is None:
        ctx.say_msg("bad_score", item=item, typed=typed.strip(), step=fmt(ctx.rubric.score_step))
    else:
        set_score(ctx, item, *score)
        advance(ctx)
        return
    ctx.ask_next = False


def set_score(ctx: Ctx, item: Item, value: Decimal, choice_id: str | None) -> None:
    answer = ctx.answer(item.id)
    old = answer.choice_id or answer.score
    answer.score, answer.choice_id, answer.updated_by_id = value, choice_id, ctx.person.id
    ctx.audit("answer.score", item.id, old, choice_id or value)
    ctx.say_msg("score_saved", item=item, value=value, choice=item.choice(choice_id or ""))


# -- results text ------------------------------------------------------------
def ask_results(ctx: Ctx) -> Reply:
    item = _item(ctx)
    answer = ctx.answers.get(item.id)
    current = answer.results_text if answer else None
    skip = Button(SKIP, labels.KEEP if current else labels.SKIP)
    text = _ask("ask_results", ctx, item=item, current=current, by=ctx.answered_by(answer))
    earlier, take_over = carry.item_offer(ctx, item)  # last year's answer, when there is one
    if earlier is not None:
        text = f"{text}\n\n{earlier}"
    rows = [[button] for button in take_over]  # one a row: a phone shows the unit's name
    rows.append(nav_row(ctx, skip))
    return Reply(text, rows, target=str(ctx.state), expects="text")


async def on_results(ctx: Ctx, event: Event) -> None:
    prompt = ctx.screen(ask_results)
    if _common(ctx, event, prompt):
        return
    item = _item(ctx)
    key = key_of(event, prompt)
    if key == SKIP:
        advance(ctx)
        return
    source = carry.item_chosen(ctx, key)
    if source is not None:
        await carry.take_over(ctx, source, item)  # its text and files, then its evidence step
        ctx.goto(State(EVIDENCE, item.id))
        return
    upload = file_of(event)
    if upload is not None:
        await attach(ctx, item, upload)
        ctx.goto(State(EVIDENCE, item.id))
        return
    text = required_text(ctx, event)
    if text is None:
        return
    answer = ctx.answer(item.id)
    ctx.audit("answer.results", item.id, answer.results_text, text)
    answer.results_text, answer.updated_by_id = text, ctx.person.id
    ctx.say_msg("text_saved", what="Kết quả đạt được", target=item.id)
    ctx.goto(State(EVIDENCE, item.id))


def required_text(ctx: Ctx, event: Event) -> str | None:
    """The typed text, or None after telling the person what is wrong with it."""
    text = (text_of(event) or "").strip()
    if file_of(event) is not None:
        ctx.say_msg("file_not_here")
    elif not text:
        ctx.say_msg("empty_text")
    elif len(text) > TEXT_LIMIT:
        ctx.say_msg("text_too_long", length=len(text), limit=TEXT_LIMIT)
    else:
        return text
    ctx.ask_next = False
    return None


# -- evidence ----------------------------------------------------------------
def ask_evidence(ctx: Ctx) -> Reply:
    item = _item(ctx)
    text = _ask("ask_evidence", ctx, item=item, count=ctx.evidence[item.id])
    row = nav_row(ctx, Button(DONE, "✓ Xong ▶"))
    return Reply(text, [row], target=str(ctx.state), expects="file")


async def on_evidence(ctx: Ctx, event: Event) -> None:
    prompt = ctx.screen(ask_evidence)
    if _common(ctx, event, prompt):
        return
    key = key_of(event, prompt)
    if key in (DONE, SKIP):
        advance(ctx)
        return
    upload = file_of(event)
    if upload is None:
        ctx.say_msg("expect_file")
        ctx.ask_next = False
        return
    await attach(ctx, _item(ctx), upload)
    ctx.ask_next = False


# -- criterion narratives ----------------------------------------------------
def ask_note(ctx: Ctx) -> Reply:
    state = ctx.state
    criterion = ctx.rubric.criterion(state.ref or "")
    assert criterion is not None
    narrative = next(n for n in ctx.rubric.narratives if n.name == state.kind)
    note = ctx.notes.get(criterion.id)
    current = getattr(note, state.kind) if note else None
    skip = Button(SKIP, labels.KEEP if current else labels.SKIP)
    text = _ask(
        "ask_note",
        ctx,
        narrative=narrative,
        current=current,
        points=subtotal(criterion, ctx.scores()),
    )
    return Reply(text, [nav_row(ctx, skip)], target=str(state), expects="text")


async def on_note(ctx: Ctx, event: Event) -> None:
    prompt = ctx.screen(ask_note)
    if _common(ctx, event, prompt):
        return
    if key_of(event, prompt) == SKIP:
        advance(ctx)
        return
    text = required_text(ctx, event)
    if text is None:
        return
    state = ctx.state
    note = ctx.note(state.ref or "")
    ctx.audit(f"note.{state.kind}", state.ref, getattr(note, state.kind), text)
    setattr(note, state.kind, text)
    narrative = next(n for n in ctx.rubric.narratives if n.name == state.kind)
    ctx.say_msg("text_saved", what=narrative.label, target=f"Tiêu chí {state.ref}")
    advance(ctx)


def _ask(name: str, ctx: Ctx, **context: object) -> str:
    return msg(name, pos=_position(ctx, ctx.state), **context)
