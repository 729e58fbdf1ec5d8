"""The district summary: a 40-unit district built here, gathered with few queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reports.district import (
    OVERDUE,
    SUBMITTED_LATE,
    UNRATED,
    DistrictSummary,
    PastResult,
    gather_district,
    group_labels,
)
from rubric.loader import load_rubric
from rubric.model import Item, Rubric
from storage.models import (
    Answer,
    Appraisal,
    Assessment,
    Period,
    Status,
    Unit,
    UnitKind,
    UnitSuccession,
)
from tests.test_storage_assessments import period as make_period

D = Decimal
YEAR = 2022
SUBMIT_BY = date(2022, 11, 15)
TODAY = date(2022, 11, 20)
FACTORS = (D("0.95"), D("0.85"), D("0.7"), D("0.55"), D("0.4"))  # Tốt, Khá, Khá, TB, Yếu


def rubric() -> Rubric:
    return load_rubric("hung-yen-2022")


@dataclass
class UnitSpec:
    """What the test expects of one unit (built into the database by ``build_district``)."""

    code: str
    name: str
    kind: UnitKind
    status: Status | None  # None: no assessment at all
    answered: int = 0  # items answered (all of them unless a draft)
    factor: Decimal = FACTORS[0]  # share of each item's maximum the unit gives itself
    submitted_at: datetime | None = None
    self_scores: dict[str, Decimal] = field(default_factory=dict)
    appraised_scores: dict[str, Decimal] = field(default_factory=dict)
    proposed: str | None = None  # band code
    final: str | None = None

    @property
    def self_total(self) -> Decimal:
        return sum(self.self_scores.values(), D(0))

    @property
    def appraised_total(self) -> Decimal:
        return sum(self.appraised_scores.values(), D(0))


def _score(item: Item, factor: Decimal, step: Decimal) -> Decimal:
    if item.is_tiered:
        target = item.max_points * factor
        return min((c.points for c in item.choices), key=lambda p: (abs(p - target), -p))
    return (item.max_points * factor / step).to_integral_value() * step


def district_specs(r: Rubric, n: int = 40) -> list[UnitSpec]:
    """n units: offices, service units and communes in every state, some late."""
    items = r.items()
    specs = []
    for i in range(n):
        kind = UnitKind.OFFICE if i < 10 else UnitKind.SERVICE if i < 15 else UnitKind.COMMUNE
        prefix = {UnitKind.OFFICE: "PHONG", UnitKind.SERVICE: "SN", UnitKind.COMMUNE: "XA"}[kind]
        word = {UnitKind.OFFICE: "Phòng", UnitKind.SERVICE: "Trung tâm", UnitKind.COMMUNE: "Xã"}
        # Codes in reverse order of creation: the summary must sort them itself.
        spec = UnitSpec(f"VG-{prefix}{n - i:02d}", f"{word[kind]} Số {n - i}", kind, None)
        state = i % 8
        spec.factor = FACTORS[i % len(FACTORS)]
        if state == 1:
            spec.status = Status.DRAFT
        elif state == 2:
            spec.status, spec.answered = Status.DRAFT, 7 + i % 5
        elif state >= 3:
            spec.status = Status.SUBMITTED if state <= 4 else Status.APPRAISED
            spec.answered = len(items)
            # Late: 16/11 01:30 in Vietnam (still the 15th in UTC); on time: 15/11 23:00.
            hour = 18 if i % 6 == 3 else 16
            spec.submitted_at = datetime(2022, 11, 15 if i % 6 == 3 else 10, hour, 30, tzinfo=UTC)
        for item in items[: spec.answered]:
            spec.self_scores[item.id] = _score(item, spec.factor, r.score_step)
        if spec.status in (Status.SUBMITTED, Status.APPRAISED):
            spec.proposed = r.band_for(spec.self_total).code
        if spec.status == Status.APPRAISED:
            for k, (item_id, score) in enumerate(spec.self_scores.items()):
                spec.appraised_scores[item_id] = (
                    max(D(0), score - D("0.5")) if k % 4 == 0 else score
                )
            spec.final = r.band_for(spec.appraised_total).code
        specs.append(spec)
    return specs


async def build_district(
    s: AsyncSession,
    specs: list[UnitSpec],
    *,
    code: str = "VG",
    name: str = "UBND huyện Văn Giang",
    year: int = YEAR,
) -> Period:
    """The district unit (under its province, with its signer), its period and units with
    assessments, answers and appraisals."""
    province = Unit(code=f"{code}-TINH", name="UBND tỉnh Hưng Yên", kind=UnitKind.PROVINCE)
    s.add(province)
    await s.flush()
    district = Unit(
        code=code,
        name=name,
        kind=UnitKind.DISTRICT,
        place="Văn Giang",
        parent_id=province.id,
        short_name="UBND",
        head_title="PHÓ CHỦ TỊCH",
        head_name="Lê Thị Tám",  # made up
    )
    s.add(district)
    await s.flush()
    period = Period(
        year=year,
        rubric_id="hung-yen-2022",
        authority_id=district.id,
        submit_by=SUBMIT_BY,
        appraise_by=date(2022, 12, 1),
        report_by=date(2022, 12, 10),
    )
    s.add(period)
    await s.flush()
    for spec in specs:
        unit = Unit(code=spec.code, name=spec.name, kind=spec.kind, parent_id=district.id)
        s.add(unit)
        await s.flush()
        if spec.status is None:
            continue
        a = Assessment(
            unit_id=unit.id,
            period_id=period.id,
            status=spec.status,
            submitted_at=spec.submitted_at,
            proposed_rating=spec.proposed,
            final_rating=spec.final,
        )
        s.add(a)
        await s.flush()
        s.add_all(
            Answer(assessment_id=a.id, item_id=k, score=v, results_text=f"KQ {k}")
            for k, v in spec.self_scores.items()
        )
        s.add_all(
            Appraisal(assessment_id=a.id, item_id=k, score=v)
            for k, v in spec.appraised_scores.items()
        )
    await s.flush()
    return period


@dataclass(frozen=True)
class Past:
    """A unit's result of an earlier year (built by ``build_earlier_years``)."""

    year: int
    status: Status
    own: Decimal  # its self-assessed total
    given: Decimal | None = None  # the appraised total
    proposed: str | None = None  # band code
    final: str | None = None


PAST = {  # unit code -> its earlier years' results
    "VG-PHONG31": [Past(2021, Status.APPRAISED, D(80), D("78.5"), "tot", "kha")],
    "VG-PHONG32": [  # only the newest year counts
        Past(2020, Status.APPRAISED, D(95), D(95), "tot", "tot"),
        Past(2021, Status.SUBMITTED, D(70), proposed="kha"),
    ],
    "VG-PHONG33": [Past(2021, Status.DRAFT, D(60))],  # never submitted: nothing to show
    "VG-PHONG34": [Past(2020, Status.SUBMITTED, D(90), proposed="tot")],  # no 2021 result
    "VG-CU1": [Past(2021, Status.APPRAISED, D(88), D(85), "tot", "tot")],
    "VG-CU2": [Past(2021, Status.SUBMITTED, D(60), proposed="trung_binh")],
    "VG-CU3": [Past(2021, Status.SUBMITTED, D(99), proposed="tot")],
}
# Old communes: code -> (name, the unit that succeeds it). Xã Số 1 took over Cũ Một and Cũ Hai,
# and Cũ Hai had taken over Cũ Ba: their newest year, 2021, counts for all three.
MERGED = {
    "VG-CU1": ("UBND xã Cũ Một", "VG-XA01"),
    "VG-CU2": ("UBND xã Cũ Hai", "VG-XA01"),
    "VG-CU3": ("UBND xã Cũ Ba", "VG-CU2"),
}


async def build_earlier_years(s: AsyncSession, period: Period) -> None:
    """The 2020 and 2021 periods of ``period``'s district with the results ``PAST`` lists, of
    its units and of the old communes ``MERGED`` names (no longer under the district)."""
    units = {u.code: u for u in await s.scalars(select(Unit))}
    for code, (name, _) in MERGED.items():
        units[code] = Unit(code=code, name=name, kind=UnitKind.COMMUNE)
        s.add(units[code])
    authority = await s.get(Unit, period.authority_id)
    assert authority is not None
    periods = {year: make_period(year, authority) for year in (2020, 2021)}
    s.add_all(periods.values())
    await s.flush()
    for code, (_, successor) in MERGED.items():
        s.add(
            UnitSuccession(
                predecessor_id=units[code].id,
                successor_id=units[successor].id,
                effective_on=date(2022, 1, 1),
            )
        )
    for code, results in PAST.items():
        for p in results:
            await add_past(s, units[code].id, periods[p.year].id, p)


def _split(points: Decimal) -> list[tuple[str, Decimal]]:
    return [("I.1", Decimal(10)), ("I.2", points - 10)]


async def add_past(s: AsyncSession, unit_id: int, period_id: int, p: Past) -> int:
    """The unit's assessment of the period with the result ``p`` (each total split over two
    items, on the rubric's step: 10 and the rest); its id."""
    a = Assessment(
        unit_id=unit_id,
        period_id=period_id,
        status=p.status,
        proposed_rating=p.proposed,
        final_rating=p.final,
    )
    s.add(a)
    await s.flush()
    s.add_all(Answer(assessment_id=a.id, item_id=k, score=v) for k, v in _split(p.own))
    if p.given is not None:
        s.add_all(Appraisal(assessment_id=a.id, item_id=k, score=v) for k, v in _split(p.given))
    await s.flush()
    return a.id


async def summary_of(
    sessions: async_sessionmaker[AsyncSession],
    specs: list[UnitSpec],
    *,
    earlier: bool = False,
    by: Rubric | None = None,
) -> DistrictSummary:
    """The district of ``specs`` gathered (``by`` another rubric than the period's: one with a
    bonus and a penalty); with the earlier years of ``build_earlier_years``."""
    async with sessions() as s, s.begin():
        period = await build_district(s, specs)
        if earlier:
            await build_earlier_years(s, period)
    async with sessions() as s:
        return await gather_district(s, period, by or rubric(), today=TODAY)


# -- tests --------------------------------------------------------------------------------


async def test_rows_states_and_scores(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    specs = district_specs(rubric())
    summary = await summary_of(sessionmaker, specs)
    assert len(summary.rows) == 40
    assert summary.authority_name == "UBND huyện Văn Giang"
    kinds = [r.kind for r in summary.rows]
    assert kinds == ["phòng chuyên môn"] * 10 + ["đơn vị sự nghiệp"] * 5 + ["xã"] * 25  # only xã
    codes = [r.code for r in summary.rows]
    assert codes[:3] == ["VG-PHONG31", "VG-PHONG32", "VG-PHONG33"]
    by_code = {r.code: r for r in summary.rows}
    for spec in specs:
        row = by_code[spec.code]
        if spec.status is None or (spec.status is Status.DRAFT and not spec.answered):
            assert row.status_label == "chưa bắt đầu"
            assert row.deadline == OVERDUE  # deadline passed on TODAY
            assert row.deadline_label == "chưa nộp, quá hạn"
        elif spec.status is Status.DRAFT:
            assert row.status_label == f"đang làm {round(100 * spec.answered / 28)}%"
            assert row.self_scores is None and row.deadline == OVERDUE
        else:
            assert row.self_total == spec.self_total
            assert row.proposed_rating == rubric().band(spec.proposed or "").label
            assert row.submitted_at is not None and row.submitted_at.utcoffset().seconds == 7 * 3600
            assert row.late == (spec.submitted_at.day == 15)
            assert row.deadline == (SUBMITTED_LATE if row.late else None)
            late_label = f"nộp muộn ({row.submitted_at:%d/%m/%Y})" if row.late else ""
            assert row.deadline_label == late_label == ("nộp muộn (16/11/2022)" if row.late else "")
        if spec.status == Status.APPRAISED:
            assert row.appraised_total == spec.appraised_total
            assert row.status_label == "đã thẩm định"
        else:
            assert row.appraised_scores is None
    assert summary.n_late == sum(1 for r in summary.rows if r.late) > 0
    assert dict(summary.status_counts) == {
        "chưa bắt đầu": 10,
        "đang làm": 5,
        "đã nộp": 10,
        "đã thẩm định": 15,
    }


async def test_statistics(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    specs = district_specs(rubric())
    summary = await summary_of(sessionmaker, specs)
    submitted = [s for s in specs if s.proposed]
    appraised = [s for s in specs if s.final]
    assert summary.n_submitted == len(submitted) == 25
    assert summary.self_total_avg == sum(s.self_total for s in submitted) / 25
    assert summary.appraised_total_avg == sum(s.appraised_total for s in appraised) / 15
    first = summary.criterion_stats[0]
    ids = [i.id for i in rubric().criteria[0].items]
    expected = sum(sum(s.self_scores[i] for i in ids) for s in submitted) / 25
    assert first.self_avg == expected
    counts = {c.label: (c.proposed, c.final) for c in summary.rating_counts}
    for band in rubric().ratings.bands:
        assert counts[band.label] == (
            sum(1 for s in specs if s.proposed == band.code),
            sum(1 for s in specs if s.final == band.code),
        )
    assert counts[UNRATED] == (15, 25)
    assert sum(p for p, _ in counts.values()) == 40


async def test_few_queries_and_foreign_units_left_out(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as s, s.begin():
        period = await build_district(s, district_specs(rubric()))
        await build_earlier_years(s, period)
        other = await build_district(
            s,
            [UnitSpec("KC-XA01", "Xã Khác", UnitKind.COMMUNE, Status.SUBMITTED)],
            code="KC",
            name="UBND huyện Khoái Châu",
        )
        assert other.id != period.id
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessionmaker() as s:
            period = await s.scalar(select(Period).where(Period.id == period.id))
            statements.clear()
            summary = await gather_district(s, period, rubric(), today=TODAY)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) <= 6, statements  # the earlier years' results: one for all units
    assert len(summary.rows) == 40
    assert sum(len(r.earlier) for r in summary.rows) == 6
    assert all(r.code.startswith("VG-") for r in summary.rows)


async def test_the_earlier_year_beside_this_one(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    summary = await summary_of(sessionmaker, district_specs(rubric()), earlier=True)
    assert summary.earlier_year == 2021
    by_code = {r.code: r for r in summary.rows}
    assert by_code["VG-PHONG31"].earlier == (PastResult(None, 2021, D("78.5"), "Khá"),)
    assert by_code["VG-PHONG32"].earlier == (PastResult(None, 2021, D(70), "Khá"),)
    assert by_code["VG-PHONG33"].earlier == ()  # a draft is no result
    assert by_code["VG-PHONG34"].earlier == (PastResult(None, 2020, D(90), "Tốt"),)
    assert by_code["VG-XA01"].succeeds and by_code["VG-XA01"].earlier == (
        PastResult("xã Cũ Một", 2021, D(85), "Tốt"),
        PastResult("xã Cũ Hai", 2021, D(60), "Trung bình"),
        PastResult("xã Cũ Ba", 2021, D(99), "Tốt"),  # Cũ Hai had taken it over
    )
    assert not by_code["VG-PHONG31"].succeeds
    with_earlier = {r.code for r in summary.rows if r.earlier}
    assert with_earlier == {"VG-PHONG31", "VG-PHONG32", "VG-PHONG34", "VG-XA01"}
    assert "VG-CU1" not in by_code  # the old communes are not the district's units


async def test_before_the_deadline_nobody_is_late(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    specs = [s for s in district_specs(rubric(), 8) if s.submitted_at is None]
    async with sessionmaker() as s, s.begin():
        period = await build_district(s, specs)
    async with sessionmaker() as s:
        summary = await gather_district(s, period, rubric(), today=SUBMIT_BY)
    assert not any(r.late for r in summary.rows)
    assert summary.self_total_avg is None
    assert all(st.self_avg is None for st in summary.criterion_stats)


def test_the_commune_level_is_one_group_named_by_the_kinds_in_it() -> None:
    old = group_labels({UnitKind.OFFICE, UnitKind.COMMUNE, UnitKind.TOWNSHIP})
    assert old[UnitKind.COMMUNE] == old[UnitKind.TOWNSHIP] == "xã, thị trấn"  # 2022
    new = group_labels({UnitKind.DEPARTMENT, UnitKind.WARD, UnitKind.COMMUNE})
    assert new[UnitKind.WARD] == new[UnitKind.COMMUNE] == "xã, phường"  # 2026
    assert new[UnitKind.DEPARTMENT] == "sở, ban, ngành"
    assert group_labels({UnitKind.COMMUNE})[UnitKind.COMMUNE] == "xã"
