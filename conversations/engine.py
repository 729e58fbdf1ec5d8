"""One event in, what to say out, in one transaction: who sent it, onboarding (an invite, a
link code), the update's claim (a redelivered update changes nothing), then the appraiser's
conversation (``appraiser/flow.py``) or the officer's (``officer/flow.py``); a concurrent
change is retried; the documents the replies ask for are made after the commit. No channel or
HTTP library is used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import replace
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from conversations.appraiser.flow import AppraiserFlow
from conversations.events import (
    Command,
    DocumentRefused,
    Event,
    Reply,
    Sender,
    Start,
)
from conversations.officer.context import Ctx
from conversations.officer.flow import OfficerFlow
from conversations.officer.screens import refuse_input
from conversations.onboarding import link_code, redeem, typed_code
from conversations.texts import msg
from rubric.model import Rubric
from storage import inbox
from storage.who import Who, who

# (assessment id, kinds, draft) -> the .docx files
ReportMaker = Callable[[int, tuple[str, ...], bool], Awaitable[list[Path]]]
# awaited before a document is made, with the replies ready before it: the channel sends them
# at once (the officer reads "submitted" while the report is made) and shows "sending a file…"
Busy = Callable[[list[Reply]], Awaitable[None]]
SummaryMaker = Callable[[int], Awaitable[list[Path]]]  # period id -> XLSX, DOCX, PNG
BundleMaker = Callable[[str, int], Awaitable[Path]]  # ("unit"|"district", id) -> the ZIP
Made = dict[tuple[int, tuple[str, ...], bool], list[Path]]  # reports made for one event
Handled = Callable[[str, float, bool], None]  # (channel, seconds, failed)

log = logging.getLogger(__name__)


class Engine:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rubric_for: Callable[[str], Rubric],
        make_report: ReportMaker,
        evidence_root: Path = Path("data/evidence"),
        make_summary: SummaryMaker | None = None,
        *,
        make_bundle: BundleMaker | None = None,
        one_writer: bool = False,
        on_handled: Handled | None = None,
    ) -> None:
        """``one_writer``: the database takes one write transaction at a time (SQLite), so this
        process runs its transactions one after another instead of letting them queue on the
        database's lock (where a wait past its busy timeout fails with "database is locked").
        ``on_handled``: told of every event handled (channel, seconds, failed), e.g. metrics."""
        self.on_handled = on_handled
        self.sessions = sessions
        self.writing: AbstractAsyncContextManager[object] = (
            asyncio.Lock() if one_writer else nullcontext()
        )
        self.rubric_for = rubric_for
        self.make_report = make_report
        self.make_summary = make_summary
        self.make_bundle = make_bundle
        self.officer = OfficerFlow(rubric_for)
        self.appraiser = AppraiserFlow(rubric_for, evidence_root)
        self.observers = self.officer.observers  # (before, after, event) of the officer's moves

    async def handle(
        self,
        sender: Sender,
        event: Event,
        *,
        update_key: str | None = None,
        busy: Busy | None = None,
    ) -> list[Reply]:
        """Handle one event in one transaction and return what to say.

        ``update_key`` (the channel's key of the update) makes a redelivered update change
        nothing: it gets the person's current question again. ``busy`` is awaited before slow
        work (a document) with the replies ready before it, for the channel to send them now
        and show "sending a file…"; what is returned is then only what follows. A concurrent
        change of the same assessment by another process is retried.
        """
        started, failed = time.perf_counter(), True
        try:
            replies = await self._handle(sender, event, update_key, busy)
            failed = False
            return replies
        finally:
            if self.on_handled is not None:
                self.on_handled(sender.channel, time.perf_counter() - started, failed)

    async def _handle(
        self, sender: Sender, event: Event, update_key: str | None, busy: Busy | None
    ) -> list[Reply]:
        for attempt in range(3):
            try:
                return await self._handle_once(sender, event, update_key, busy)
            except StaleDataError:
                if attempt == 2:
                    raise
            except IntegrityError:
                if update_key is None or not await self._handled(sender.channel, update_key):
                    raise
                return await self.current(sender)  # another process handled it first
        raise AssertionError("unreachable")

    async def peek(self, sender: Sender) -> Reply | None:
        """The officer's current question, changing nothing (None: not an officer here)."""
        async with self.sessions() as s:
            found = await who(s, sender.channel, sender.user_id, lock=False)
            ctx = (
                await self.officer.context(s, found, sender.channel)
                if found.person is not None
                else None
            )
            reply = await self.officer.prompt_of(ctx) if isinstance(ctx, Ctx) else None
            await s.rollback()  # _context may have made the assessment: keep nothing
            return reply

    async def current(self, sender: Sender) -> list[Reply]:
        """What the person is being asked now (the officer's question, the appraiser's
        screen), changing nothing: the answer to an update that was handled before."""
        async with self.sessions() as s:
            found = await who(s, sender.channel, sender.user_id, lock=False)
            if found.person is None:
                return [Reply(msg("unknown_user"))]
            replies = await self._again(s, found, sender.channel)
            await s.rollback()  # keep nothing of what loading may have made
            return replies

    async def refuse_file(self, sender: Sender) -> Reply | None:
        """Why a file from ``sender`` cannot be taken now (None: it can), asked before the
        channel downloads or stores anything: strangers, removed people, appraisers and
        locked assessments get the same answer their text would get."""
        async with self.sessions() as s:
            found = await who(s, sender.channel, sender.user_id, lock=False)
            if found.person is None:
                return Reply(msg("unknown_user"))
            ctx = await self.officer.context(s, found, sender.channel)
            refused = ctx if isinstance(ctx, Reply) else None
            if isinstance(ctx, Ctx) and ctx.locked:
                refuse_input(ctx)
                refused = ctx.replies[-1]
            await s.rollback()
            return refused

    async def _handled(self, channel: str, update_key: str) -> bool:
        async with self.sessions() as s:
            return await inbox.handled(s, channel, update_key)

    async def _handle_once(
        self, sender: Sender, event: Event, update_key: str | None, busy: Busy | None
    ) -> list[Reply]:
        async with self.writing, self.sessions() as s, s.begin():
            replies = await self._in_transaction(s, sender, event, update_key)
        return await self.attach_reports(replies, busy)  # after the commit: the slow part

    async def _in_transaction(
        self, s: AsyncSession, sender: Sender, event: Event, update_key: str | None
    ) -> list[Reply]:
        prefix: list[Reply] = []
        found = await who(s, sender.channel, sender.user_id)
        if found.person is None:  # an invite or link code typed into the chat counts as /start
            event = typed_code(event) or event
        if isinstance(event, Start) and event.token:
            prefix, stop = await redeem(s, sender, event.token)
            if stop:
                return prefix
            found = await who(s, sender.channel, sender.user_id)
        person, grants = found.person, found.grants
        if person is None:  # nothing of a stranger is written, not even the update's key
            return [*prefix, Reply(msg("unknown_user"))]
        if update_key is not None and not await inbox.claim(
            s, sender.channel, update_key, sender.user_id, sender.chat_id
        ):
            return await self._again(s, found, sender.channel)
        if isinstance(event, Command) and event.name == "lienket":
            return [await link_code(s, person, grants)]
        if self.appraiser.wants(person, grants, event):
            return [*prefix, *await self.appraiser.handle(s, found, event)]
        return await self.officer.handle(s, found, event, prefix, sender.channel)

    async def _again(self, s: AsyncSession, found: Who, channel: str) -> list[Reply]:
        """What the person is being asked now: a redelivered update changes nothing."""
        assert found.person is not None
        if self.appraiser.active(found.person, found.grants):
            return await self.appraiser.current(s, found)
        return [await self.officer.current(s, found, channel)]

    async def attach_reports(self, replies: list[Reply], busy: Busy | None) -> list[Reply]:
        """After the commit: make the documents the replies ask for (the slow part). A document
        that cannot be made is a short message in its place: the replies after it (the next
        question, with its buttons) are sent all the same. With ``busy``, the replies before
        each document go to it first, and only those after the last one are returned."""
        made: Made = {}
        done: list[Reply] = []
        for reply in replies:
            if busy is not None and self._slow(reply, made):
                await busy(done)
                done = []
            try:
                done.extend(await self._documents(reply, made))
            except DocumentRefused as refused:
                done.append(Reply(refused.message, recipient=reply.recipient))
            except Exception:
                log.exception("document not made for %s", reply.text[:60])
                done.append(Reply(msg("document_failed"), recipient=reply.recipient))
        return done

    def _wants(self, reply: Reply) -> tuple[bool, bool]:
        """Does ``reply`` ask for the district's summary, for a bundle (when they can be made)?"""
        summary = reply.summary_for is not None and self.make_summary is not None
        return summary, reply.bundle is not None and self.make_bundle is not None

    def _slow(self, reply: Reply, made: Made) -> bool:
        """Does ``reply`` wait for a document not made yet in this event?"""
        key = _report_key(reply)
        return any(self._wants(reply)) or (key is not None and key not in made)

    async def _documents(self, reply: Reply, made: Made) -> list[Reply]:
        """``reply`` with the documents it asks for made (each report made once per event)."""
        key = _report_key(reply)
        summary, bundle = self._wants(reply)
        if summary:
            assert reply.summary_for is not None and self.make_summary is not None
            paths = await self.make_summary(reply.summary_for)
            return [
                Reply(reply.text, recipient=reply.recipient),
                *(Reply(p.name, document=p, recipient=reply.recipient) for p in paths),
            ]
        if bundle:
            assert reply.bundle is not None and self.make_bundle is not None
            path = await self.make_bundle(*reply.bundle)
            return [replace(reply, document=path, filename=path.name, bundle=None)]
        if key is not None:
            if key not in made:
                made[key] = await self.make_report(*key)
            first, *more = made[key]
            reply.document = first
            return [reply, *(Reply(p.name, document=p, recipient=reply.recipient) for p in more)]
        return [reply]


def _report_key(reply: Reply) -> tuple[int, tuple[str, ...], bool] | None:
    """The report ``reply`` asks for: (assessment id, kinds, draft); None: no report."""
    if reply.report_for is None:
        return None
    return (reply.report_for, reply.report_kinds, reply.draft)
