"""Score arithmetic shared by the conversation, the reports and the appraisal."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from rubric.model import Criterion, Item, Kind, Rubric

_NUMBER = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(?:đ|điểm|d)?\s*$", re.IGNORECASE)


def parse_score(text: str) -> Decimal | None:
    """Parse "4", "4,5", "4.5" or "4,5 điểm"; None when it is not a plain number."""
    m = _NUMBER.match(text)
    if not m:
        return None
    try:
        return Decimal(m.group(1).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        return None


def on_step(value: Decimal, step: Decimal) -> bool:
    return (value / step) == (value / step).to_integral_value()


def allowed_scores(item: Item, step: Decimal) -> list[Decimal]:
    """Every score the item admits: its tiers' points, or 0..max on the step."""
    if item.is_tiered:
        return [c.points for c in item.choices]
    n = int(item.max_points / step)
    return [step * k for k in range(n + 1)]


def whole_scores(item: Item) -> list[Decimal]:
    """The whole-point scores 0..max, used for buttons (halves are typed)."""
    return [Decimal(k) for k in range(int(item.max_points) + 1)]


def subtotal(criterion: Criterion, scores: Mapping[str, Decimal | None]) -> Decimal:
    """The criterion's points; a bonus or a penalty at most its cap (a penalty's points are
    what is taken off, written without the sign)."""
    points = sum(
        (scores[i.id] for i in criterion.items if scores.get(i.id) is not None),
        Decimal(0),
    )
    return points if criterion.scored else min(points, criterion.max_points)


def signed_subtotal(criterion: Criterion, scores: Mapping[str, Decimal | None]) -> Decimal:
    """What the criterion adds to the total: a penalty's points taken off (−2)."""
    points = subtotal(criterion, scores)
    return -points if criterion.kind is Kind.PENALTY else points


def effective_scores(
    rubric: Rubric, scores: Mapping[str, Decimal | None], choices: Mapping[str, str]
) -> dict[str, Decimal]:
    """Answered scores; a tiered item with a choice but no score gets the tier's points."""
    out = {k: v for k, v in scores.items() if v is not None}
    for item in rubric.items():
        choice = item.choice(choices.get(item.id, "")) if item.is_tiered else None
        if choice is not None and item.id not in out:
            out[item.id] = choice.points
    return out


def total_of(parts: Iterable[Decimal]) -> Decimal:
    """The total of the criteria's signed subtotals: never below 0."""
    return max(sum(parts, Decimal(0)), Decimal(0))


def total(rubric: Rubric, scores: Mapping[str, Decimal | None]) -> Decimal:
    """The criteria's points, plus the bonus, less the penalty; never below 0."""
    return total_of(signed_subtotal(c, scores) for c in rubric.criteria)


def unanswered(
    rubric: Rubric, scores: Mapping[str, Decimal | None], appraiser: bool = False
) -> list[Item]:
    """The required items not scored yet: the unit's own, or (``appraiser``) all of them."""
    items = rubric.items() if appraiser else rubric.unit_items()
    return [i for i in items if i.required and scores.get(i.id) is None]


def fmt(value: Decimal | int | None) -> str:
    """Vietnamese number format: 4,5 and 12 (no trailing zeros); empty for None. An int is
    accepted too (a template's sum that starts at 0 stays 0 when nothing was scored)."""
    if value is None:
        return ""
    normalized = Decimal(value).quantize(Decimal("0.1")).normalize()
    text = f"{normalized:f}"
    return text.replace(".", ",")
