"""Score buttons, and what a press or a typed score gives an item: one way for the officer's
own score and for the appraiser's (a tier of a tiered item, else points on the rubric's step)."""

from __future__ import annotations

from decimal import Decimal

from conversations import labels
from conversations.events import Button
from rubric.model import Item
from rubric.scoring import fmt, on_step, parse_score, whole_scores


def score_buttons(item: Item) -> list[Button]:
    """A button per tier, else per whole number of points (half points are typed)."""
    if item.is_tiered:
        return [
            Button(str(n), labels.choice(n, fmt(c.points))) for n, c in enumerate(item.choices, 1)
        ]
    return [Button(fmt(v), fmt(v)) for v in whole_scores(item)]


def score_of(
    item: Item, key: str | None, typed: str, step: Decimal
) -> tuple[Decimal, str | None] | None:
    """The points and the tier's id that the pressed ``key`` (else the ``typed`` text) gives
    ``item``; None when that is no score the item allows."""
    if item.is_tiered:
        if key is not None and key.isdigit() and 1 <= int(key) <= len(item.choices):
            choice = item.choices[int(key) - 1]
            return choice.points, choice.id
        return None
    value = parse_score(key if key is not None else typed)
    if value is None or not Decimal(0) <= value <= item.max_points or not on_step(value, step):
        return None
    return value, None
