"""Starting from last year, from the menu (one button per earlier report the unit may take
over: its own, or those of the units it succeeds) or on an item's question (one button per
earlier report holding a results text or files for the item), and the copy itself
(storage/carry.py): results texts, narratives and evidence, never the scores."""

from __future__ import annotations

from conversations import labels
from conversations.events import Button
from conversations.officer.context import Ctx
from conversations.texts import msg
from rubric.model import Item
from storage import assessments as repo
from storage import carry
from storage.carry import Source

KEY = "c"  # the buttons are c1, c2, c3
SHOWN = 3  # at most this many earlier reports offered


def buttons(ctx: Ctx) -> list[Button]:
    """The menu's "take over" buttons."""
    return _buttons([] if ctx.locked else ctx.sources)


def chosen(ctx: Ctx, key: str | None) -> Source | None:
    """The earlier report a menu key names (None: not a take-over key)."""
    return _chosen(ctx.sources, key)


def item_offer(ctx: Ctx, item: Item) -> tuple[str | None, list[Button]]:
    """What the question of ``item`` adds: the earlier reports' text for the item, briefly
    (None: nothing to take over), and a button for each."""
    offers = [] if ctx.locked else ctx.offers[:SHOWN]
    if not offers:
        return None, []
    sources = [o.source for o in offers]
    named = _several(sources) or sources[0].unit_name != ctx.unit.name  # whose report is it
    text = msg("carry_item_offer", offers=offers, named=named, item=item)
    return text, _buttons(sources)


def item_chosen(ctx: Ctx, key: str | None) -> Source | None:
    """The earlier report an item question's key names (None: not a take-over key)."""
    return _chosen([o.source for o in ctx.offers], key)


async def take_over(ctx: Ctx, source: Source, item: Item | None = None) -> None:
    """Copy ``source`` into this year's draft (only ``item``'s results text and files, when
    given) and say what came over."""
    items = ctx.rubric.carried_items(source.rubric_id)
    if not items:
        ctx.say_msg("carry_unmapped", source=source)
        return
    only = item.id if item is not None else None
    done, written = await carry.carry(
        ctx.s, ctx.assessment, source, items, ctx.person.id, only_item=only
    )
    for item_id, text in written:
        ctx.audit("answer.results", item_id, None, text)
    ctx.audit("assessment.carry", only, None, f"{source.year}: {source.unit_name}")
    ctx.answers = await repo.answers(ctx.s, ctx.assessment.id)  # with the texts just copied
    ctx.forget_details()  # the notes and files the next screen shows, read again
    if item is None:
        ctx.say_msg("carried", source=source, done=done)
    else:
        ctx.say_msg("carried_item", source=source, done=done, item=item)


def _buttons(sources: list[Source]) -> list[Button]:
    """One button per earlier report (the first ``SHOWN``), naming the unit when the reports
    are of several units (a merged commune's predecessors)."""
    offered = sources[:SHOWN]
    several = _several(offered)
    return [
        Button(
            f"{KEY}{n}",
            f"{labels.CARRY} {s.year}" + (f": {_short(s.unit_name)}" if several else ""),
        )
        for n, s in enumerate(offered, start=1)
    ]


def _several(sources: list[Source]) -> bool:
    """The reports are of several units (a merged commune's predecessors)."""
    return len({s.unit_name for s in sources}) > 1


def _chosen(sources: list[Source], key: str | None) -> Source | None:
    if not key or not key.startswith(KEY) or not key[1:].isdigit():
        return None
    n = int(key[1:])
    return sources[n - 1] if 1 <= n <= min(len(sources), SHOWN) else None


def _short(name: str) -> str:
    return name.removeprefix("UBND ").removeprefix("xã ").removeprefix("phường ")
