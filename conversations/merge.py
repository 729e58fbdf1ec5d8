"""Fewer, fuller messages: a short notice ("✔️ I.1: 2/2 điểm") travels in the same message as
the question that follows it, so a step costs the officer one message, not two."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from conversations.events import Reply


def _own_text(reply: Reply) -> bool:
    """A text for the sender's own chat: no file, report, summary, alert, link to make or other
    recipient."""
    return (
        reply.recipient is None
        and reply.document is None
        and not reply.alert
        and reply.report_for is None
        and reply.summary_for is None
        and reply.bundle is None
        and reply.desk_for is None
    )


def merge_notices(
    replies: list[Reply], limit: int, shown: Callable[[Reply], str] | None = None
) -> list[Reply]:
    """Each notice (an own-chat text without buttons) joins the next own-chat text when both
    fit in ``limit`` as the channel shows them (``shown``: a reply's text with what the channel
    adds, its choices written out on Zalo)."""
    size = (lambda r: len(shown(r))) if shown is not None else (lambda r: len(r.text))
    merged: list[Reply] = []
    for reply in replies:
        last = merged[-1] if merged else None
        if (
            last is not None
            and _own_text(last)
            and not last.buttons
            and _own_text(reply)
            and size(last) + 2 + size(reply) <= limit
        ):
            merged[-1] = replace(reply, text=f"{last.text}\n\n{reply.text}")
        else:
            merged.append(reply)
    return merged
