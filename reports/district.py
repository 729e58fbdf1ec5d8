"""The district summary: one row per unit an authority assesses in a period, plus statistics.

``gather_district`` reads everything in six queries (authority, units, assessments, answers,
appraisals, the earlier year's results) and returns plain data; the XLSX, DOCX and PNG writers
never query.

Self-assessed scores count once the unit has submitted (a draft's scores are not a declaration
yet: its row shows the progress only); appraised scores once the assessment is appraised.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reports.letterhead import committee_of
from rubric.model import Kind, Rubric
from rubric.scoring import effective_scores, signed_subtotal, total_of
from rubric.vietnam import zone
from storage import models
from storage.earlier import Earlier, earlier_by_unit, names_units
from storage.models import (
    KIND_LABELS,
    Answer,
    Appraisal,
    Assessment,
    Period,
    Status,
    Unit,
    UnitKind,
)
from storage.people import as_utc

# The commune level is one group in the letters ("các xã, thị trấn"; "các xã, phường")
LOCAL = (UnitKind.COMMUNE, UnitKind.WARD, UnitKind.TOWNSHIP, UnitKind.SPECIAL_ZONE)
KIND_ORDER = {kind: i for i, kind in enumerate(KIND_LABELS)}  # offices first, as in the letters
KIND_ORDER |= dict.fromkeys(LOCAL, min(KIND_ORDER[k] for k in LOCAL))


def group_labels(kinds: set[UnitKind]) -> dict[UnitKind, str]:
    """Each kind's label in a letter about units of ``kinds``: the commune-level kinds share
    one, naming those present ("xã, thị trấn")."""
    local = ", ".join(KIND_LABELS[k] for k in LOCAL if k in kinds)
    return {k: local if k in LOCAL and local else label for k, label in KIND_LABELS.items()}


NOT_STARTED = "not_started"
STATUS_LABELS = {NOT_STARTED: "chưa bắt đầu"} | {
    s.value: t for s, t in models.STATUS_LABELS.items()
}
SUBMITTED = (Status.SUBMITTED, Status.APPRAISED)
APPRAISED = (Status.APPRAISED,)
UNRATED = "Chưa xếp loại"
LEVELS = {UnitKind.DISTRICT: "huyện", UnitKind.PROVINCE: "tỉnh"}


TITLE = "TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ, XẾP LOẠI CÔNG TÁC DÂN VẬN CHÍNH QUYỀN NĂM {year}"
# Against the submission deadline (Việt Nam time): the province tells these two apart.
SUBMITTED_LATE, OVERDUE = "submitted_late", "overdue"
DEADLINE_LABELS = {SUBMITTED_LATE: "nộp muộn", OVERDUE: "chưa nộp, quá hạn"}


@dataclass(frozen=True)
class CriterionInfo:
    id: str  # "IV"
    number: int  # 4
    label: str
    max_points: Decimal  # a bonus's or penalty's cap
    kind: Kind = Kind.SCORE

    @property
    def short(self) -> str:
        """A column's heading: "Tiêu chí 4", or "Điểm thưởng", "Điểm trừ"."""
        return f"Tiêu chí {self.number}" if self.kind is Kind.SCORE else self.label

    @property
    def code(self) -> str:
        """A spreadsheet column's short name: "TC4", "Điểm thưởng"."""
        return f"TC{self.number}" if self.kind is Kind.SCORE else self.label


@dataclass(frozen=True)
class PastResult:
    """An earlier year's result beside this year's: the unit's own, or of a unit it succeeds."""

    of: str | None  # the unit it is of ("xã Cửu Cao") when named (names_units); else None
    year: int
    total: Decimal  # the appraised total when appraised, else the unit's own
    rating: str | None  # band label


@dataclass(frozen=True)
class DistrictRow:
    code: str
    name: str
    kind: str  # Vietnamese label, e.g. "xã, thị trấn"
    status: str  # key of STATUS_LABELS
    status_label: str  # e.g. "đang làm 40%"
    submitted_at: datetime | None  # in the period's time zone (Vietnam time)
    deadline: str | None  # SUBMITTED_LATE, OVERDUE, or None (on time, or not due yet)
    # one subtotal per criterion (a penalty's negative: what it takes off), once submitted
    self_scores: tuple[Decimal, ...] | None
    appraised_scores: tuple[Decimal, ...] | None  # once appraised
    proposed_rating: str | None  # band label, e.g. "Tốt"
    final_rating: str | None
    earlier: tuple[PastResult, ...] = ()  # the newest earlier year's (one per predecessor)

    @property
    def succeeds(self) -> bool:
        """Its earlier results are those of units it succeeds (named), not its own."""
        return any(e.of for e in self.earlier)

    @property
    def late(self) -> bool:
        """Submitted after the deadline, or not submitted once it has passed."""
        return self.deadline is not None

    @property
    def deadline_label(self) -> str:
        """ "nộp muộn (17/11/2022)", "chưa nộp, quá hạn" or ""."""
        if self.deadline == SUBMITTED_LATE and self.submitted_at is not None:
            return f"{DEADLINE_LABELS[SUBMITTED_LATE]} ({self.submitted_at:%d/%m/%Y})"
        return DEADLINE_LABELS.get(self.deadline or "", "")

    @property
    def self_total(self) -> Decimal | None:
        return total_of(self.self_scores) if self.self_scores is not None else None

    @property
    def appraised_total(self) -> Decimal | None:
        if self.appraised_scores is None:
            return None
        return total_of(self.appraised_scores)

    @property
    def best_total(self) -> Decimal | None:
        """The appraised total when there is one, else the self-assessed total."""
        return self.appraised_total if self.appraised_total is not None else self.self_total

    @property
    def rating(self) -> str | None:
        """The final rating when decided, else the proposed one."""
        return self.final_rating or self.proposed_rating


@dataclass(frozen=True)
class CriterionStat:
    criterion: CriterionInfo
    self_avg: Decimal | None  # over submitted units
    appraised_avg: Decimal | None  # over appraised units


@dataclass(frozen=True)
class RatingCount:
    label: str  # band label, or UNRATED
    code: str | None  # band code; None for UNRATED
    proposed: int
    final: int


@dataclass(frozen=True)
class Sender:
    """The appraising body as the sender of the summary to the level above."""

    name: str  # "UBND huyện Văn Giang"
    short_name: str | None  # "UBND": "Số: …/UBND-NV"
    parent_name: str | None  # the level above, "UBND tỉnh Hưng Yên"
    level: str  # "huyện" | "tỉnh" | "" (how its party committee and council are named)
    signer_title: str | None
    signer_name: str | None
    sign_as: str | None


@dataclass(frozen=True)
class DistrictSummary:
    year: int
    authority_code: str
    authority_name: str
    place: str  # địa danh for the date line
    submit_by: date
    today: date
    criteria: tuple[CriterionInfo, ...]
    rows: tuple[DistrictRow, ...]
    criterion_stats: tuple[CriterionStat, ...]
    self_total_avg: Decimal | None
    appraised_total_avg: Decimal | None
    rating_counts: tuple[RatingCount, ...]  # every band, best first, then UNRATED
    status_counts: tuple[tuple[str, int], ...]  # (status label, units), every status
    bands: tuple[tuple[str, str, Decimal], ...]  # (code, label, min points), best first
    sender: Sender | None = None
    kind_counts: tuple[tuple[str, int], ...] = ()  # (kind label, units), in the table's order
    legal_basis: str = ""  # "Căn cứ Quyết định số …" (the rubric's, up to the unit's name)
    province: str = ""  # the rubric's province: where a district without a parent reports

    @property
    def n_submitted(self) -> int:
        return sum(1 for r in self.rows if r.self_scores is not None)

    @property
    def n_appraised(self) -> int:
        return sum(1 for r in self.rows if r.appraised_scores is not None)

    @property
    def n_late(self) -> int:
        return sum(1 for r in self.rows if r.late)

    def deadline_rows(self, state: str) -> list[DistrictRow]:
        return [r for r in self.rows if r.deadline == state]

    @property
    def earlier_year(self) -> int | None:
        """The newest earlier year a unit has a result of: the year of the column beside this
        year's (None: no unit has one, no such column)."""
        return max((e.year for r in self.rows for e in r.earlier), default=None)


def _avg(values: list[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


async def _scores(
    s: AsyncSession, table: type[Answer] | type[Appraisal], period_id: int, rubric: Rubric
) -> dict[int, dict[str, Decimal]]:
    """Item scores of every assessment of the period, in one query (a tier counts its points)."""
    scores: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
    choices: dict[int, dict[str, str]] = defaultdict(dict)
    for assessment_id, item_id, score, choice_id in await s.execute(
        select(table.assessment_id, table.item_id, table.score, table.choice_id)
        .join(Assessment, Assessment.id == table.assessment_id)
        .where(Assessment.period_id == period_id)
    ):
        scores[assessment_id][item_id] = score
        if choice_id:
            choices[assessment_id][item_id] = choice_id
    return {k: effective_scores(rubric, v, choices[k]) for k, v in scores.items()}


def _status(assessment: Assessment | None, answered: int, n_items: int) -> tuple[str, str]:
    if assessment is None or (assessment.status is Status.DRAFT and answered == 0):
        return NOT_STARTED, STATUS_LABELS[NOT_STARTED]
    key = assessment.status.value
    if assessment.status is Status.DRAFT:
        percent = round(100 * answered / n_items) if n_items else 0
        return key, f"{STATUS_LABELS[key]} {percent}%"
    return key, STATUS_LABELS[key]


def _past(earlier: list[Earlier], unit_name: str, rubric: Rubric) -> tuple[PastResult, ...]:
    named = names_units(earlier, unit_name)
    return tuple(
        PastResult(
            committee_of(e.unit_name) if named else None, e.year, e.total, e.rating_label(rubric)
        )
        for e in earlier
    )


async def gather_district(
    s: AsyncSession, period: Period, rubric: Rubric, today: date | None = None
) -> DistrictSummary:
    """Every unit ``period.authority_id`` assesses (children of the authority, and any unit
    with an assessment in the period), ordered by kind then code. ``today`` (default: today in
    the period's time zone) decides whether an unsubmitted unit is late."""
    tz = zone(period.timezone)
    today = today or datetime.now(tz).date()
    above = aliased(Unit)  # the level above: the summary is sent there
    authority, parent = (
        await s.execute(
            select(Unit, above)
            .outerjoin(above, above.id == Unit.parent_id)
            .where(Unit.id == period.authority_id)
        )
    ).one()
    in_period = select(Assessment.unit_id).where(Assessment.period_id == period.id)
    assessed = or_(Unit.parent_id == authority.id, Unit.id.in_(in_period))
    units = list(await s.scalars(select(Unit).where(assessed)))
    units.sort(key=lambda u: (KIND_ORDER.get(u.kind, len(KIND_ORDER)), u.code))
    labels = group_labels({u.kind for u in units})
    by_unit = {
        a.unit_id: a
        for a in await s.scalars(select(Assessment).where(Assessment.period_id == period.id))
    }
    self_scores = await _scores(s, Answer, period.id, rubric)
    appraised = await _scores(s, Appraisal, period.id, rubric)
    earlier = await earlier_by_unit(s, assessed, period.year)

    unit_items = [i.id for i in rubric.unit_items()]
    rows = []
    for unit in units:
        a = by_unit.get(unit.id)
        scores = self_scores.get(a.id, {}) if a else {}
        key, label = _status(a, sum(1 for i in unit_items if i in scores), len(unit_items))
        submitted_at = as_utc(a.submitted_at).astimezone(tz) if a and a.submitted_at else None
        deadline = None
        if submitted_at is not None and submitted_at.date() > period.submit_by:
            deadline = SUBMITTED_LATE
        elif key in (NOT_STARTED, Status.DRAFT.value) and today > period.submit_by:
            deadline = OVERDUE
        authority_scores = appraised.get(a.id) if a and a.status in APPRAISED else None
        proposed = rubric.band(a.proposed_rating or "") if a else None
        final = rubric.band(a.final_rating or "") if a else None
        rows.append(
            DistrictRow(
                code=unit.code,
                name=unit.name,
                kind=labels.get(unit.kind, KIND_LABELS[UnitKind.OTHER]),
                status=key,
                status_label=label,
                submitted_at=submitted_at,
                deadline=deadline,
                self_scores=(
                    tuple(signed_subtotal(c, scores) for c in rubric.criteria)
                    if a and a.status in SUBMITTED
                    else None
                ),
                appraised_scores=(
                    tuple(signed_subtotal(c, authority_scores) for c in rubric.criteria)
                    if authority_scores
                    else None
                ),
                proposed_rating=proposed.label if proposed else None,
                final_rating=final.label if final else None,
                earlier=_past(earlier.get(unit.id, []), unit.name, rubric),
            )
        )
    sender = Sender(
        name=authority.name,
        short_name=authority.short_name,
        parent_name=parent.name if parent else None,
        level=LEVELS.get(authority.kind, ""),
        signer_title=authority.head_title,
        signer_name=authority.head_name,
        sign_as=authority.sign_as,
    )
    return _summary(period, rubric, authority, today, tuple(rows), sender)


def _summary(
    period: Period,
    rubric: Rubric,
    authority: Unit,
    today: date,
    rows: tuple[DistrictRow, ...],
    sender: Sender | None = None,
) -> DistrictSummary:
    criteria = tuple(
        CriterionInfo(c.id, c.number, c.label, c.max_points, c.kind) for c in rubric.criteria
    )
    selfs = [r.self_scores for r in rows if r.self_scores is not None]
    apprs = [r.appraised_scores for r in rows if r.appraised_scores is not None]
    stats = tuple(
        CriterionStat(c, _avg([s[k] for s in selfs]), _avg([s[k] for s in apprs]))
        for k, c in enumerate(criteria)
    )
    proposed = Counter(r.proposed_rating for r in rows)
    final = Counter(r.final_rating for r in rows)
    counts = [
        RatingCount(b.label, b.code, proposed[b.label], final[b.label])
        for b in rubric.ratings.bands
    ]
    counts.append(RatingCount(UNRATED, None, proposed[None], final[None]))
    statuses = Counter(r.status for r in rows)
    return DistrictSummary(
        year=period.year,
        authority_code=authority.code,
        authority_name=authority.name,
        place=authority.place or rubric.document.place,
        submit_by=period.submit_by,
        today=today,
        criteria=criteria,
        rows=rows,
        criterion_stats=stats,
        self_total_avg=_avg([r.self_total for r in rows if r.self_total is not None]),
        appraised_total_avg=_avg(
            [r.appraised_total for r in rows if r.appraised_total is not None]
        ),
        rating_counts=tuple(counts),
        status_counts=tuple((label, statuses[key]) for key, label in STATUS_LABELS.items()),
        bands=tuple((b.code, b.label, b.min_points) for b in rubric.ratings.bands),
        sender=sender,
        kind_counts=tuple(Counter(r.kind for r in rows).items()),
        legal_basis=rubric.document.legal_basis.split(", {unit}")[0].strip(),
        province=rubric.province,
    )
