"""The questionnaire's steps: each a prompt (``ask_*``) and an input handler (``on_*``).

One question per item (its score) and per criterion (its strengths). What a question does not
ask is typed or sent on the question after it: an item's results text and files go to the item
just scored, a criterion's shortcomings to the criterion just described (``attach_target``). A
score moves on at once; nothing asks «Bỏ qua» or «Xong» where there is nothing to skip."""

from __future__ import annotations

import re
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
    GUIDE,
    MENU,
    MENU_KEY,
    NAV_KEYS,
    REVIEW,
    SCORE,
    SHORTCOMINGS,
    SKIP,
    STRENGTHS,
    State,
    questionnaire,
)
from conversations.texts import msg
from rubric.model import Item
from rubric.scoring import fmt, parse_score, subtotal

SHORTCOMINGS_KEY = "hc"  # the strengths question's button to the shortcomings
ADDRESSED = re.compile(r"^\s*([IVXLivxl]+\.\d+|[A-Za-z]+\.\d+)\s*[:\-–]\s*(.+)$", re.S)


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
    """Back, guidance and menu work the same on every question; True when handled."""
    key = key_of(event, prompt)
    if key == BACK:
        go_back(ctx)
        return True
    if key == MENU_KEY:
        ctx.goto(State(MENU))
        return True
    if key == GUIDE:  # the Đề cương's full guidance of the question's criterion
        ctx.say_msg("guidance", c=_position(ctx, ctx.state)["c"])
        ctx.ask_next = False
        return True
    return False


# -- where typed texts and sent files go -----------------------------------------
def attach_target(ctx: Ctx) -> State | None:
    """What a text typed (or a file sent) on the current question belongs to, besides the
    question's own answer: ``score:<item>`` (its results text and files) for the item asked
    when it is scored already, else for the item just scored before it;
    ``shortcomings:<criterion>`` for the criterion whose strengths were just written (on the
    review too, after the last criterion's)."""
    state = ctx.state
    if state.kind == SCORE and _scored(ctx, state.ref):
        return state
    steps = questionnaire(ctx.rubric).steps
    if state.kind == REVIEW and steps and steps[-1].kind == STRENGTHS:
        note = ctx.notes.get(steps[-1].ref or "")
        return State(SHORTCOMINGS, steps[-1].ref) if note and not note.shortcomings else None
    if state.kind not in (SCORE, STRENGTHS):
        return None
    before = questionnaire(ctx.rubric).previous(state)
    if before is None:
        return None
    if before.kind == SCORE and _scored(ctx, before.ref):
        return before
    if before.kind == STRENGTHS and state.kind == SCORE:
        return State(SHORTCOMINGS, before.ref)
    return None


def _scored(ctx: Ctx, item_id: str | None) -> bool:
    answer = ctx.answers.get(item_id or "")
    return answer is not None and answer.score is not None


def addressed(ctx: Ctx, event: Event) -> tuple[State, str] | None:
    """A text that names its item, "I.5: Đã tổ chức 2 hội nghị": that item's results."""
    found = ADDRESSED.match(text_of(event) or "")
    item = ctx.rubric.item(found.group(1).upper()) if found else None
    if found is None or item is None or not item.by_unit:
        return None
    return State(SCORE, item.id), found.group(2).strip()


async def take(ctx: Ctx, event: Event) -> bool:
    """A typed text or a sent file for the attach target (or the item the text names); True
    when taken (said in one line)."""
    named = addressed(ctx, event)
    if named is not None:
        _write_results(ctx, *named)
        return True
    target = attach_target(ctx)
    upload = file_of(event)
    if upload is None and (text_of(event) or "").strip().casefold() in NAV_KEYS:
        return False  # a key of a button not shown (an earlier version's «Xong»): no results
    if upload is not None:
        item = ctx.rubric.item(target.ref or "") if target and target.kind == SCORE else None
        await attach(ctx, item or _item(ctx), upload)  # no item just answered: this one
        ctx.ask_next = False
        return True
    if target is None:
        return False
    text = required_text(ctx, event)
    if text is None:
        return True  # said what is wrong with it
    if target.kind == SCORE:
        _write_results(ctx, target, text)
    else:
        await ctx.load_details()  # a score question does not load the notes
        _write_note(ctx, target, text)
    ctx.ask_next = False
    return True


def _write_results(ctx: Ctx, target: State, text: str) -> None:
    if len(text) > TEXT_LIMIT:
        ctx.say_msg("text_too_long", length=len(text), limit=TEXT_LIMIT)
    else:
        answer = ctx.answer(target.ref or "")
        ctx.audit("answer.results", target.ref, answer.results_text, text)
        answer.results_text, answer.updated_by_id = text, ctx.person.id
        ctx.say_msg("text_saved", what="Kết quả đạt được", target=f"mục {target.ref}")
    ctx.ask_next = False


def required_text(ctx: Ctx, event: Event) -> str | None:
    """The typed text, or None after telling the person what is wrong with it."""
    text = (text_of(event) or "").strip()
    if file_of(event) is not None:
        ctx.say_msg("text_expected")
    elif not text:
        ctx.say_msg("empty_text")
    elif len(text) > TEXT_LIMIT:
        ctx.say_msg("text_too_long", length=len(text), limit=TEXT_LIMIT)
    else:
        return text
    ctx.ask_next = False
    return None


# -- score -------------------------------------------------------------------
def ask_score(ctx: Ctx) -> Reply:
    item = _item(ctx)
    answer = ctx.answers.get(item.id)
    scores = score_buttons(item)
    rows = button_rows(scores, _per_row(len(scores)))
    earlier, take_over = carry.item_offer(ctx, item)  # last year's answer, when there is one
    rows += [[button] for button in take_over]  # one a row: a phone shows the unit's name
    rows.append(nav_row(ctx, Button(SKIP, labels.SKIP), guide=True))
    target = attach_target(ctx)
    text = _ask(
        "ask_score",
        ctx,
        item=item,
        answer=answer,
        by=ctx.answered_by(answer),
        earlier=earlier,
        target=target,
        target_c=_criterion_of(ctx, target),
        channel=ctx.channel,
    )
    upload_item = target.ref if target is not None and target.kind == SCORE else item.id
    return Reply(text, rows, target=str(ctx.state), expects="score", upload_item=upload_item)


def _criterion_of(ctx: Ctx, target: State | None) -> object:
    """The criterion whose shortcomings a typed text would be (None: it would be no such)."""
    if target is None or target.kind != SHORTCOMINGS:
        return None
    return ctx.rubric.criterion(target.ref or "")


async def on_score(ctx: Ctx, event: Event) -> None:
    prompt = ctx.screen(ask_score)
    if _common(ctx, event, prompt):
        return
    item = _item(ctx)
    key = key_of(event, prompt)
    if key == SKIP:
        advance(ctx)
        return
    source = carry.item_chosen(ctx, key)
    if source is not None:
        await carry.take_over(ctx, source, item)  # its text and files; the score stays to give
        ctx.ask_next = False
        return
    typed = key if key is not None else (text_of(event) or "")
    score = score_of(item, key, typed, ctx.rubric.score_step)
    if score is not None:
        set_score(ctx, item, *score)
        advance(ctx)
        return
    if key is None and parse_score(typed) is None:
        if await take(ctx, event):
            return  # words or a file: the results of the item just answered
        if typed.strip():  # words, and nothing answered they could belong to
            ctx.say_msg("score_first", item=item, step=fmt(ctx.rubric.score_step))
            ctx.ask_next = False
            return
    if item.is_tiered:
        ctx.say_msg("bad_tier", item=item, count=len(item.choices))
    else:
        ctx.say_msg("bad_score", item=item, typed=typed.strip(), step=fmt(ctx.rubric.score_step))
    ctx.ask_next = False


def set_score(ctx: Ctx, item: Item, value: Decimal, choice_id: str | None) -> None:
    answer = ctx.answer(item.id)
    answer.score, answer.choice_id, answer.updated_by_id = value, choice_id, ctx.person.id
    ctx.changed = True  # audited by the database (storage.audit_triggers)
    choice = item.choice(choice_id or "")
    number = item.choices.index(choice) + 1 if choice is not None else None
    ctx.say_msg("score_saved", item=item, value=value, choice=choice, number=number)


# -- criterion narratives ----------------------------------------------------
def ask_note(ctx: Ctx) -> Reply:
    state = ctx.state
    criterion = ctx.rubric.criterion(state.ref or "")
    assert criterion is not None
    narrative = next(n for n in ctx.rubric.narratives if n.name == state.kind)
    note = ctx.notes.get(criterion.id)
    current = getattr(note, state.kind) if note else None
    rows = []
    if state.kind == STRENGTHS:  # the shortcomings: typed after, or edited here
        rows.append([Button(SHORTCOMINGS_KEY, labels.SHORTCOMINGS)])
    rows.append(nav_row(ctx, Button(SKIP, labels.KEEP if current else labels.SKIP), guide=True))
    text = _ask(
        "ask_note",
        ctx,
        narrative=narrative,
        current=current,
        points=subtotal(criterion, ctx.scores()),
        target=attach_target(ctx),
        channel=ctx.channel,
    )
    return Reply(text, rows, target=str(state), expects="text")


async def on_note(ctx: Ctx, event: Event) -> None:
    prompt = ctx.screen(ask_note)
    if _common(ctx, event, prompt):
        return
    key = key_of(event, prompt)
    if key == SKIP:
        advance(ctx)
        return
    if key == SHORTCOMINGS_KEY:
        ctx.goto(State(SHORTCOMINGS, ctx.state.ref))
        return
    if file_of(event) is not None or addressed(ctx, event) is not None:
        await take(ctx, event)  # a file for the item just scored, or a text naming its item
        return
    text = required_text(ctx, event)
    if text is None:
        return
    _write_note(ctx, ctx.state, text)
    advance(ctx)


def _write_note(ctx: Ctx, state: State, text: str) -> None:
    note = ctx.note(state.ref or "")
    ctx.audit(f"note.{state.kind}", state.ref, getattr(note, state.kind), text)
    setattr(note, state.kind, text)
    narrative = next(n for n in ctx.rubric.narratives if n.name == state.kind)
    criterion = ctx.rubric.criterion(state.ref or "")
    assert criterion is not None
    ctx.say_msg("text_saved", what=narrative.label, target=criterion.title)


def _ask(name: str, ctx: Ctx, **context: object) -> str:
    return msg(name, pos=_position(ctx, ctx.state), **context)
