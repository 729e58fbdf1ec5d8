"""Calls to the Bot API that must not crash a handler: retried on network errors,
harmless failures ("message is not modified", "query is too old") ignored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

log = logging.getLogger(__name__)
T = TypeVar("T")
BACKOFF = (0.5, 1.0, 2.0)
HARMLESS = ("message is not modified", "query is too old", "message to edit not found")


async def retrying(call: Callable[[], Awaitable[T]]) -> T:
    """Run ``call``; a network error or timeout is retried with backoff (RetryAfter is the
    rate limiter's job). Bad requests and blocked chats are not retried."""
    for delay in BACKOFF:
        try:
            return await call()
        except (BadRequest, Forbidden):
            raise
        except (NetworkError, TimedOut) as exc:
            log.warning("Telegram call failed (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
    return await call()


async def quietly(call: Callable[[], Awaitable[object]]) -> None:
    """Run a cosmetic call (edit, answer); its harmless failures are only logged."""
    try:
        await retrying(call)
    except BadRequest as exc:
        if not any(text in str(exc).lower() for text in HARMLESS):
            raise
        log.debug("ignored: %s", exc)
