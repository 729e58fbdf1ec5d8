"""Fewer, fuller messages: a short notice ("✔️ I.1: 2/2 điểm") travels in the same message as
the question that follows it, so a step costs the officer one message, not two."""

from __future__ import annotations

from dataclasses import replace

from conversations.events import Reply


def _plain(reply: Reply) -> bool:
    return (
        reply.recipient is None
        and reply.document is None
        and not reply.buttons
        and not reply.alert
        and reply.report_for is None
        and reply.summary_for is None
    )


def merge_notices(replies: list[Reply], limit: int) -> list[Reply]:
    """Each plain notice joins the next own-chat text reply when both fit in ``limit``."""
    merged: list[Reply] = []
    pending: Reply | None = None
    for reply in replies:
        if pending is not None:
            joinable = (
                reply.recipient is None
                and reply.document is None
                and not reply.alert
                and reply.report_for is None
                and reply.summary_for is None
                and len(pending.text) + 2 + len(reply.text) <= limit
            )
            if joinable:
                reply = replace(reply, text=f"{pending.text}\n\n{reply.text}")
            else:
                merged.append(pending)
            pending = None
        if _plain(reply):
            pending = reply
        else:
            merged.append(reply)
    if pending is not None:
        merged.append(pending)
    return merged
