"""Who signs the unit's report, asked once before the submission when the unit's row does not
say (and remembered there for the next year); correctable from the confirmation screen.

The title decides how the block reads (``reports.letterhead``): "CHỦ TỊCH" of a People's
Committee signs "TM. ỦY BAN NHÂN DÂN"; "PHÓ CHỦ TỊCH" adds "KT. CHỦ TỊCH"; a head of an
office signs in their own title.
"""

from __future__ import annotations

from conversations import labels
from conversations.events import Button, Event, Reply, button_rows
from conversations.input import key_of, text_of
from conversations.officer.context import Ctx
from conversations.officer.questions import required_text
from conversations.states import (
    BACK,
    CONFIRM,
    RATING,
    REVIEW,
    SIGNER_NAME,
    SIGNER_TITLE,
    SKIP,
    State,
)
from conversations.texts import msg
from reports.letterhead import signature, titles_for, upper

NAME_LIMIT = 100  # units.head_name


def needs_signer(ctx: Ctx) -> bool:
    return not (ctx.unit.head_name and ctx.unit.head_title)


def signer_lines(ctx: Ctx) -> tuple[str, ...]:
    unit = ctx.unit
    return signature(unit.head_title, unit.name, unit.sign_as)


def ask_signer_name(ctx: Ctx) -> Reply:
    current = ctx.unit.head_name
    row = [Button(BACK, labels.BACK)]
    if current:
        row.append(Button(SKIP, labels.KEEP))
    text = msg("ask_signer_name", unit=ctx.unit, current=current)
    return Reply(text, [row], target=str(ctx.state), expects="text")


async def on_signer_name(ctx: Ctx, event: Event) -> None:
    key = key_of(event, ctx.screen(ask_signer_name))
    if key == BACK:
        ctx.goto(State(REVIEW))
        return
    if key == SKIP:
        ctx.goto(State(SIGNER_TITLE))
        return
    name = required_text(ctx, event)
    if name is None:
        return
    name = " ".join(name.split())
    if len(name) > NAME_LIMIT or not any(ch.isalpha() for ch in name):
        ctx.say_msg("bad_signer_name", limit=NAME_LIMIT)
        ctx.ask_next = False
        return
    ctx.audit("unit.signer_name", None, ctx.unit.head_name, name)
    ctx.unit.head_name = name
    ctx.goto(State(SIGNER_TITLE))


def _titles(ctx: Ctx) -> tuple[str, str]:
    return titles_for(ctx.unit.name, ctx.unit.kind.value, ctx.unit.head_title)


def ask_signer_title(ctx: Ctx) -> Reply:
    buttons = [Button(str(n), title.capitalize()) for n, title in enumerate(_titles(ctx), 1)]
    rows = button_rows(buttons, 2)
    rows.append([Button(BACK, labels.BACK)])
    text = msg(
        "ask_signer_title", unit=ctx.unit, name=ctx.unit.head_name, current=ctx.unit.head_title
    )
    return Reply(text, rows, target=str(ctx.state), expects="choice")


async def on_signer_title(ctx: Ctx, event: Event) -> None:
    key = key_of(event, ctx.screen(ask_signer_title))
    if key == BACK:
        ctx.goto(State(SIGNER_NAME))
        return
    titles = _titles(ctx)
    typed = " ".join((text_of(event) or "").split())
    if key is not None and key.isdigit():
        title = titles[int(key) - 1]
    elif key is None and typed and len(typed) <= NAME_LIMIT and any(c.isalpha() for c in typed):
        title = upper(typed)
    else:
        ctx.say_msg("pick_a_button")
        ctx.ask_next = False
        return
    ctx.audit("unit.signer_title", None, ctx.unit.head_title, title)
    ctx.unit.head_title, ctx.unit.sign_as = title, None  # how it signs follows the title
    ctx.say_msg("signer_saved", lines=signer_lines(ctx), name=ctx.unit.head_name)
    ctx.goto(State(CONFIRM if ctx.assessment.proposed_rating else RATING))
