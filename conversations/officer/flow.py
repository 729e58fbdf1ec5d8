"""The officer's conversation as a state machine: an event in, replies out, in the engine's
transaction.

The state lives in the database (each person's ``Position`` in the assessment: two officers
of a unit each answer their own question), so an answer is stored the moment it arrives and a
restart continues at the same question. No channel or HTTP library is used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.appraiser.flow import COMMANDS as APPRAISER_COMMANDS
from conversations.events import (
    Choice,
    Command,
    Event,
    FileUpload,
    Reply,
    Start,
    Text,
    button_rows,
)
from conversations.flow import StateTable
from conversations.input import key_of
from conversations.officer import deadline, questions, screens, signer
from conversations.officer.context import Ctx
from conversations.officer.evidence import attach
from conversations.officer.navigation import enter, resume_point
from conversations.score_input import score_buttons
from conversations.states import (
    CONFIRM,
    EDIT,
    EDIT_CRITERION,
    MENU,
    NAV_KEYS,
    RATING,
    REVIEW,
    SCORE,
    SHORTCOMINGS,
    SIGNER_NAME,
    SIGNER_TITLE,
    STRENGTHS,
    State,
)
from conversations.texts import msg
from rubric import vietnam
from rubric.model import Rubric
from rubric.scoring import parse_score
from storage import assessments as repo
from storage.models import Position, Status
from storage.people import as_utc
from storage.who import Who, successors

# state kind -> (screen, input handler)
STATES: StateTable[Ctx] = StateTable(
    {
        MENU: (screens.ask_menu, screens.on_menu),
        SCORE: (questions.ask_score, questions.on_score),
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
LIGHT = frozenset({SCORE})

# Commands that work whatever the state (the Telegram menu registers these).
COMMANDS = (
    "start", "tieptuc", "xemlai", "tiendo", "baocao", "hoso", "huongdan", "huy", "lienket",
)  # fmt: skip


class OfficerFlow:
    def __init__(self, rubric_for: Callable[[str], Rubric]) -> None:
        self.rubric_for = rubric_for
        self.observers: list[Callable[[str, str, Event], None]] = []  # (before, after, event)

    async def handle(
        self,
        s: AsyncSession,
        who: Who,
        event: Event,
        prefix: list[Reply],
        channel: str,
    ) -> list[Reply]:
        """The event in the officer's conversation (``prefix``: what onboarding said first)."""
        assert who.person is not None
        # back in the officer's conversation from the appraiser's; set only when it changes:
        # setting it at all makes the person a row every flush looks at
        if who.person.cursor is not None:
            who.person.cursor = None
        ctx_or_reply = await self.context(s, who, channel)
        if isinstance(ctx_or_reply, Reply):
            return [*prefix, ctx_or_reply]
        ctx = ctx_or_reply
        ctx.replies.extend(prefix)
        told = await self._changed_by_others(ctx)
        before = ctx.state.kind
        if not (isinstance(event, Choice | Text) and self._light(ctx)):
            await ctx.load_details()  # commands, files and the other screens show them
        await ctx.load_for_screen()
        deadline.tell_once(ctx)  # the deadline has passed: said once, before the answer
        await self._dispatch(ctx, event)
        for observe in self.observers:
            observe(before, ctx.state.kind, event)
        self._seen(ctx, told)
        if ctx.ask_next:
            ctx.replies.append(await self.prompt_of(ctx))
        if ctx.want_report:
            draft = ctx.assessment.status == Status.DRAFT
            caption = msg("report_caption", draft=draft)
            kinds = ctx.want_report if isinstance(ctx.want_report, tuple) else ("unit",)
            reply = Reply(caption, report_for=ctx.assessment.id, draft=draft, report_kinds=kinds)
            ctx.replies.append(reply)
        return ctx.replies

    async def current(self, s: AsyncSession, who: Who, channel: str) -> Reply:
        """The officer's current question (or why there is none), changing nothing."""
        ctx = await self.context(s, who, channel)
        return await self.prompt_of(ctx) if isinstance(ctx, Ctx) else ctx

    @staticmethod
    def _seen(ctx: Ctx, told: bool) -> None:
        """The person's last step is now when they moved or were told of others' changes (the
        changes after it are the ones they have not seen)."""
        position = ctx.position
        if told or position in ctx.s.new or ctx.s.is_modified(position):
            position.updated_at = datetime.now(UTC)

    @staticmethod
    async def _changed_by_others(ctx: Ctx) -> bool:
        """Tell the person about items they had answered that someone else changed since
        their last step (the later answer is the one kept). True: they were told."""
        since, last = ctx.position.updated_at, ctx.others_last
        if since is None or last is None or last <= as_utc(since):
            return False
        changes = await repo.changed_by_others(ctx.s, ctx.assessment.id, ctx.person.id, since)
        if changes:
            ctx.say_msg("changed_by_others", changes=changes, rubric=ctx.rubric)
        return True

    @staticmethod
    def _light(ctx: Ctx) -> bool:
        """The current screen shows neither the notes nor the files (a score, a results text)."""
        return not ctx.locked and ctx.state.kind in LIGHT

    async def prompt_of(self, ctx: Ctx) -> Reply:
        """The current question, with what it shows loaded."""
        if not self._light(ctx):
            await ctx.load_details()
        await ctx.load_for_screen()
        return self.prompt(ctx)

    @staticmethod
    def prompt(ctx: Ctx) -> Reply:
        if ctx.merged:
            return screens.ask_merged(ctx)
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
        if ctx.locked:
            screens.refuse_input(ctx)
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
        if isinstance(event, Choice) and not STATES.offers(ctx.screen(self.prompt), event):
            self._refuse(ctx)  # a button this question never had: forged
            return
        await STATES.handle(ctx, event)

    async def _command(self, ctx: Ctx, name: str) -> None:
        locked = ctx.locked
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
        elif name == "xemlai":
            ctx.goto(State(REVIEW))
        elif name == "huy":
            ctx.say_msg("cancelled")
            ctx.goto(State(MENU))
        else:  # start, tieptuc: straight to the open question, with where the unit stands
            ctx.say_msg("where_we_are", unit=ctx.unit, period=ctx.period, progress=ctx.progress())
            enter(ctx, resume_point(ctx))

    @staticmethod
    async def _web_file(ctx: Ctx, upload: FileUpload, item_id: str) -> None:
        """A file sent through the upload page of a signed link: it proves the item the link
        named, wherever the conversation is (the page tells the chat in one message)."""
        item = ctx.rubric.item(item_id)
        if item is None:
            ctx.say_msg("web_file_unknown_item", item_id=item_id)
            ctx.ask_next = False
            return
        await attach(ctx, item, upload, via_web=True)
        ctx.ask_next = False

    @staticmethod
    def _refuse(ctx: Ctx) -> None:
        """A button that is stale or forged: a short notice, nothing changes."""
        ctx.replies.append(Reply(msg("stale_button"), alert=True))
        ctx.ask_next = False

    async def _old_button(self, ctx: Ctx, event: Choice) -> None:
        """A button of an earlier message: a score still applies to its item; else nothing."""
        target = State.parse(event.target)
        item = ctx.rubric.item(target.ref or "") if target.kind == SCORE else None
        key = None
        if item is not None:
            key = key_of(event, Reply("", button_rows(score_buttons(item), 5)))
        if item is None or key is None or key in NAV_KEYS:
            self._refuse(ctx)
            return
        choice = item.choices[int(key) - 1] if item.is_tiered else None
        value = choice.points if choice else parse_score(key)
        assert value is not None
        questions.set_score(ctx, item, value, choice.id if choice else None)

    async def context(self, s: AsyncSession, who: Who, channel: str) -> Ctx | Reply:
        """What the officer's event needs: ``who`` (the first statement) found the unit and
        locked its assessment; one more statement reads the answers and the person's place."""
        person, unit, period, assessment = who.person, who.unit, who.period, who.assessment
        assert person is not None
        if unit is None:
            return Reply(msg("not_an_officer"))
        if period is None or assessment is None:  # no period yet, or the unit's first event
            unit, period, assessment = await repo.current(s, unit.id)
            if period is None or assessment is None:
                return Reply(msg("no_period", unit=unit))
        place = await repo.answers_and_position(s, assessment.id, person.id)
        today = vietnam.local(datetime.now(UTC)).date()
        merged = []  # read only when the unit has been merged: rare
        if who.merged_on is not None and who.merged_on <= today:
            merged = [(u, on) for u, on in await successors(s, unit.id) if on <= today]
        position = place.position
        if position is None:
            position = Position(person_id=person.id, assessment_id=assessment.id)
            s.add(position)
        return Ctx(
            s=s,
            rubric=self.rubric_for(period.rubric_id),
            person=person,
            unit=unit,
            period=period,
            assessment=assessment,
            position=position,
            answers=place.answers,
            names=place.names,
            others_last=place.others_last,
            may_carry=place.may_carry,
            _notes=place.notes,
            _evidence=place.evidence,
            merged=merged,
            channel=channel,
        )
