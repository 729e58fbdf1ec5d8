"""Who is due which reminder at a given instant, and what it says. Transport-free.

A period's schedule is data (``Period.reminder_schedule``, defaults below): reminders
``offsets_days`` days before each deadline at ``hour`` o'clock local time, an overdue notice the
morning after a missed deadline, never during the ``quiet`` hours. The reminders of one deadline
form a *chain* (d-7, d-3, d-1, d-0, overdue); at any instant only the newest link that is due and
still makes sense is due, so a reminder missed while the bot was down goes out once when it comes
back, and never after the deadline it was for. Each reminder's key names it completely
(deadline, date, link, unit, person): ``ReminderSent`` keeps it from going out twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import labels
from conversations.events import Button, Recipient, Reply
from conversations.texts import msg
from rubric import vietnam
from rubric.model import Rubric
from storage import reminders as store
from storage.models import Period, Role, Status, Unit

RESUME_TARGET, RESUME_KEY = "remind", "1"  # the reminder's labels.CONTINUE button (→ /tieptuc)
DEFAULT_OFFSETS = (7, 3, 1, 0)
DEFAULT_HOUR = 8
DEFAULT_QUIET = (21, 7)  # no messages from 21:00 to 07:00
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Schedule:
    offsets: tuple[int, ...] = DEFAULT_OFFSETS
    hour: int = DEFAULT_HOUR
    quiet: tuple[int, int] = DEFAULT_QUIET

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> Schedule:
        """The stored schedule; missing or malformed parts take the defaults."""
        data = data or {}
        offsets, hour, quiet = data.get("offsets_days"), data.get("hour"), data.get("quiet")
        if not (offsets and _ints(offsets, 0, 60)):
            offsets = DEFAULT_OFFSETS
        if not (_ints(quiet, 0, 23) and len(quiet) == 2):
            quiet = DEFAULT_QUIET
        schedule = cls(tuple(sorted(set(offsets), reverse=True)), DEFAULT_HOUR, tuple(quiet))
        if _ints([hour], 0, 23) and not schedule.is_quiet_hour(hour):
            schedule = replace(schedule, hour=hour)
        return schedule

    def as_json(self) -> dict[str, Any]:
        return {"offsets_days": list(self.offsets), "hour": self.hour, "quiet": list(self.quiet)}

    def is_quiet_hour(self, hour: int) -> bool:
        start, end = self.quiet
        return (hour >= start or hour < end) if start > end else start <= hour < end

    def is_quiet(self, local: datetime) -> bool:
        return self.is_quiet_hour(local.hour)


def _ints(values: Any, low: int, high: int) -> bool:
    """A list of whole numbers from ``low`` to ``high`` (JSON data: no bools)."""
    return isinstance(values, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in values
    )


def zone(period: Period) -> ZoneInfo:
    return vietnam.zone(period.timezone)


@dataclass(frozen=True)
class Slot:
    """One link of a chain: due at ``due``, still worth sending until ``until``."""

    chain: str  # "submit" | "late" | "appraise" | "report"
    kind: str  # the message: the chain's name, or "overdue" | "appraise_late"
    deadline_field: str  # "submit_by" | "appraise_by" | "report_by"
    deadline: date
    label: str  # "d-3" | "overdue" | "late"
    due: datetime
    until: datetime

    @property
    def prefix(self) -> str:
        return f"{self.deadline_field}:{self.deadline.isoformat()}:{self.label}"


def plan(period: Period, schedule: Schedule) -> list[Slot]:
    """Every reminder of the period, in the order they fall due. A link stays worth sending
    until its deadline has passed or the day of the chain's next link has come."""
    tz, hour = zone(period), schedule.hour

    def at(day: date, h: int = hour) -> datetime:
        return datetime.combine(day, time(h), tz)

    def chain(name: str, deadline_field: str, overdue: tuple[str, date] | None) -> list[Slot]:
        deadline: date = getattr(period, deadline_field)
        end = at(deadline + ONE_DAY, 0)
        links = [
            Slot(name, name, deadline_field, deadline, f"d-{d}", at(deadline - d * ONE_DAY), end)
            for d in schedule.offsets
        ]
        if overdue is not None:  # the morning after; worth it until the next deadline's end
            kind, next_deadline = overdue
            until = at(max(next_deadline, deadline + ONE_DAY) + ONE_DAY, 0)
            due = at(deadline + ONE_DAY)
            links.append(Slot(name, kind, deadline_field, deadline, "overdue", due, until))
        links.sort(key=lambda s: s.due)
        for n, link in enumerate(links[:-1]):
            next_day = at(links[n + 1].due.date(), 0)
            links[n] = replace(link, until=min(link.until, max(next_day, link.due)))
        return links

    submit = chain("submit", "submit_by", ("overdue", period.appraise_by))
    late = replace(submit[-1], chain="late", kind="late", label="late")
    slots = [*submit, late, *chain("appraise", "appraise_by", ("appraise_late", period.report_by))]
    slots += chain("report", "report_by", None)
    return sorted(slots, key=lambda s: s.due)


def current(slots: list[Slot], now: datetime) -> list[Slot]:
    """Per chain, the newest link due at ``now`` that still makes sense."""
    latest: dict[str, Slot] = {}
    for slot in slots:
        if slot.due <= now < slot.until and (
            slot.chain not in latest or slot.due > latest[slot.chain].due
        ):
            latest[slot.chain] = slot
    return list(latest.values())


@dataclass
class Due:
    """A reminder due now, not sent yet: whom, what, and the key that claims it."""

    period_id: int
    key: str
    unit: Unit
    contact: store.Contact
    reply: Reply
    slot: Slot = field(repr=False)


async def due_at(
    s: AsyncSession,
    rubric_for: Callable[[str], Rubric],
    now: datetime,
    *,
    channels: Collection[str] = ("telegram",),
    period_ids: Collection[int] | None = None,
) -> list[Due]:
    """The reminders due at ``now`` (aware) and not sent yet, for people on ``channels``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    found: list[Due] = []
    for period in await store.active_periods(s, (now - 2 * ONE_DAY).date(), period_ids):
        schedule = Schedule.of(period.reminder_schedule)
        local = now.astimezone(zone(period))
        slots = [] if schedule.is_quiet(local) else current(plan(period, schedule), now)
        if not slots:
            continue
        authority = await s.get(Unit, period.authority_id)
        assert authority is not None
        page = _Page(period, authority, rubric_for(period.rubric_id), local.date(),
                     await store.unit_states(s, period))  # fmt: skip
        sent = await store.sent_keys(s, period.id)
        for slot in slots:
            for due in await page.dues(s, slot, channels):
                if due.key not in sent:
                    found.append(due)
    return found


@dataclass
class _Page:
    """One period at one instant: its units' states and the texts of its reminders."""

    period: Period
    authority: Unit
    rubric: Rubric
    today: date
    units: list[store.UnitState]

    async def dues(self, s: AsyncSession, slot: Slot, channels: Collection[str]) -> list[Due]:
        if slot.chain == "submit":
            open_units = [u for u in self.units if _status(u) == Status.DRAFT]
            people = await store.contacts(
                s, [u.unit.id for u in open_units], Role.OFFICER, channels
            )
            return [
                self._due(slot, u.unit, c, self._officer_reply(slot, u, c))
                for u in open_units
                for c in people.get(u.unit.id, [])
            ]
        text = await self._appraiser_text(s, slot, channels)
        if text is None:
            return []
        people = await store.contacts(s, [self.authority.id], Role.APPRAISER, channels)
        return [
            self._due(
                slot, self.authority, c, Reply(text, recipient=Recipient(c.channel, c.chat_id))
            )
            for c in people.get(self.authority.id, [])
        ]

    def _due(self, slot: Slot, unit: Unit, contact: store.Contact, reply: Reply) -> Due:
        key = f"{slot.prefix}:unit={unit.id}:person={contact.person_id}"
        return Due(self.period.id, key, unit, contact, reply, slot)

    def _officer_reply(self, slot: Slot, u: store.UnitState, contact: store.Contact) -> Reply:
        open_items = [
            (c, [i for i in c.unit_items() if i.required and i.id not in u.scored])
            for c in self.rubric.criteria
        ]
        # criteria not begun at all: named by number only
        whole = [c for c, left in open_items if c.scored and left and left == list(c.unit_items())]
        text = msg(
            "remind_submit",
            unit=u.unit,
            period=self.period,
            deadline=slot.deadline,
            days=(slot.deadline - self.today).days,
            answered=sum(1 for i in self.rubric.unit_items() if i.id in u.scored),
            n_items=len(self.rubric.unit_items()),
            files=u.files,
            partial=[(c, items) for c, items in open_items if items and c not in whole],
            untouched=[c.number for c in whole],
            overdue=slot.kind == "overdue",
        )
        return Reply(
            text,
            [[Button(RESUME_KEY, labels.CONTINUE)]],
            target=RESUME_TARGET,
            assessment_id=u.assessment.id if u.assessment else 0,
            recipient=Recipient(contact.channel, contact.chat_id),
        )

    async def _appraiser_text(
        self, s: AsyncSession, slot: Slot, channels: Collection[str]
    ) -> str | None:
        """The appraisers' message, or None when there is nothing to tell."""
        by = {st: [u.unit for u in self.units if _status(u) == st] for st in Status}
        unreached: list[Unit] = []  # late units with nobody the bot could remind
        if slot.kind == "late" and by[Status.DRAFT]:
            ids = [unit.id for unit in by[Status.DRAFT]]
            reached = await store.contacts(s, ids, Role.OFFICER, channels)
            unreached = [unit for unit in by[Status.DRAFT] if unit.id not in reached]
        returned = [u.unit for u in self.units if _returned(u)]
        late = [u for u in by[Status.DRAFT] if u not in returned]
        context = {
            "authority": self.authority,
            "period": self.period,
            "deadline": slot.deadline,
            "days": (slot.deadline - self.today).days,
            "pending": by[Status.SUBMITTED],  # submitted, not appraised yet
            "returned": returned,  # returned to the unit, not submitted again
            "late": late if self.today > self.period.submit_by else [],
            "not_submitted": by[Status.DRAFT],
            "done": len(by[Status.APPRAISED]),
            "total": len(self.units),
            "unreached": unreached,
        }
        worth = {
            "late": by[Status.DRAFT],
            "appraise_late": context["pending"] + returned,
            "appraise": context["pending"] + returned + context["late"],
            "report": self.units,
        }
        return msg(f"remind_{slot.kind}", **context) if worth[slot.kind] else None


def _status(u: store.UnitState) -> Status:
    return u.assessment.status if u.assessment else Status.DRAFT


def _returned(u: store.UnitState) -> bool:
    return bool(u.assessment and u.assessment.returned_reason and _status(u) == Status.DRAFT)
