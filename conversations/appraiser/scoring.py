"""The authority's scoring of one unit: item by item, then the rating and the confirmation."""

from __future__ import annotations

from decimal import Decimal

from conversations import labels
from conversations.appraiser import decisions
from conversations.appraiser.context import ACtx
from conversations.events import Button, Event, Reply, button_rows
from conversations.input import TEXT_LIMIT, key_of, text_of
from conversations.score_input import score_buttons, score_of
from conversations.states import BACK, MENU_KEY, SKIP, State
from conversations.texts import msg
from rubric.model import Item
from rubric.scoring import fmt, parse_score, total
from storage.appraisal import UnitFile
from storage.models import Assessment

ITEM, RATING, CONFIRM = "a_item", "a_rating", "a_confirm"
SAME = "k"  # "the unit's own score"
BOTH = ("unit", "outline")


def _ref(a: Assessment, item: Item) -> str:
    return f"{a.id}-{item.id}"


def _parse(ref: str | None) -> tuple[int, str]:
    aid, _, item_id = (ref or "").partition("-")
    return int(aid or 0), item_id


async def start(ctx: ACtx, f: UnitFile) -> None:
    """The first item that needs the appraiser: one the unit changed since the assessment was
    returned, else one not appraised yet, else the first."""
    items = ctx.rubric.items()
    first = next(
        (i for i in items if i.id in f.changed),
        next((i for i in items if i.id not in f.given), items[0]),
    )
    ctx.goto(State(ITEM, _ref(f.a, first)))


async def _item_file(ctx: ACtx) -> tuple[UnitFile, Item]:
    aid, item_id = _parse(ctx.state.ref)
    f = await ctx.file(aid)
    item = ctx.rubric.item(item_id)
    assert f is not None and item is not None
    return f, item


async def ask_item(ctx: ACtx) -> Reply:
    f, item = await _item_file(ctx)
    a, answer = f.a, f.answers.get(item.id)
    items = ctx.rubric.items()
    rows = button_rows(score_buttons(item), 5)
    if answer is not None and answer.score is not None:
        rows.append([Button(SAME, labels.same_as_unit(fmt(answer.score)))])
    rows.append(
        [
            Button(BACK, labels.BACK_SHORT),
            Button(SKIP, labels.SKIP),
            Button(MENU_KEY, labels.UNIT_MENU),
        ]
    )
    text = msg(
        "appraise_item",
        unit=f.unit,
        item=item,
        number=items.index(item) + 1,
        count=len(items),
        answer=answer,
        given=f.given.get(item.id),
        files=f.files[item.id],
        changed=item.id in f.changed,
    )
    return Reply(text, rows, target=str(ctx.state), assessment_id=a.id, expects="score")


async def on_item(ctx: ACtx, event: Event) -> None:
    f, item = await _item_file(ctx)
    key = key_of(event, await ctx.screen(ask_item))
    if key == MENU_KEY:
        ctx.goto(State("a_unit", str(f.a.id)))
        return
    if key in (BACK, SKIP):
        _move(ctx, f, item, -1 if key == BACK else 1)
        return
    typed = (text_of(event) or "").strip()
    if key is None and typed and parse_score(typed) is None:  # words: a comment on the item
        if len(typed) > TEXT_LIMIT:
            ctx.say_msg("text_too_long", length=len(typed), limit=TEXT_LIMIT)
            ctx.ask_next = False
            return
        _set(ctx, f, item, comment=typed)  # the item stays open
        ctx.say_msg("appraisal_comment_saved", item=item)
        return
    if key == SAME:
        answer = f.answers.get(item.id)
        value, choice = (answer.score, answer.choice_id) if answer else (None, None)
    else:
        value, choice = score_of(item, key, typed, ctx.rubric.score_step) or (None, None)
    if value is None:
        ctx.say_msg("bad_score", item=item, typed=typed, step=fmt(ctx.rubric.score_step))
        ctx.ask_next = False
        return
    _set(ctx, f, item, score=value, choice=choice)
    _move(ctx, f, item, 1)


def _set(
    ctx: ACtx,
    f: UnitFile,
    item: Item,
    score: Decimal | None = None,
    choice: str | None = None,
    comment: str | None = None,
) -> None:
    if comment is not None:
        decisions.add_comment(ctx.s, f, item, ctx.person.id, comment)
    elif score is not None:
        decisions.give_score(ctx.s, f, item, ctx.person.id, score, choice)


def _move(ctx: ACtx, f: UnitFile, item: Item, step: int) -> None:
    """To the previous or next item; forward, once every item has the authority's score, to
    the next item the unit changed since it was returned (then the rating)."""
    a, items = f.a, ctx.rubric.items()
    n = items.index(item) + step
    if step > 0 and all(i.id in f.given for i in items):
        n = next((k for k in range(n, len(items)) if items[k].id in f.changed), len(items))
    if n < 0:
        ctx.goto(State("a_unit", str(a.id)))
    elif n >= len(items):
        ctx.goto(State(RATING, str(a.id)))
    else:
        ctx.goto(State(ITEM, _ref(a, items[n])))


async def ask_rating(ctx: ACtx) -> Reply:
    f = await ctx.shown_file()
    scores = f.given_scores()
    points = total(ctx.rubric, scores)
    missing = [i.id for i in ctx.rubric.items() if scores.get(i.id) is None]
    suggested = ctx.rubric.band_for(points)
    buttons = [
        Button(str(n), b.label + (labels.SUGGESTED if b == suggested else ""))
        for n, b in enumerate(ctx.rubric.ratings.bands, 1)
    ]
    rows = button_rows(buttons, 2)
    rows.append([Button(BACK, labels.BACK)])
    text = msg("appraise_rating", unit=f.unit, points=points, band=suggested, missing=missing)
    return Reply(text, rows, target=str(ctx.state), assessment_id=f.a.id, expects="choice")


async def on_rating(ctx: ACtx, event: Event) -> None:
    f = await ctx.shown_file()
    a = f.a
    key = key_of(event, await ctx.screen(ask_rating))
    bands = ctx.rubric.ratings.bands
    if key == BACK:
        ctx.goto(State(ITEM, _ref(a, ctx.rubric.items()[-1])))
    elif key and key.isdigit() and 1 <= int(key) <= len(bands):
        missing = decisions.missing(f, ctx.rubric)
        if missing:
            ctx.say_msg("appraisal_missing", missing=[i.id for i in missing])
            ctx.goto(State(ITEM, _ref(a, missing[0])))
            return
        decisions.rate(f, ctx.person.id, bands[int(key) - 1])
        ctx.goto(State(CONFIRM, str(a.id)))
    else:
        ctx.say_msg("pick_a_button")


async def ask_confirm(ctx: ACtx) -> Reply:
    f = await ctx.shown_file()
    band = ctx.rubric.band(f.a.final_rating or "")
    points = total(ctx.rubric, f.given_scores())
    text = msg("appraise_confirm", unit=f.unit, band=band, points=points)
    rows = [[Button("y", labels.CONFIRM_RESULT)], [Button(BACK, labels.BACK)]]
    return Reply(text, rows, target=str(ctx.state), assessment_id=f.a.id, expects="choice")


async def on_confirm(ctx: ACtx, event: Event) -> None:
    f = await ctx.shown_file()
    a, unit = f.a, f.unit
    key = key_of(event, await ctx.screen(ask_confirm))
    if key == BACK:
        ctx.goto(State(RATING, str(a.id)))
        return
    if key != "y":
        ctx.say_msg("pick_a_button")
        return
    decisions.confirm(ctx.s, f, ctx.rubric, ctx.person.id)
    band = ctx.rubric.band(a.final_rating or "")
    ctx.say(msg("appraised_done", unit=unit, band=band), report_for=a.id, report_kinds=BOTH)
    notice = Reply(msg("appraised_to_unit", unit=unit, band=band), report_for=a.id)
    ctx.tell_unit(f, notice)
    ctx.goto(State("a_unit", str(a.id)))


STATES = {
    ITEM: (ask_item, on_item),
    RATING: (ask_rating, on_rating),
    CONFIRM: (ask_confirm, on_confirm),
}
