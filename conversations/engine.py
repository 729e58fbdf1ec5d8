"""The officer's conversation as a state machine: event in, replies out.

The state lives in the database (each person's ``Position`` in the assessment: two officers
of a unit each answer their own question); every event is handled in one transaction, so an
answer is stored the moment it arrives and a restart continues at the same question. No
channel or HTTP library is used.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from conversations.appraiser.flow import AppraiserFlow
from conversations.events import (
    Choice,
    Command,
    DocumentRefused,
    Event,
    FileUpload,
    Reply,
    Sender,
    Start,
    Text,
)
from conversations.flow import StateTable
from conversations.input import key_of
from conversations.officer import questions, screens, signer
from conversations.officer.context import Ctx
from conversations.officer.evidence import attach
from conversations.officer.navigation import enter, resume_point
from conversations.onboarding import link_code, redeem, typed_code
from conversations.states import (
    CONFIRM,
    EDIT,
    EDIT_CRITERION,
    EVIDENCE,
    MENU,
    NAV_KEYS,
    RATING,
    RESULTS,
    REVIEW,
    SCORE,
    SHORTCOMINGS,
    SIGNER_NAME,
    SIGNER_TITLE,
    STRENGTHS,
    State,
)
from conversations.texts import msg
from rubric.model import Rubric
from rubric.scoring import parse_score
from storage import assessments as repo
from storage import inbox, people
from storage.models import Membership, Person, Role, Status

# (assessment id, kinds, draft) -> the .docx files
ReportMaker = Callable[[int, tuple[str, ...], bool], Awaitable[list[Path]]]
Busy = Callable[[], Awaitable[None]]
SummaryMaker = Callable[[int], Awaitable[list[Path]]]  # period id -> XLSX, DOCX, PNG
BundleMaker = Callable[[str, int], Awaitable[Path]]  # ("unit"|"district", id) -> the ZIP
Made = dict[tuple[int, tuple[str, ...], bool], list[Path]]  # reports made for one event

log = logging.getLogger(__name__)

# state kind -> (screen, input handler)
STATES: StateTable[Ctx] = StateTable(
    {
        MENU: (screens.ask_menu, screens.on_menu),
        SCORE: (questions.ask_score, questions.on_score),
        RESULTS: (questions.ask_results, questions.on_results),
        EVIDENCE: (questions.ask_evidence, questions.on_evidence),
        STRENGTHS: (questions.ask_note, questions.on_note),
        SHORTCOMINGS: (questions.ask_note, questions.on_note),
        REVIEW: (screens.ask_review, screens.on_review),
        EDIT: (screens.ask_edit, screens.on_edit),
        EDIT_CRITERION: (screens.ask_edit_criterion, screens.on_edit_criterion),
        RATING: (screens.ask_rating, screens.on_rating),
        CONFIRM: (screens.ask_confirm, screens.on_confirm),
        SIGNER_NAME: (signer.ask_signer_name, signer.on_signer_name),
        SIGNER_TITLE: (signer.ask_signer_title, signer.on_signer_title),
    },
    home=MENU,
)

# The screens that show neither the criteria notes nor the files: their events load neither
LIGHT = frozenset({SCORE, RESULTS})

# Commands that work whatever the state (the Telegram menu registers these).
COMMANDS = (
    "start", "tieptuc", "xemlai", "tiendo", "baocao", "hoso", "huongdan", "huy", "lienket",
)  # fmt: skip
APPRAISER_COMMANDS = ("donvi", "thamdinh", "tonghop", "hoso")


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
    ) -> None:
        """``one_writer``: the database takes one write transaction at a time (SQLite), so this
        process runs its transactions one after another instead of letting them queue on the
        database's lock (where a wait past its busy timeout fails with "database is locked")."""
        self.sessions = sessions
        self.writing: AbstractAsyncContextManager[object] = (
            asyncio.Lock() if one_writer else nullcontext()
        )
        self.rubric_for = rubric_for
        self.make_report = make_report
        self.make_summary = make_summary
        self.make_bundle = make_bundle
        self.appraiser = AppraiserFlow(rubric_for, evidence_root)
        self.observers: list[Callable[[str, str, Event], None]] = []  # (before, after, event)

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
        work (the report), e.g. to show "sending a file…". A concurrent change of the same
        assessment by another process is retried.
        """
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
            person, grants = await people.person_and_memberships(s, sender.channel, sender.user_id)
            ctx = await self._context(s, person, grants) if person is not None else None
            reply = await self.prompt_of(ctx) if isinstance(ctx, Ctx) else None
            await s.rollback()  # _context may have made the assessment: keep nothing
            return reply

    async def current(self, sender: Sender) -> list[Reply]:
        """What the person is being asked now (the officer's question, the appraiser's
        screen), changing nothing: the answer to an update that was handled before."""
        async with self.sessions() as s:
            person, grants = await people.person_and_memberships(s, sender.channel, sender.user_id)
            if person is None:
                return [Reply(msg("unknown_user"))]
            if self.appraiser.active(person, grants):
                replies = await self.appraiser.current(s, person)
            else:
                ctx = await self._context(s, person, grants)
                replies = [await self.prompt_of(ctx) if isinstance(ctx, Ctx) else ctx]
            await s.rollback()  # keep nothing of what loading may have made
            return replies

    async def refuse_file(self, sender: Sender) -> Reply | None:
        """Why a file from ``sender`` cannot be taken now (None: it can), asked before the
        channel downloads or stores anything: strangers, removed people, appraisers and
        locked assessments get the same answer their text would get."""
        async with self.sessions() as s:
            person, grants = await people.person_and_memberships(s, sender.channel, sender.user_id)
            if person is None:
                return Reply(msg("unknown_user"))
            ctx = await self._context(s, person, grants)
            refused = ctx if isinstance(ctx, Reply) else None
            if isinstance(ctx, Ctx) and ctx.assessment.status != Status.DRAFT:
                refused = Reply(msg("locked_input", assessment=ctx.assessment))
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
        person, grants = await people.person_and_memberships(s, sender.channel, sender.user_id)
        if person is None:  # an invite or link code typed into the chat counts as /start
            event = typed_code(event) or event
        if isinstance(event, Start) and event.token:
            prefix, stop = await redeem(s, sender, event.token)
            if stop:
                return prefix
            person, grants = await people.person_and_memberships(s, sender.channel, sender.user_id)
        if person is None:  # nothing of a stranger is written, not even the update's key
            return [*prefix, Reply(msg("unknown_user"))]
        if update_key is not None and not await inbox.claim(
            s, sender.channel, update_key, sender.user_id, sender.chat_id
        ):
            return await self._again(s, person, grants)
        if isinstance(event, Command) and event.name == "lienket":
            return [await link_code(s, person, grants)]
        if self.appraiser.wants(person, grants, event):
            return [*prefix, *await self.appraiser.handle(s, person, event)]
        person.cursor = None  # back in the officer's conversation
        ctx_or_reply = await self._context(s, person, grants)
        if isinstance(ctx_or_reply, Reply):
            return [*prefix, ctx_or_reply]
        ctx = ctx_or_reply
        ctx.replies.extend(prefix)
        await self._changed_by_others(ctx)
        before = ctx.state.kind
        if not (isinstance(event, Choice | Text) and self._light(ctx)):
            await ctx.load_details()  # commands, files and the other screens show them
        await self._dispatch(ctx, event)
        for observe in self.observers:
            observe(before, ctx.state.kind, event)
        self._seen(ctx)
        if ctx.ask_next:
            ctx.replies.append(await self.prompt_of(ctx))
        if ctx.want_report:
            draft = ctx.assessment.status == Status.DRAFT
            caption = msg("report_caption", draft=draft)
            kinds = ctx.want_report if isinstance(ctx.want_report, tuple) else ("unit",)
            reply = Reply(caption, report_for=ctx.assessment.id, draft=draft, report_kinds=kinds)
            ctx.replies.append(reply)
        return ctx.replies

    async def _again(
        self, s: AsyncSession, person: Person, grants: list[Membership]
    ) -> list[Reply]:
        """A redelivered update: nothing changes, the person sees where they are."""
        if self.appraiser.active(person, grants):
            return await self.appraiser.current(s, person)
        ctx = await self._context(s, person, grants)
        return [await self.prompt_of(ctx) if isinstance(ctx, Ctx) else ctx]

    @staticmethod
    def _seen(ctx: Ctx) -> None:
        """The assessment's content changed: a new version; this person has seen it."""
        now = datetime.now(UTC)
        if ctx.changed:
            ctx.assessment.updated_at = now  # bumps the version at the flush
        version = ctx.assessment.version + (1 if ctx.s.is_modified(ctx.assessment) else 0)
        position = ctx.position
        if position.seen_version != version or position in ctx.s.new or ctx.s.is_modified(position):
            position.seen_version, position.updated_at = version, now

    @staticmethod
    async def _changed_by_others(ctx: Ctx) -> None:
        """Tell the person about items they had answered that someone else changed since
        their last step (the later answer is the one kept)."""
        position = ctx.position
        if position.seen_version in (None, ctx.assessment.version) or position.updated_at is None:
            return
        changes = await repo.changed_by_others(
            ctx.s, ctx.assessment.id, ctx.person.id, position.updated_at
        )
        if changes:
            ctx.say_msg("changed_by_others", changes=changes, rubric=ctx.rubric)

    async def attach_reports(self, replies: list[Reply], busy: Busy | None) -> list[Reply]:
        """After the commit: make the documents the replies ask for (the slow part). A document
        that cannot be made is a short message in its place: the replies after it (the next
        question, with its buttons) are sent all the same."""
        made: Made = {}
        done: list[Reply] = []
        for reply in replies:
            try:
                done.extend(await self._documents(reply, made, busy))
            except DocumentRefused as refused:
                done.append(Reply(refused.message, recipient=reply.recipient))
            except Exception:
                log.exception("document not made for %s", reply.text[:60])
                done.append(Reply(msg("document_failed"), recipient=reply.recipient))
        return done

    async def _documents(self, reply: Reply, made: Made, busy: Busy | None) -> list[Reply]:
        """``reply`` with the documents it asks for made (each report made once per event)."""
        key = None
        if reply.report_for is not None:
            key = (reply.report_for, reply.report_kinds, reply.draft)
        summary = reply.summary_for is not None and self.make_summary is not None
        bundle = reply.bundle is not None and self.make_bundle is not None
        if busy is not None and (summary or bundle or (key is not None and key not in made)):
            await busy()  # "sending a file…" while it is made
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

    @staticmethod
    def _light(ctx: Ctx) -> bool:
        """The current screen shows neither the notes nor the files (a score, a results text)."""
        return ctx.assessment.status == Status.DRAFT and ctx.state.kind in LIGHT

    async def prompt_of(self, ctx: Ctx) -> Reply:
        """The current question, with what it shows loaded."""
        if not self._light(ctx):
            await ctx.load_details()
        return self.prompt(ctx)

    @staticmethod
    def prompt(ctx: Ctx) -> Reply:
        if ctx.assessment.status != Status.DRAFT:
            return screens.ask_submitted(ctx)
        ask, _ = STATES.entry(ctx.state.kind)
        reply = ask(ctx)
        assert isinstance(reply, Reply)  # the officer's screens are plain functions
        reply.assessment_id = ctx.assessment.id
        return reply

    async def _dispatch(self, ctx: Ctx, event: Event) -> None:
        if isinstance(event, Command) and event.name not in COMMANDS + APPRAISER_COMMANDS:
            ctx.say_msg("unknown_command", name=event.name)
            ctx.ask_next = False
            return
        if isinstance(event, Start | Command):
            await self._command(ctx, "start" if isinstance(event, Start) else event.name)
            return
        if isinstance(event, Choice) and event.assessment_id not in (None, ctx.assessment.id):
            self._refuse(ctx)  # another unit's button: forged
            return
        if ctx.assessment.status != Status.DRAFT:
            ctx.say_msg("locked_input", assessment=ctx.assessment)
            ctx.ask_next = False
            return
        if isinstance(event, FileUpload) and event.item_id is not None:
            if event.assessment_id not in (None, ctx.assessment.id):
                ctx.say_msg("web_file_other_assessment")  # a link of an earlier year
                ctx.ask_next = False
                return
            await self._web_file(ctx, event, event.item_id)
            return
        state = ctx.state
        if isinstance(event, Choice) and event.target and event.target != str(state):
            await self._old_button(ctx, event)
            return
        if isinstance(event, Choice) and not STATES.offers(self.prompt(ctx), event):
            self._refuse(ctx)  # a button this question never had: forged
            return
        await STATES.handle(ctx, event)

    async def _command(self, ctx: Ctx, name: str) -> None:
        locked = ctx.assessment.status != Status.DRAFT
        if name == "baocao":
            ctx.want_report = ("unit", "outline")
            ctx.ask_next = False
        elif name == "hoso":
            screens.send_bundle(ctx)
        elif name == "tiendo":
            screens.show_progress(ctx)
        elif name == "huongdan":
            ctx.say_msg("help")
            ctx.ask_next = False
        elif locked:
            return  # the prompt is the "already submitted" screen
        elif name == "tieptuc":
            enter(ctx, resume_point(ctx))
        elif name == "xemlai":
            ctx.goto(State(REVIEW))
        elif name == "huy":
            ctx.say_msg("cancelled")
            ctx.goto(State(MENU))
        else:  # start
            ctx.goto(State(MENU))

    @staticmethod
    async def _web_file(ctx: Ctx, upload: FileUpload, item_id: str) -> None:
        """A file sent through the upload page of a signed link: it proves the item the link
        named, wherever the conversation is; the question is asked again only if it is that
        item's evidence step (so the officer sees the new count)."""
        item = ctx.rubric.item(item_id)
        if item is None:
            ctx.say_msg("web_file_unknown_item", item_id=item_id)
            ctx.ask_next = False
            return
        await attach(ctx, item, upload, via_web=True)
        ctx.ask_next = ctx.state == State(EVIDENCE, item.id)

    @staticmethod
    def _refuse(ctx: Ctx) -> None:
        """A button that is stale or forged: a short notice, nothing changes."""
        ctx.replies.append(Reply(msg("stale_button"), alert=True))
        ctx.ask_next = False

    async def _old_button(self, ctx: Ctx, event: Choice) -> None:
        """A button of an earlier message: a score still applies to its item; else nothing."""
        target = State.parse(event.target)
        item = ctx.rubric.item(target.ref or "") if target.kind == SCORE else None
        current = ctx.state
        key = None
        if item is not None:
            ctx.goto(target)
            key = key_of(event, questions.ask_score(ctx))
            ctx.goto(current)
        if item is None or key is None or key in NAV_KEYS:
            self._refuse(ctx)
            return
        choice = item.choices[int(key) - 1] if item.is_tiered else None
        value = choice.points if choice else parse_score(key)
        assert value is not None
        questions.set_score(ctx, item, value, choice.id if choice else None)

    async def _context(
        self, s: AsyncSession, person: Person, grants: list[Membership]
    ) -> Ctx | Reply:
        officer = [m for m in grants if m.role == Role.OFFICER]
        if not officer:
            return Reply(msg("not_an_officer"))
        unit, period, assessment, position = await repo.current(s, officer[0].unit_id, person.id)
        if period is None or assessment is None or position is None:
            return Reply(msg("no_period", unit=unit))
        answers = await repo.answers(s, assessment.id)
        others = {a.updated_by_id for a in answers.values()} - {person.id, None}
        return Ctx(
            s=s,
            rubric=self.rubric_for(period.rubric_id),
            person=person,
            unit=unit,
            period=period,
            assessment=assessment,
            position=position,
            answers=answers,
            names=await people.names(s, others) if others else {},
        )
