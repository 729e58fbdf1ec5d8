"""Year over year in storage: the newest earlier year's results of a unit and of every unit it
succeeds (however many mergers back, each once), for one unit or a whole list in one
statement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from rubric.loader import load_rubric
from storage.carry import sources
from storage.earlier import Earlier, earlier_by_unit, earlier_results, names_units
from storage.models import Answer, Status, Unit, UnitKind, UnitSuccession
from tests.test_reports_district import Past, add_past
from tests.test_storage_assessments import period

D = Decimal
# Mergers: Cũ A and Cũ B into Giữa (2023), Giữa into Mới (2025): Mới succeeds all three.
# A diamond: Gốc split into Trái and Phải, both merged into Đích: Gốc is reached twice.
SUCCEEDS = {
    "GIUA": ("CU-A", "CU-B"),
    "MOI": ("GIUA",),
    "TRAI": ("GOC",),
    "PHAI": ("GOC",),
    "DICH": ("TRAI", "PHAI"),
}
RESULTS = {  # code -> its results
    "CU-A": [Past(2022, Status.APPRAISED, D(80), D("78.5"), "tot", "kha")],
    "CU-B": [Past(2021, Status.SUBMITTED, D(90), proposed="tot"),
             Past(2022, Status.SUBMITTED, D(66), proposed="kha")],
    "GIUA": [Past(2024, Status.DRAFT, D(50))],  # never submitted
    "GOC": [Past(2022, Status.SUBMITTED, D(70), proposed="xuat_sac")],  # an older rubric's band
    "MOI": [Past(2026, Status.SUBMITTED, D(99), proposed="tot")],  # this year: not "earlier"
}  # fmt: skip


async def _build(s: AsyncSession) -> tuple[dict[str, int], dict[tuple[str, int], int]]:
    """The units (code -> id) and their assessments ((code, year) -> id)."""
    authority = Unit(code="T", name="UBND tỉnh", kind=UnitKind.PROVINCE)
    s.add(authority)
    await s.flush()
    codes = {c for pair in SUCCEEDS.items() for c in (pair[0], *pair[1])}
    units = {c: Unit(code=c, name=f"UBND xã {c}", kind=UnitKind.COMMUNE) for c in sorted(codes)}
    s.add_all(units.values())
    years = {p.year for results in RESULTS.values() for p in results}
    periods = {year: period(year, authority) for year in years}
    s.add_all(periods.values())
    await s.flush()
    for new, olds in SUCCEEDS.items():
        s.add_all(
            UnitSuccession(
                predecessor_id=units[old].id,
                successor_id=units[new].id,
                effective_on=date(2025, 7, 1),
            )
            for old in olds
        )
    assessments = {
        (code, p.year): await add_past(s, units[code].id, periods[p.year].id, p)
        for code, results in RESULTS.items()
        for p in results
    }
    return {c: u.id for c, u in units.items()}, assessments


A = Earlier("UBND xã CU-A", 2022, D("78.5"), "kha", True)  # appraised: the appraised total
B = Earlier("UBND xã CU-B", 2022, D(66), "kha", False)  # submitted: its own, the newest year
GOC = Earlier("UBND xã GOC", 2022, D(70), "xuat_sac", False)


async def test_every_unit_it_succeeds_however_far_back_each_once(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as s, s.begin():
        ids, assessments = await _build(s)
    statements: list[str] = []

    def heard(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", heard)
    try:
        async with sessionmaker() as s:
            found = await earlier_by_unit(s, Unit.code.in_(list(ids)), 2026)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", heard)
    assert len(statements) == 1, statements  # lineage and results together
    by_code = {code: found.get(unit_id, []) for code, unit_id in ids.items()}
    assert by_code["MOI"] == [A, B]  # two mergers back; Giữa's 2024 draft does not count
    assert by_code["GIUA"] == [A, B]
    assert by_code["DICH"] == [GOC]  # the diamond's root once
    assert by_code["CU-B"] == [B] and by_code["TRAI"] == by_code["PHAI"] == [GOC]

    async with sessionmaker() as s:
        assert await earlier_results(s, ids["MOI"], 2026) == [A, B]  # one unit: the same
        assert await earlier_results(s, ids["MOI"], 2022) == [
            Earlier("UBND xã CU-B", 2021, D(90), "tot", False)  # before 2022: 2021's
        ]
        assert await earlier_results(s, ids["CU-B"], 2021) == []
        # the reports a merged unit may start from come through the same lineage
        assert [x.unit_name for x in await sources(s, ids["MOI"], 2026)] == []  # no texts
        s.add(Answer(assessment_id=assessments["CU-A", 2022], item_id="I.3", results_text="x"))
        assert [x.unit_name for x in await sources(s, ids["MOI"], 2026)] == ["UBND xã CU-A"]


def test_how_an_earlier_result_is_named_and_rated() -> None:
    rubric = load_rubric("hung-yen-2022")
    assert A.rating_label(rubric) == "Khá"
    assert GOC.rating_label(rubric) == "xuat_sac"  # a band this year's rubric no longer has
    assert Earlier("x", 2022, D(0), None, False).rating_label(rubric) is None
    assert not names_units([B], "UBND xã CU-B")  # its own, alone
    assert names_units([B], "UBND xã Mới")  # a unit it succeeds
    assert names_units([A, B], "UBND xã CU-A")  # several: each named
    assert not names_units([], "UBND xã Mới")
