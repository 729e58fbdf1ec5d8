"""Starting from last year, from the menu: one button per earlier report the unit may take
over (its own, or those of the units it succeeds), and the copy itself (storage/carry.py):
results texts, narratives and evidence, never the scores."""

from __future__ import annotations

from conversations import labels
from conversations.events import Button
from conversations.officer.context import Ctx
from storage import assessments as repo
from storage import carry
from storage.carry import Source

KEY = "c"  # the buttons are c1, c2, c3
SHOWN = 3  # at most this many earlier reports offered


def buttons(ctx: Ctx) -> list[Button]:
    """The menu's "take over" buttons: one per earlier report, naming the unit when the
    reports are of several units (a merged commune's predecessors)."""
    offered = ctx.sources[:SHOWN] if not ctx.locked else []
    several = len({s.unit_name for s in offered}) > 1
    return [
        Button(
            f"{KEY}{n}",
            f"{labels.CARRY} {s.year}" + (f": {_short(s.unit_name)}" if several else ""),
        )
        for n, s in enumerate(offered, start=1)
    ]


def chosen(ctx: Ctx, key: str | None) -> Source | None:
    """The earlier report a menu key names (None: not a take-over key)."""
    if not key or not key.startswith(KEY) or not key[1:].isdigit():
        return None
    n = int(key[1:])
    return ctx.sources[n - 1] if 1 <= n <= min(len(ctx.sources), SHOWN) else None


async def take_over(ctx: Ctx, source: Source) -> None:
    """Copy ``source`` into this year's draft and say what came over."""
    items = ctx.rubric.carried_items(source.rubric_id)
    if not items:
        ctx.say_msg("carry_unmapped", source=source)
        return
    done, written = await carry.carry(ctx.s, ctx.assessment, source, items, ctx.person.id)
    for item_id, text in written:
        ctx.audit("answer.results", item_id, None, text)
    ctx.audit("assessment.carry", None, None, f"{source.year}: {source.unit_name}")
    ctx.answers = await repo.answers(ctx.s, ctx.assessment.id)  # with the texts just copied
    ctx.forget_details()  # the notes and files the next screen shows, read again
    ctx.say_msg("carried", source=source, done=done)


def _short(name: str) -> str:
    return name.removeprefix("UBND ").removeprefix("xã ").removeprefix("phường ")
