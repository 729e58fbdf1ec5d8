"""Incoming Zalo Bot Platform updates, parsed leniently into a frozen dataclass.

An update is ``{"event_name": ..., "message": {...}}``; a webhook body may wrap it as
``{"ok": true, "result": <update>}``. Public material disagrees on a few field names, so both
spellings are accepted: the image URL in ``message.photo_url`` or ``message.photo`` (a string,
or an object with ``url``), the sender's name in ``from.display_name``, ``from.first_name`` or
``from.name``, ids as strings or numbers, ``date`` in milliseconds (or seconds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TEXT_RECEIVED = "message.text.received"
IMAGE_RECEIVED = "message.image.received"
STICKER_RECEIVED = "message.sticker.received"
UNSUPPORTED_RECEIVED = "message.unsupported.received"
EVENT_NAMES = frozenset({TEXT_RECEIVED, IMAGE_RECEIVED, STICKER_RECEIVED, UNSUPPORTED_RECEIVED})

_MS_THRESHOLD = 10**11  # below: seconds since the epoch (10**11 ms is 1973, 10**11 s is 5138)


@dataclass(frozen=True)
class ZaloUpdate:
    event_name: str
    message_id: str
    chat_id: str
    user_id: str
    display_name: str | None = None
    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    date: datetime | None = None  # aware, UTC; None when the platform sent none
    is_bot: bool = False
    chat_type: str | None = None  # "PRIVATE" for the chats this bot serves

    @property
    def key(self) -> str:
        """Identifies the update: a redelivered update has the same key."""
        return f"{self.event_name}:{self.message_id}"

    @property
    def known(self) -> bool:
        return self.event_name in EVENT_NAMES


def parse(body: Any) -> ZaloUpdate | None:
    """The update in ``body`` (bare, wrapped in ``{"ok", "result"}``, or its JSON text), or None
    when ``body`` is not an understandable update. Never raises."""
    try:
        return _parse(body)
    except Exception:  # garbage in: never an exception out
        return None


def _parse(body: Any) -> ZaloUpdate | None:
    if isinstance(body, str | bytes | bytearray):
        body = json.loads(body)
    if not isinstance(body, dict):
        return None
    if "event_name" not in body and "result" in body:
        if body.get("ok") is False:
            return None
        body = body["result"]
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        if not isinstance(body, dict):
            return None
    event_name, message = _text(body.get("event_name")), body.get("message")
    if not event_name or not isinstance(message, dict):
        return None
    sender = _dict(message.get("from"))
    chat = _dict(message.get("chat"))
    message_id = _id(message.get("message_id"))
    user_id = _id(sender.get("id")) or _id(chat.get("id"))
    chat_id = _id(chat.get("id")) or user_id
    if not (message_id and chat_id and user_id):
        return None
    return ZaloUpdate(
        event_name=event_name,
        message_id=message_id,
        chat_id=chat_id,
        user_id=user_id,
        display_name=_name(sender),
        text=_str(message.get("text")),
        photo_url=_photo(message),
        caption=_str(message.get("caption")),
        date=_date(message.get("date")),
        is_bot=sender.get("is_bot") is True,
        chat_type=_text(chat.get("chat_type")),
    )


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    """A non-blank string, stripped."""
    return value.strip() or None if isinstance(value, str) else None


def _id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return _text(value)


def _name(sender: dict) -> str | None:
    for field in ("display_name", "first_name", "name"):
        if name := _text(sender.get(field)):
            return name
    return None


def _photo(message: dict) -> str | None:
    for field in ("photo_url", "photo"):
        value = message.get(field)
        if isinstance(value, list) and value:
            value = value[-1]  # a list of sizes: the largest comes last
        if isinstance(value, dict):
            value = value.get("url") or value.get("photo_url")
        if url := _text(value):
            return url
    return None


def _date(value: Any) -> datetime | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    seconds = value / 1000 if value >= _MS_THRESHOLD else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
