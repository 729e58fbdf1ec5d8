"""The channels' side of the inbox (``storage.inbox``): keeping a received update until it is
handled, and after a restart answering what a crash interrupted. Each channel says how it
handles a stored update again and how it shows replies in a chat."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from conversations.events import Reply, Sender
from storage import inbox

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
Show = Callable[[Sender, list[Reply]], Awaitable[object]]
Handle = Callable[[inbox.Stored], Awaitable[object]]


async def keep(app: App, channel: str, key: str, sender: Sender, body: str) -> None:
    """Store the update of a known person before the platform is told it arrived. A failure
    is logged and the update handled all the same: only its protection against a crash is
    lost, never the update."""
    try:
        async with app.engine.writing, app.sessions() as s, s.begin():
            await inbox.receive(s, channel, key, sender.user_id, sender.chat_id, body)
    except Exception:
        log.exception("%s update %s could not be stored in the inbox", channel, key)


async def keep_all(app: App, channel: str, updates: list[tuple[str, Sender, str]]) -> None:
    """``keep`` for several updates (key, sender, body), in one transaction."""
    if not updates:
        return
    rows = [(key, sender.user_id, sender.chat_id, body) for key, sender, body in updates]
    try:
        async with app.engine.writing, app.sessions() as s, s.begin():
            await inbox.receive_many(s, channel, rows)
    except Exception:
        keys = ", ".join(key for key, _, _ in updates)
        log.exception("%s updates %s could not be stored in the inbox", channel, keys)


async def recover(app: App, channel: str, show: Show, handle: Handle) -> None:
    """After a restart, in the order things happened: the current question where an update was
    handled but its answer may not have gone out (``show``); then what was stored and never
    handled (``handle``)."""
    since = inbox.now() - inbox.REDELIVERY
    async with app.sessions() as s:
        waiting = await inbox.pending(s, channel, since)
        unanswered = await inbox.unanswered(s, channel, since)
    for row in unanswered:
        if row.user_id is None or row.chat_id is None:
            continue
        sender = Sender(channel, row.user_id, row.chat_id)
        await show(sender, await app.engine.current(sender))
        app.journal.answered(channel, row.key)
    for row in waiting:
        try:
            await handle(row)
        except Exception:
            log.exception("stored %s update %s could not be handled; skipped", channel, row.key)
    if waiting or unanswered:
        log.info(
            "%s after the restart: %d stored updates handled, %d answered again",
            channel,
            len(waiting),
            len(unanswered),
        )
