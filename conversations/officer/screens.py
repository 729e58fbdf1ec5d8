"""Screens outside the questionnaire: menu, review, edit, rating, confirmation, submitted."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from conversations import labels
from conversations.events import Button, Event, Recipient, Reply, button_rows
from conversations.input import key_of, text_of
from conversations.officer import carry, questions
from conversations.officer.context import Ctx
from conversations.officer.navigation import enter, resume_point
from conversations.officer.signer import needs_signer, signer_lines
from conversations.states import (
    BACK,
    CONFIRM,
    EDIT,
    EDIT_CRITERION,
    MENU,
    MENU_KEY,
    RATING,
    REVIEW,
    SCORE,
    SIGNER_NAME,
    STRENGTHS,
    SUBMITTED,
    State,
)
from conversations.texts import msg
from rubric.scoring import subtotal
from storage.appraisal import recipients
from storage.models import Role, Status

CONTINUE, REVIEW_KEY, SUBMIT_KEY, HELP_KEY, BUNDLE_KEY = "1", "2", "3", "4", "5"
EDIT_KEY, NOTES_KEY, YES, SIGNER_KEY = "e", "n", "y", "k"


def _summary(ctx: Ctx) -> dict[str, object]:
    scores = ctx.scores()
    return {
        "unit": ctx.unit,
        "period": ctx.period,
        "assessment": ctx.assessment,
        "progress": ctx.progress(),
        "rows": [(c, subtotal(c, scores)) for c in ctx.rubric.criteria],
        "missing": ctx.unanswered(),
        "band": ctx.rubric.band_for(ctx.total()),
        "rubric": ctx.rubric,
        "evidence": ctx.evidence,
        "notes": ctx.notes,
        "answerers": _answerers(ctx),
    }


def _answerers(ctx: Ctx) -> list[tuple[str, int]]:
    """Who scored how many items (the last to change each), when several people did."""
    counts = Counter(a.updated_by_id for a in ctx.answers.values() if a.score is not None)
    names = {**ctx.names, ctx.person.id: ctx.person.full_name}
    shown = [(names.get(pid or 0, "—"), n) for pid, n in counts.items()]
    return sorted(shown, key=lambda name_n: (-name_n[1], name_n[0]))


# -- menu --------------------------------------------------------------------
def ask_menu(ctx: Ctx) -> Reply:
    buttons = [
        Button(CONTINUE, labels.CONTINUE),
        Button(REVIEW_KEY, labels.REVIEW),
        Button(SUBMIT_KEY, labels.SUBMIT),
        Button(HELP_KEY, labels.HELP),
        Button(BUNDLE_KEY, labels.BUNDLE),
        *carry.buttons(ctx),
    ]
    text = msg("menu", **_summary(ctx))
    return Reply(text, button_rows(buttons, 2), target=MENU, expects="choice")


async def on_menu(ctx: Ctx, event: Event) -> None:
    key = key_of(event, ctx.screen(ask_menu))
    if key == CONTINUE:
        enter(ctx, resume_point(ctx))
    elif key == REVIEW_KEY:
        ctx.goto(State(REVIEW))
    elif key == SUBMIT_KEY:
        start_submission(ctx)
    elif key == HELP_KEY:
        ctx.say_msg("help")
    elif key == BUNDLE_KEY:
        send_bundle(ctx)
        ctx.ask_next = True  # then the menu again, with its buttons
    elif (source := carry.chosen(ctx, key)) is not None:
        await carry.take_over(ctx, source)  # and the menu again
    elif key is None and text_of(event):  # words: straight to the open question
        enter(ctx, resume_point(ctx))
    else:
        ctx.say_msg("pick_a_button")


def send_bundle(ctx: Ctx) -> None:
    """The unit's reports and evidence in one ZIP (made after the commit)."""
    ctx.say(
        msg("bundle_caption", unit=ctx.unit, period=ctx.period), bundle=("unit", ctx.assessment.id)
    )
    ctx.ask_next = False


# -- review and edit -----------------------------------------------------------
def ask_review(ctx: Ctx) -> Reply:
    submit, edit, menu = (
        Button("n", labels.SUBMIT),
        Button(EDIT_KEY, labels.EDIT_ONE),
        Button(MENU_KEY, labels.MENU),
    )
    if ctx.unanswered():  # items left: answering them is what comes next
        rows = [[Button(CONTINUE, labels.CONTINUE_ANSWERING), edit], [submit, menu]]
    else:  # all answered: submitting is
        rows = [[submit, edit], [menu]]
    earlier = [(e, e.rating_label(ctx.rubric)) for e in ctx.earlier]
    target = questions.attach_target(ctx)  # the last criterion's shortcomings, typed here
    target_c = ctx.rubric.criterion(target.ref or "") if target else None
    text = msg("review", **_summary(ctx), earlier=earlier, target=target, target_c=target_c)
    return Reply(text, rows, target=REVIEW, expects="choice")


async def on_review(ctx: Ctx, event: Event) -> None:
    key = key_of(event, ctx.screen(ask_review))
    typed = (text_of(event) or "").strip().upper()
    if key is None and ctx.rubric.item(typed):
        start_edit(ctx, State(SCORE, typed))
    elif key is None and typed and await questions.take(ctx, event):
        return  # an item's results ("I.5: …"), the last criterion's shortcomings
    elif key == EDIT_KEY:
        ctx.goto(State(EDIT))
    elif key == "n":
        start_submission(ctx)
    elif key == CONTINUE:
        enter(ctx, resume_point(ctx))
    elif key == MENU_KEY:
        ctx.goto(State(MENU))
    else:
        ctx.say_msg("pick_a_button")


def start_edit(ctx: Ctx, target: State) -> None:
    ctx.position.return_to = REVIEW
    enter(ctx, target)


def ask_edit(ctx: Ctx) -> Reply:
    buttons = [Button(str(c.number), c.short) for c in ctx.rubric.criteria]
    rows = button_rows(buttons, 4)
    rows.append([Button(BACK, labels.BACK)])
    return Reply(msg("edit_pick_criterion", **_summary(ctx)), rows, target=EDIT, expects="choice")


async def on_edit(ctx: Ctx, event: Event) -> None:
    key = key_of(event, ctx.screen(ask_edit))
    criterion = next((c for c in ctx.rubric.criteria if str(c.number) == key), None)
    if key == BACK:
        ctx.goto(State(REVIEW))
    elif criterion is not None:
        ctx.goto(State(EDIT_CRITERION, criterion.id))
    else:
        ctx.say_msg("pick_a_button")


def ask_edit_criterion(ctx: Ctx) -> Reply:
    criterion = ctx.rubric.criterion(ctx.state.ref or "")
    assert criterion is not None
    buttons = [Button(i.number, i.id) for i in criterion.unit_items()]
    rows = button_rows(buttons, 4)
    if criterion.scored:  # a bonus or penalty has no narratives
        rows.append([Button(NOTES_KEY, labels.GENERAL_NOTES)])
    rows.append([Button(BACK, labels.BACK)])
    by = {item_id: ctx.answered_by(a) for item_id, a in ctx.answers.items()}
    text = msg("edit_pick_item", c=criterion, answers=ctx.answers, evidence=ctx.evidence, by=by)
    return Reply(text, rows, target=str(ctx.state), expects="choice")


async def on_edit_criterion(ctx: Ctx, event: Event) -> None:
    criterion = ctx.rubric.criterion(ctx.state.ref or "")
    assert criterion is not None
    key = key_of(event, ctx.screen(ask_edit_criterion))
    item = next((i for i in criterion.unit_items() if i.number == key), None)
    if key == BACK:
        ctx.goto(State(EDIT))
    elif key == NOTES_KEY:
        start_edit(ctx, State(STRENGTHS, criterion.id))
    elif item is not None:
        start_edit(ctx, State(SCORE, item.id))
    else:
        ctx.say_msg("pick_a_button")


# -- rating and submission -----------------------------------------------------
def start_submission(ctx: Ctx) -> None:
    """Everything answered: who signs (asked when the unit's row does not say), the rating."""
    missing = ctx.unanswered()
    if missing:
        ctx.say_msg("cannot_submit_missing", missing=missing)
        ctx.goto(State(REVIEW))
        ctx.ask_next = False
        return
    ctx.goto(State(SIGNER_NAME if needs_signer(ctx) else RATING))


def ask_rating(ctx: Ctx) -> Reply:
    suggested = ctx.rubric.band_for(ctx.total())
    buttons = [
        Button(str(n), b.label + (labels.SUGGESTED if b == suggested else ""))
        for n, b in enumerate(ctx.rubric.ratings.bands, 1)
    ]
    rows = button_rows(buttons, 2)
    rows.append([Button(BACK, labels.BACK)])
    return Reply(msg("ask_rating", **_summary(ctx)), rows, target=RATING, expects="choice")


async def on_rating(ctx: Ctx, event: Event) -> None:
    key = key_of(event, ctx.screen(ask_rating))
    bands = ctx.rubric.ratings.bands
    if key == BACK:
        ctx.goto(State(REVIEW))
    elif key and key.isdigit() and 1 <= int(key) <= len(bands):
        band = bands[int(key) - 1]
        ctx.audit("assessment.rating", None, ctx.assessment.proposed_rating, band.code)
        ctx.assessment.proposed_rating = band.code
        ctx.goto(State(CONFIRM))
    else:
        ctx.say_msg("pick_a_button")


def ask_confirm(ctx: Ctx) -> Reply:
    band = ctx.rubric.band(ctx.assessment.proposed_rating or "")
    rows = [
        [Button(YES, labels.CONFIRM_SUBMIT)],
        [Button(BACK, labels.BACK), Button(SIGNER_KEY, labels.SIGNER)],
    ]
    signer = {"signer": signer_lines(ctx), "signer_name": ctx.unit.head_name}
    text = msg("ask_confirm", proposed=band, **signer, **_summary(ctx))
    return Reply(text, rows, target=CONFIRM, expects="choice")


async def on_confirm(ctx: Ctx, event: Event) -> None:
    key = key_of(event, ctx.screen(ask_confirm))
    if key == BACK:
        ctx.goto(State(RATING))
    elif key == SIGNER_KEY:
        ctx.goto(State(SIGNER_NAME))
    elif key == YES:
        if ctx.unanswered() or needs_signer(ctx):  # changed meanwhile (another officer)
            start_submission(ctx)
            return
        assessment, unit = ctx.assessment, ctx.unit
        assessment.status = Status.SUBMITTED
        assessment.self_total = ctx.total()  # what the report says
        assessment.submitted_at = datetime.now(UTC)
        assessment.submitted_by_id = ctx.person.id
        # the signer as it is now: a later change of the unit's head leaves this report alone
        assessment.signer_name, assessment.signer_title = unit.head_name, unit.head_title
        assessment.sign_as = unit.sign_as
        ctx.audit("assessment.submit", None, Status.DRAFT.value, Status.SUBMITTED.value)
        assessment.returned_reason = None
        ctx.goto(State(SUBMITTED))
        ctx.say(msg("submitted", **_summary(ctx)), target=SUBMITTED)
        if ctx.unit.parent_id is not None:
            text = msg("unit_submitted", unit=ctx.unit, period=ctx.period, total=ctx.total())
            for channel, chat_id in await recipients(ctx.s, ctx.unit.parent_id, Role.APPRAISER):
                ctx.replies.append(Reply(text, recipient=Recipient(channel, chat_id)))
        ctx.want_report = True
        ctx.ask_next = False
    else:
        ctx.say_msg("pick_a_button")


def ask_submitted(ctx: Ctx) -> Reply:
    return Reply(msg("locked", **_summary(ctx)), target=SUBMITTED)


def ask_merged(ctx: Ctx) -> Reply:
    """A unit merged into another: its file can be read, nothing changed."""
    return Reply(
        msg("merged", unit=ctx.unit, merged=ctx.merged, period=ctx.period), target=SUBMITTED
    )


def refuse_input(ctx: Ctx) -> None:
    """Input where nothing can change (submitted, or merged): why, and nothing else."""
    if ctx.merged:
        ctx.replies.append(ask_merged(ctx))
    else:
        ctx.say_msg("locked_input", assessment=ctx.assessment)
    ctx.ask_next = False


def show_progress(ctx: Ctx) -> None:
    ctx.say_msg("progress", **_summary(ctx))
    ctx.ask_next = False
