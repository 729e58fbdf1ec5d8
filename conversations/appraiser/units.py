"""The appraiser's screens: the units of the period, one unit's card, its files, returning it."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations import labels
from conversations.appraiser import decisions, scoring
from conversations.appraiser.context import ACtx
from conversations.events import Button, Event, Reply, button_rows
from conversations.input import key_of, text_of
from conversations.states import BACK, State
from conversations.texts import msg
from storage import assessments
from storage.earlier import names_units
from storage.models import Status

UNITS, UNIT, RETURN = "a_units", "a_unit", "a_return"
PAGE = 8
PREVIOUS_PAGE, NEXT_PAGE = "pt", "ps"  # trang trước, trang sau
BOTH = ("unit", "outline")  # appraisers get both reports
FILTERS = {  # key -> (label, statuses shown; None = all)
    "fa": (labels.ALL_UNITS, None),
    "fn": (labels.NOT_SUBMITTED, {None, Status.DRAFT}),
    "fs": (labels.SUBMITTED, {Status.SUBMITTED}),
    "fx": (labels.APPRAISED, {Status.APPRAISED}),
}


def _filter_page(ctx: ACtx) -> tuple[str, int]:
    ref = ctx.state.ref or "fa.0"
    key, _, page = ref.partition(".")
    return (key if key in FILTERS else "fa"), int(page or 0)


async def ask_units(ctx: ACtx) -> Reply:
    key, page = _filter_page(ctx)
    rows = await ctx.unit_rows()
    wanted = FILTERS[key][1]
    shown = [r for r in rows if wanted is None or (r.assessment and r.assessment.status) in wanted]
    pages = max(1, -(-len(shown) // PAGE))
    page = min(page, pages - 1)
    visible = shown[page * PAGE : (page + 1) * PAGE]
    today = datetime.now(UTC).date()
    text = ctx_msg(
        "units",
        ctx,
        rows=visible,
        all_rows=rows,
        n_items=len(ctx.rubric.unit_items()),
        late=today > ctx.period.submit_by,
        filter_label=FILTERS[key][0],
        page=page + 1,
        pages=pages,
        first=page * PAGE,
    )
    buttons = [Button(f"u{r.assessment.id}", str(page * PAGE + n)) for n, r in
               enumerate(visible, 1) if r.assessment]  # fmt: skip
    keyboard = button_rows(buttons, 4)
    keyboard.append([Button(k, label) for k, (label, _) in FILTERS.items() if k != key])
    nav = []
    if page > 0:
        nav.append(Button(PREVIOUS_PAGE, labels.PREVIOUS_PAGE))
    if page + 1 < pages:
        nav.append(Button(NEXT_PAGE, labels.NEXT_PAGE))
    if nav:
        keyboard.append(nav)
    return Reply(text, keyboard, target=str(ctx.state), assessment_id=0, expects="choice")


async def on_units(ctx: ACtx, event: Event) -> None:
    key = key_of(event, await ctx.screen(ask_units))
    current, page = _filter_page(ctx)
    if key in FILTERS:
        ctx.goto(State(UNITS, f"{key}.0"))
    elif key in (PREVIOUS_PAGE, NEXT_PAGE):
        ctx.goto(State(UNITS, f"{current}.{max(0, page + (1 if key == NEXT_PAGE else -1))}"))
    elif key and key.startswith("u"):
        ctx.goto(State(UNIT, key[1:]))
    else:
        ctx.say_msg("pick_a_button")


async def ask_unit(ctx: ACtx) -> Reply:
    f = await ctx.shown_file()
    a = f.a
    text = ctx_msg(
        "unit_card",
        ctx,
        unit=f.unit,
        a=a,
        scores={k: v.score for k, v in f.answers.items()},
        given=f.given_scores(),
        notes=f.notes,
        files=f.files,
        earlier=f.earlier,
        named=names_units(f.earlier, f.unit.name),
    )
    rows = [
        [Button("r", labels.REPORT), Button("f", labels.FILES)],
        [Button("z", labels.BUNDLE_ZIP)],
    ]
    if a.status in decisions.RETURNABLE:
        rows.append([Button("t", labels.APPRAISE), Button("tl", labels.RETURN)])
    rows.append([Button(BACK, labels.BACK_TO_LIST)])
    return Reply(text, rows, target=str(ctx.state), assessment_id=a.id, expects="choice")


async def on_unit(ctx: ACtx, event: Event) -> None:
    f = await ctx.shown_file()
    a = f.a
    key = key_of(event, await ctx.screen(ask_unit))
    if key == BACK:
        ctx.goto(State(UNITS))
    elif key == "r":  # the documents, then the card again with its buttons
        draft = a.status == Status.DRAFT
        ctx.say(ctx_msg("report_of", ctx, a=a), report_for=a.id, draft=draft, report_kinds=BOTH)
    elif key == "f":
        await send_files(ctx, a.id)
    elif key == "z":  # reports and evidence in one ZIP, then the card again
        ctx.say(ctx_msg("bundle_of", ctx, unit=f.unit), bundle=("unit", a.id))
    elif key == "t":
        await scoring.start(ctx, f)
    elif key == "tl":
        ctx.goto(State(RETURN, str(a.id)))
    else:
        ctx.say_msg("pick_a_button")


async def send_files(ctx: ACtx, assessment_id: int) -> None:
    rows = await assessments.evidence(ctx.s, assessment_id)
    if not rows:
        ctx.say_msg("no_files")
    root = ctx.evidence_root
    for e in rows:
        ctx.say(
            f"{e.item_id} · {e.original_name}" + (f"\n{e.caption}" if e.caption else ""),
            document=root / e.storage_key,
            filename=e.original_name,
        )


async def ask_return(ctx: ACtx) -> Reply:
    rows = [[Button(BACK, labels.CANCEL)]]
    aid = int(ctx.state.ref or 0)
    text = ctx_msg("ask_return_reason", ctx)
    return Reply(text, rows, target=str(ctx.state), assessment_id=aid, expects="text")


async def on_return(ctx: ACtx, event: Event) -> None:
    f = await ctx.shown_file()
    a = f.a
    if key_of(event, await ctx.screen(ask_return)) == BACK:
        ctx.goto(State(UNIT, str(a.id)))
        return
    reason = (text_of(event) or "").strip()
    if not reason:
        ctx.say_msg("empty_text")
        ctx.ask_next = False
        return
    await decisions.return_to_unit(ctx.s, f, ctx.person.id, reason)
    notice = Reply(ctx_msg("returned_to_unit", ctx, reason=reason))
    ctx.tell_unit(f, notice)
    ctx.say_msg("returned_done", unit=f.unit)
    ctx.goto(State(UNIT, str(a.id)))


def ctx_msg(name: str, ctx: ACtx, **context: object) -> str:
    return msg(name, period=ctx.period, authority=ctx.authority, rubric=ctx.rubric, **context)
