"""The appraiser's conversation: routing, commands and the screens' dispatch.

Its state is the person's own ``cursor`` (an appraiser moves between many assessments).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.appraiser import scoring, units
from conversations.appraiser.context import ACtx, load
from conversations.events import Choice, Command, Event, Reply, Start
from conversations.flow import StateTable
from conversations.states import State
from conversations.texts import msg
from rubric.model import Rubric
from storage import appraisal as repo
from storage.models import Membership, Person, Role
from storage.who import Who

STATES: StateTable[ACtx] = StateTable(
    {
        units.UNITS: (units.ask_units, units.on_units),
        units.UNIT: (units.ask_unit, units.on_unit),
        units.RETURN: (units.ask_return, units.on_return),
        **scoring.STATES,
    },
    home=units.UNITS,
)
COMMANDS = ("donvi", "thamdinh", "tonghop", "hoso", "ban")
OFFICER_COMMANDS = ("tieptuc", "xemlai", "tiendo", "baocao")


class AppraiserFlow:
    def __init__(self, rubric_for: Callable[[str], Rubric], evidence_root: Path) -> None:
        self.rubric_for = rubric_for
        self.evidence_root = evidence_root
        self.observers: list[Callable[[str, str, Event], None]] = []  # (before, after, event)

    @staticmethod
    def wants(person: Person, grants: list[Membership], event: Event) -> bool:
        """Does this event belong to the appraiser's conversation? (``grants``: the person's
        memberships)"""
        roles = {m.role for m in grants}
        if not roles & {Role.APPRAISER, Role.ADMIN}:
            return False
        if isinstance(event, Command) and event.name in COMMANDS:
            return True
        if isinstance(event, Choice) and event.target:
            return event.target.startswith("a_")
        if Role.OFFICER not in roles:
            return True
        if isinstance(event, Start | Command):
            return False  # an officer-and-appraiser's officer commands
        return person.cursor is not None

    @staticmethod
    def active(person: Person, grants: list[Membership]) -> bool:
        """Is the person in the appraiser's conversation now (an officer-and-appraiser is
        while their own cursor is set)?"""
        roles = {m.role for m in grants}
        if not roles & {Role.APPRAISER, Role.ADMIN}:
            return False
        return Role.OFFICER not in roles or person.cursor is not None

    async def current(self, s: AsyncSession, found: Who) -> list[Reply]:
        """The appraiser's current screen, changing nothing (a redelivered update)."""
        ctx = load(s, found, self.rubric_for, self.evidence_root)
        if isinstance(ctx, Reply):
            return [ctx]
        if not await self._valid(ctx):
            ctx.goto(State(units.UNITS))
        return [await STATES.screen(ctx)]

    async def handle(self, s: AsyncSession, found: Who, event: Event) -> list[Reply]:
        """``found``: the person and the units they appraise for (``storage.who``)."""
        if isinstance(event, Command) and event.name == "ban":  # the desk, also for a province
            assert found.person is not None  # whose districts have the periods
            return [Reply(msg("desk_intro"), desk_for=found.person.id)]
        ctx = load(s, found, self.rubric_for, self.evidence_root)
        if isinstance(ctx, Reply):
            return [ctx]
        if not await self._valid(ctx):
            ctx.goto(State(units.UNITS))
        before = ctx.state.kind
        if isinstance(event, Start | Command):
            await self._command(ctx, "start" if isinstance(event, Start) else event.name)
        elif isinstance(event, Choice) and not await self._genuine(ctx, event):
            ctx.replies.append(Reply(msg("stale_button"), alert=True))
            ctx.ask_next = False
        else:
            await STATES.handle(ctx, event)
        ctx.changed_screen()
        for observe in self.observers:
            observe(before, ctx.state.kind, event)
        if ctx.ask_next:
            ctx.replies.append(await STATES.screen(ctx))
        return ctx.replies

    async def _command(self, ctx: ACtx, name: str) -> None:
        if name == "huongdan":
            ctx.say_msg("appraiser_help")
            ctx.ask_next = False
        elif name == "thamdinh":
            ctx.goto(State(units.UNITS, "fs.0"))
        elif name in ("tonghop", "hoso"):  # what goes up: once some unit has submitted
            ctx.ask_next = False
            period, authority = ctx.period, ctx.authority
            if not await repo.submitted_count(ctx.s, period.id):
                nothing = "summary_nothing" if name == "tonghop" else "bundle_nothing"
                ctx.say_msg(nothing, period=period, authority=authority)
            elif name == "tonghop":  # the letter with its table, the workbook, the chart
                ctx.say(msg("summary_caption", period=period), summary_for=period.id)
            else:  # every submitted unit's reports and evidence, one ZIP
                caption = msg("district_bundle_caption", period=period, authority=authority)
                ctx.say(caption, bundle=("district", period.id))
        else:  # start, donvi, huy and the officer's commands
            ctx.goto(State(units.UNITS))

    async def _valid(self, ctx: ACtx) -> bool:
        """The stored state still names an assessment this appraiser may see."""
        state = ctx.state
        if state.kind not in STATES:
            return False
        if state.kind == units.UNITS:
            return True
        aid = (state.ref or "").partition("-")[0]
        return aid.isdigit() and await ctx.file(int(aid)) is not None

    async def _genuine(self, ctx: ACtx, event: Choice) -> bool:
        """A button of the current screen with a key that screen offers."""
        if event.target != str(ctx.state):
            return False
        return STATES.offers(await ctx.screen(STATES.screen), event)
