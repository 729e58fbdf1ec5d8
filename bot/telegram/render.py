"""Engine replies as Telegram messages: text chunks and inline keyboards."""

from __future__ import annotations

from typing import Any

from bot.channel.text import split_text
from bot.telegram import callback
from conversations.events import Reply

TEXT_LIMIT = 4096
Markup = dict[str, Any]  # the Bot API's InlineKeyboardMarkup as JSON


def keyboard(reply: Reply) -> Markup | None:
    """The reply's buttons as the Bot API's JSON (sent as it is: python-telegram-bot's objects
    would be built only to be turned back into this, for every question)."""
    if not reply.buttons or reply.assessment_id is None or reply.target is None:
        return None
    aid, target = reply.assessment_id, reply.target
    rows = [
        [{"text": b.label, "callback_data": callback.encode(aid, target, b.key)} for b in row]
        for row in reply.buttons
    ]
    return {"inline_keyboard": rows}


def chunks(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split a long text at paragraph, then line, then word boundaries."""
    return split_text(text, limit) or [""]


def chosen(text: str, label: str) -> str:
    """The question's text once answered: what was chosen is appended, buttons go."""
    suffix = f"\n\n➡️ {label}"
    return (text[: TEXT_LIMIT - len(suffix)] + suffix) if text else suffix.strip()
