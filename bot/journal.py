"""What is learned once replies went out, kept in memory and written in batches.

Two facts: an update was answered (its replies were sent: ``inbox.answered_at``), and which
message holds a chat's open question (``identities.open_prompt``: its buttons are retired when
the next question comes, even after a restart). Both are written every ``interval`` seconds
and when the app stops, one transaction for all; a crash loses at most the last moments of
them, and then an update is answered once more after the restart rather than never, and one
old keyboard stays pressable (a press on it is still checked against the database).

``observers`` hear of every answered update at once, ``(channel, update key)``: the tests'
way to wait for the bot's answer to an update instead of waiting for quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import inbox
from storage.models import Identity

log = logging.getLogger(__name__)
UNKNOWN = object()  # no open question of that chat is known in this process yet
PURGE_EVERY = timedelta(hours=1)

_SET_PROMPT = (
    update(Identity)
    .where(Identity.channel == bindparam("ch"), Identity.chat_id == bindparam("chat"))
    .values(open_prompt=bindparam("prompt"))
)


class Journal:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        interval: float = 0.5,
        writing: AbstractAsyncContextManager[object] | None = None,
    ) -> None:
        """``writing``: held while writing (the app's one-writer lock on SQLite)."""
        self.sessions = sessions
        self.interval = interval
        self.writing = writing or nullcontext()
        self.observers: list[Callable[[str, str], None]] = []
        self._answered: dict[str, set[str]] = {}
        self._prompts: dict[tuple[str, str], str | None] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    # -- facts -------------------------------------------------------------------------------
    def answered(self, channel: str, key: str) -> None:
        """The update's replies went out (or it needed none)."""
        self._answered.setdefault(channel, set()).add(key)
        for observe in self.observers:
            observe(channel, key)

    def swap_prompt(self, channel: str, chat_id: str, message_id: str | None) -> object:
        """Record the chat's open question; the one it replaces (None: none; ``UNKNOWN``: not
        known in this process: ask ``stored_prompt``). Read and replaced without an await in
        between, so two replies to one chat at once each retire the one they replaced."""
        previous = self._prompts.get((channel, chat_id), UNKNOWN)
        self._prompts[(channel, chat_id)] = message_id
        self._dirty.add((channel, chat_id))
        return previous

    def close_prompt(self, channel: str, chat_id: str, message_id: str) -> None:
        """The question in ``message_id`` was answered: if it is the open one, none is now."""
        if self._prompts.get((channel, chat_id)) == message_id:
            self.swap_prompt(channel, chat_id, None)

    async def open_prompt(self, channel: str, chat_id: str) -> str | None:
        """The message holding the chat's open question (None: no open question)."""
        known = self._prompts.get((channel, chat_id), UNKNOWN)
        if known is UNKNOWN:
            known = await self.stored_prompt(channel, chat_id)
            self._prompts.setdefault((channel, chat_id), known)  # unless one came meanwhile
            known = self._prompts[(channel, chat_id)]
        return known if isinstance(known, str) else None

    async def stored_prompt(self, channel: str, chat_id: str) -> str | None:
        """The open question the database knows of (written before this process started)."""
        async with self.sessions() as s:
            found = await s.scalar(
                select(Identity.open_prompt).where(
                    Identity.channel == channel,
                    Identity.chat_id == chat_id,
                    Identity.open_prompt.is_not(None),
                )
            )
        return found

    # -- writing -----------------------------------------------------------------------------
    async def flush(self) -> None:
        answered, self._answered = self._answered, {}
        dirty, self._dirty = self._dirty, set()
        if not answered and not dirty:
            return
        prompts = [
            {"ch": channel, "chat": chat, "prompt": self._prompts.get((channel, chat))}
            for channel, chat in dirty
        ]
        try:
            async with self.writing, self.sessions() as s, s.begin():
                for channel, keys in answered.items():
                    await inbox.mark_answered(s, channel, keys)
                if prompts:  # Core executemany (a Session would take it for an ORM bulk update)
                    connection = await s.connection()
                    await connection.execute(_SET_PROMPT, prompts)
        except Exception:  # kept for the next round
            for channel, keys in answered.items():
                self._answered.setdefault(channel, set()).update(keys)
            self._dirty |= dirty
            raise

    async def purge(self) -> None:
        """Forget updates older than any channel may deliver again."""
        async with self.writing, self.sessions() as s, s.begin():
            await inbox.purge_all(s, inbox.now() - inbox.REDELIVERY)

    def start(self) -> None:
        """Write in the background until ``aclose`` (once; later calls do nothing)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self.flush()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_purge = loop.time()
        while True:
            try:
                if loop.time() >= next_purge:
                    next_purge = loop.time() + PURGE_EVERY.total_seconds()
                    await self.purge()
                await self.flush()
            except Exception:  # the next round tries again
                log.warning("the journal could not be written", exc_info=True)
            await asyncio.sleep(self.interval)
