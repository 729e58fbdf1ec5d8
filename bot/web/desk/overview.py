"""The district at a glance (``/desk``): one row per unit of the period, its status, both
totals, the proposed and final rating, its last activity and officers; filters by status and a
sort by column, in the query string (links, no script)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response

from bot.app import App
from bot.web.desk.signin import message
from bot.web.pages import page
from rubric.model import RatingBand, Rubric
from rubric.vietnam import ZONE
from storage import appraisal as repo
from storage import desk
from storage.appraisal import DeskRow
from storage.desk import DeskUser
from storage.models import STATUS_LABELS, Assessment, Period, Status, Unit

# status key -> label, in the order of the work (the assessment's own, as everywhere, and the
# desk's finer ones)
STATUSES = {
    "not_started": "Chưa bắt đầu",
    "drafting": STATUS_LABELS[Status.DRAFT].capitalize(),
    "returned": "Bị trả lại",
    "submitted": f"{STATUS_LABELS[Status.SUBMITTED].capitalize()}, chờ thẩm định",
    "appraised": STATUS_LABELS[Status.APPRAISED].capitalize(),
}
SORTS = {  # key -> the column's label
    "unit": "Đơn vị",
    "status": "Trạng thái",
    "own": "Tự chấm",
    "given": "Thẩm định",
    "activity": "Hoạt động gần nhất",
}


@dataclass(frozen=True)
class Line:
    """A row as the page shows it."""

    row: DeskRow
    status: str
    percent: int
    late: bool
    proposed: RatingBand | None  # by the unit's own total
    final: RatingBand | None


def stage(a: Assessment) -> str:
    """The desk's status of an assessment (a draft returned by the authority is "returned")."""
    if a.status == Status.DRAFT:
        return "returned" if a.returned_reason else "drafting"
    return "appraised" if a.status == Status.APPRAISED else "submitted"


def status_of(row: DeskRow, items: int) -> tuple[str, int]:
    """The row's status and how far the unit is, in per cent of its items."""
    a = row.assessment
    if a is None or (a.status == Status.DRAFT and not row.answered and not a.returned_reason):
        return "not_started", 0
    if a.status != Status.DRAFT:
        return stage(a), 100
    return stage(a), round(100 * row.answered / items) if items else 0


def lines(rows: list[DeskRow], rubric: Rubric, submit_by: date, today: date) -> list[Line]:
    items = len(rubric.unit_items())
    out = []
    for row in rows:
        status, percent = status_of(row, items)
        a = row.assessment
        late = status in ("not_started", "drafting", "returned") and today > submit_by
        proposed = rubric.band_for(row.self_total) if row.answered else None
        final = rubric.band(a.final_rating) if a and a.final_rating else None
        out.append(Line(row, status, percent, late, proposed, final))
    return out


def _sort(shown: list[Line], key: str) -> list[Line]:
    order = list(STATUSES)
    keys = {
        "status": lambda ln: (order.index(ln.status), ln.percent),
        "own": lambda ln: -ln.row.self_total,
        "given": lambda ln: -ln.row.given_total,
        "activity": lambda ln: -(ln.row.last_activity.timestamp() if ln.row.last_activity else 0),
    }
    return sorted(shown, key=keys[key]) if key in keys else shown


@dataclass(frozen=True)
class Section:
    """One authority's units on the page: the appraiser's own (``mine``: they appraise them)
    or, for a province's appraiser, a district's under it (to read)."""

    authority: Unit
    period: Period
    rubric: Rubric
    lines: list[Line]
    mine: bool


def overview(app: App):  # type: ignore[no-untyped-def]
    async def view(request: Request, user: DeskUser) -> Response:
        own = user.period()
        today = datetime.now(UTC).astimezone(ZONE).date()
        sections: list[Section] = []
        async with app.sessions() as s:
            areas = [(*own, True)] if own else []
            areas += [(unit, period, False) for unit, period in await desk.below(s, user)]
            for authority, period, mine in areas:
                rubric = app.engine.rubric_for(period.rubric_id)
                rows = await repo.desk_rows(s, period, rubric)
                found = lines(rows, rubric, period.submit_by, today)
                sections.append(Section(authority, period, rubric, found, mine))
        if not sections:
            return message("no_period", 404)
        everything = [ln for section in sections for ln in section.lines]
        wanted = request.query_params.get("status", "")
        sort = request.query_params.get("sort", "unit")
        shown = [
            replace(section, lines=_sort(_filtered(section.lines, wanted), sort))
            for section in sections
        ]
        top = max((ln.row.self_total for ln in everything), default=Decimal(0))
        return page(
            "desk_overview.html.j2",
            user=user,
            form_token=request.state.form_token,
            authority=user.authorities[0][0],
            sections=shown,
            first=sections[0],
            total=len(everything),
            counts=Counter(ln.status for ln in everything),
            late=sum(ln.late for ln in everything),
            bands=Counter(ln.final.label for ln in everything if ln.final),
            statuses=STATUSES,
            sorts=SORTS,
            wanted=wanted,
            sort=sort if sort in SORTS else "unit",
            scale=max(top, sections[0].rubric.total_points) or 1,
        )

    return view


def _filtered(found: list[Line], wanted: str) -> list[Line]:
    if not wanted:
        return found
    return [ln for ln in found if ln.status == wanted or (wanted == "late" and ln.late)]
