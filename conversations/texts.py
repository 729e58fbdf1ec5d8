"""Chat texts: every message the bot says lives in templates/chat.j2 as a jinja2 macro, every
button label in ``conversations.labels``."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from rubric.model import Item
from rubric.scoring import fmt, subtotal
from rubric.vietnam import file_size, vn_date, vn_datetime
from storage import filetypes


@cache
def _module() -> Any:
    env = Environment(
        loader=PackageLoader("conversations", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain chat text; channels escape for their own markup
    )
    env.filters["pts"] = fmt
    env.filters["bar"] = progress_bar
    env.filters["vn_date"] = vn_date
    env.filters["vn_datetime"] = vn_datetime
    env.filters["size"] = file_size
    env.globals["file_types"] = filetypes.LABELS
    env.globals["subtotal"] = subtotal  # a criterion's points, a bonus or penalty capped
    env.globals["tier_parts"] = tier_parts
    env.globals["tier_lines"] = tier_lines
    env.globals["tiers_apart"] = tiers_apart
    return env.get_template("chat.j2").module


def msg(name: str, /, **context: Any) -> str:
    """Render the macro ``name`` of chat.j2 with ``context``; surrounding blanks trimmed."""
    macro = getattr(_module(), name)
    return str(macro(**context)).strip()


COMMON_MIN = 40  # characters the tiers must share before they are shown once, apart


def tier_parts(item: Item) -> tuple[str, list[str]]:
    """The tiers' texts as a phone should show them: the words all tiers begin with, once
    (empty when they share little), and what each tier says after them: where they differ."""
    labels = [" ".join(c.label.split()) for c in item.choices]
    words = [label.split(" ") for label in labels]
    n = 0
    while all(len(w) > n + 1 for w in words) and len({w[n] for w in words}) == 1:
        n += 1
    common = " ".join(words[0][:n]) if words else ""
    if len(common) < COMMON_MIN:
        return "", labels
    return common.rstrip(" ,;:"), [" ".join(w[n:]) for w in words]


MESSAGE_LIMIT = 1000  # characters of one message in the questionnaire (a phone's screenful)
TIERS_INLINE = 600  # an item's text and its tiers up to this: one message; above, tiers apart


def tier_lines(item: Item) -> list[str]:
    """ "1) … → 5 điểm" for each tier, in full (the words all tiers begin with said once)."""
    common, tails = tier_parts(item)
    lead = [f"Các mức cùng có: «{common}…»"] if common else []
    dots = "…" if common else ""
    return lead + [
        f"{n}) {dots}{tail} → {fmt(c.points)} điểm"
        for n, (c, tail) in enumerate(zip(item.choices, tails, strict=True), 1)
    ]


def tiers_apart(item: Item) -> bool:
    """The tiers are too long to share the question's message: they come just above it."""
    return item.is_tiered and len(item.label) + sum(map(len, tier_lines(item))) > TIERS_INLINE


def packed(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """``lines`` in as few messages as stay within ``limit`` characters each."""
    parts: list[str] = []
    for line in lines:
        if parts and len(parts[-1]) + 2 + len(line) <= limit:
            parts[-1] = f"{parts[-1]}\n\n{line}"
        else:
            parts.append(line)
    return parts


def progress_bar(fraction: float, width: int = 10) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "▰" * filled + "▱" * (width - filled)
