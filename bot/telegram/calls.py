"""The Bot API calls whose answer the bot reads as JSON, not as a python-telegram-bot object.

``Bot.send_message`` and the edits build a ``Message`` from every answer (its sender, chat and
keyboard), for a message id at most: 16 % of the event loop's py-spy samples under load, 4 %
after (bench/RESULTS.md; what is left parses the incoming updates).
``Bot.do_api_request`` sends the same request through the same rate limiter and raises the same
errors, and leaves the answer as JSON. python-telegram-bot then warns that the method exists;
that warning is ignored here and in pytest's settings (pyproject.toml), for these calls only.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot
from telegram.warnings import PTBUserWarning

from bot.telegram.render import Markup

SEND, EDIT_TEXT, EDIT_MARKUP = "sendMessage", "editMessageText", "editMessageReplyMarkup"
warnings.filterwarnings(
    "ignore",
    message=rf"Please use 'Bot\.({SEND}|{EDIT_TEXT}|{EDIT_MARKUP})'",
    category=PTBUserWarning,
)


async def _call(bot: Bot, method: str, **params: Any) -> Any:
    return await bot.do_api_request(method, api_kwargs=params)


async def send_text(bot: Bot, chat_id: int, text: str, markup: Markup | None = None) -> int:
    """Send ``text`` (with ``markup``'s buttons); the new message's id."""
    sent = await _call(bot, SEND, chat_id=chat_id, text=text, reply_markup=markup)
    return int(sent["message_id"])


async def edit_text(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
    """Replace a message's text; its buttons go."""
    await _call(bot, EDIT_TEXT, chat_id=chat_id, message_id=message_id, text=text)


async def drop_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Remove a message's buttons."""
    await _call(bot, EDIT_MARKUP, chat_id=chat_id, message_id=message_id)
