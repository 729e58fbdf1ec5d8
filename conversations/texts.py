"""Chat texts: every message the bot says lives in templates/chat.j2 as a jinja2 macro, every
button label in ``conversations.labels``."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

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
    return env.get_template("chat.j2").module


def msg(name: str, /, **context: Any) -> str:
    """Render the macro ``name`` of chat.j2 with ``context``; surrounding blanks trimmed."""
    macro = getattr(_module(), name)
    return str(macro(**context)).strip()


def progress_bar(fraction: float, width: int = 10) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "▰" * filled + "▱" * (width - filled)
