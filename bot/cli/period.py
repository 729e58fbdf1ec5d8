"""``danvan period create|list|update``: the year's assessment period and its deadlines."""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import open_app, rubric_loader
from bot.cli.base import CliError, main, parse_date, run, table
from bot.settings import Settings, get_settings
from rubric.loader import RubricError, available_rubrics, rubric_sha256
from storage.admin import periods as period_admin
from storage.admin import units as unit_admin
from storage.models import STATUS_LABELS, Period, Unit

DATES = {"submit_by": "hạn nộp", "appraise_by": "hạn thẩm định", "report_by": "hạn báo cáo"}
EXAMPLE = (
    "danvan period create --year 2022 --rubric hung-yen-2022 "
    "--submit-by 2022-11-15 --appraise-by 2022-12-01 --report-by 2022-12-10"
)


def parse_year(value: str) -> int:
    if not value.strip().isdigit() or not 2000 <= int(value) <= 2100:
        raise CliError(f"--year phải là một năm, ví dụ 2022 (đang là «{value}»).")
    return int(value)


def deadlines(period: Period) -> str:
    return " · ".join(f"{label} {getattr(period, f):%d/%m/%Y}" for f, label in DATES.items())


def checked_rubric(settings: Settings, rubric_id: str) -> str:
    """The SHA-256 of a rubric that exists and is valid."""
    extra = (settings.rubric_dir,) if settings.rubric_dir else ()
    known = available_rubrics(extra)
    if rubric_id not in known:
        raise CliError(f"Không có bảng điểm «{rubric_id}». Hiện có: {', '.join(known) or '—'}.")
    try:
        rubric_loader(settings)(rubric_id)
    except RubricError as exc:
        raise CliError(str(exc)) from None
    return rubric_sha256(rubric_id, extra)


async def _create(year: int, rubric_id: str, dates: dict[str, date], code: str | None) -> str:
    settings = get_settings()
    sha256 = checked_rubric(settings, rubric_id)
    period_admin.check_dates(**dates)
    async with open_app(settings) as app, app.sessions() as s, s.begin():
        authority = (
            await unit_admin.need_unit(s, code) if code else await unit_admin.default_authority(s)
        )
        period, created = await period_admin.create_period(
            s, authority, year=year, rubric_id=rubric_id, rubric_sha256=sha256, **dates
        )
        return "\n".join(
            [
                f"Đã tạo kỳ đánh giá năm {year} của {authority.name} ({authority.code}), "
                f"bảng điểm {rubric_id}:",
                f"  {deadlines(period)}",
                f"  đã tạo {created} bài tự đánh giá (mỗi đơn vị trực thuộc một bài).",
                "Tiếp theo, mời cán bộ các đơn vị: danvan invite create --unit MÃ",
            ]
        )


@main.group()
def period() -> None:
    """Kỳ đánh giá hằng năm: tạo, xem danh sách, đổi hạn."""


@period.command("create")
@click.option("--year", metavar="NĂM", help="Năm đánh giá, ví dụ 2022.")
@click.option("--rubric", "rubric_id", metavar="MÃ", help="Mã bảng điểm (danvan rubric list).")
@click.option("--submit-by", metavar="NGÀY", help="Hạn đơn vị nộp tự đánh giá, ví dụ 2022-11-15.")
@click.option("--appraise-by", metavar="NGÀY", help="Hạn thẩm định, xếp loại, ví dụ 2022-12-01.")
@click.option("--report-by", metavar="NGÀY", help="Hạn báo cáo cấp trên, ví dụ 2022-12-10.")
@click.option("--authority", metavar="MÃ", help="Mã cơ quan thẩm định (mặc định: huyện duy nhất).")
def create(
    year: str | None,
    rubric_id: str | None,
    submit_by: str | None,
    appraise_by: str | None,
    report_by: str | None,
    authority: str | None,
) -> None:
    """Tạo kỳ đánh giá và một bài tự đánh giá cho mỗi đơn vị được thẩm định."""
    given = {
        "--year": year,
        "--rubric": rubric_id,
        "--submit-by": submit_by,
        "--appraise-by": appraise_by,
        "--report-by": report_by,
    }
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise CliError(f"Thiếu {', '.join(missing)}. Ví dụ:\n  {EXAMPLE}")
    assert year and rubric_id
    dates: dict[str, date] = {}
    for field, value in zip(DATES, (submit_by, appraise_by, report_by), strict=True):
        dates[field] = parse_date(value, "--" + field.replace("_", "-")) or date.min
    click.echo(run(_create(parse_year(year), rubric_id, dates, authority)))


async def _list() -> list[list[str]]:
    async with open_app(get_settings()) as app, app.sessions() as s:
        found = await period_admin.periods(s)
    rows = [["NĂM", "CƠ QUAN THẨM ĐỊNH", "BẢNG ĐIỂM", *(d.upper() for d in DATES.values()), "BÀI"]]
    for p, authority, counts in found:
        statuses = ", ".join(
            f"{counts[st]} {label}" for st, label in STATUS_LABELS.items() if counts[st]
        )
        total = f"{sum(counts.values())}" + (f": {statuses}" if statuses else "")
        row = [
            str(p.year),
            authority.code,
            p.rubric_id,
            *(f"{getattr(p, f):%d/%m/%Y}" for f in DATES),
        ]
        rows.append([*row, total])
    return rows


@period.command("list")
def list_() -> None:
    """Các kỳ đánh giá, hạn và số bài theo trạng thái."""
    rows = run(_list())
    if len(rows) == 1:
        click.echo(f"Chưa có kỳ đánh giá nào. Tạo bằng:\n  {EXAMPLE}")
        return
    click.echo("\n".join(table(rows)))


async def _find(s: AsyncSession, year: int, code: str | None) -> tuple[Period, Unit]:
    if code:
        authority = await unit_admin.need_unit(s, code)
        found = await period_admin.find_period(s, year, authority)
        if found is None:
            raise CliError(f"Chưa có kỳ đánh giá năm {year} của {authority.code}.")
        return found, authority
    of_year = [(p, u) for p, u, _ in await period_admin.periods(s) if p.year == year]
    if len(of_year) > 1:
        default = (await unit_admin.default_authority(s)).id
        of_year = [(p, u) for p, u in of_year if u.id == default] or of_year
    if len(of_year) > 1:
        codes = ", ".join(u.code for _, u in of_year)
        raise CliError(f"Năm {year} có nhiều kỳ đánh giá ({codes}); hãy chọn bằng --authority MÃ.")
    if not of_year:
        raise CliError(f"Chưa có kỳ đánh giá năm {year}. Tạo bằng:\n  {EXAMPLE}")
    return of_year[0]


async def _update(year: int, code: str | None, changes: dict[str, date | None]) -> list[str]:
    async with open_app(get_settings()) as app, app.sessions() as s, s.begin():
        found, authority = await _find(s, year, code)
        new = {f: changes[f] or getattr(found, f) for f in DATES}
        period_admin.check_dates(**new)
        lines = [
            f"  {DATES[f]}: {getattr(found, f):%d/%m/%Y} → {new[f]:%d/%m/%Y}"
            for f in DATES
            if new[f] != getattr(found, f)
        ]
        for f, value in new.items():
            setattr(found, f, value)
        created = await period_admin.ensure_assessments(s, found)
        if created:
            lines.append(f"  đã tạo thêm {created} bài tự đánh giá cho đơn vị mới")
        head = f"Kỳ đánh giá năm {year} của {authority.name} ({authority.code})"
        return [f"{head}:", *lines] if lines else [f"{head}: không thay đổi."]


@period.command("update")
@click.option("--year", metavar="NĂM", help="Năm của kỳ đánh giá cần sửa.")
@click.option("--authority", metavar="MÃ", help="Mã cơ quan thẩm định (khi năm đó có nhiều kỳ).")
@click.option("--submit-by", metavar="NGÀY", help="Hạn nộp mới.")
@click.option("--appraise-by", metavar="NGÀY", help="Hạn thẩm định mới.")
@click.option("--report-by", metavar="NGÀY", help="Hạn báo cáo mới.")
def update(
    year: str | None,
    authority: str | None,
    submit_by: str | None,
    appraise_by: str | None,
    report_by: str | None,
) -> None:
    """Đổi hạn của một kỳ; tạo bài tự đánh giá cho đơn vị mới nhập thêm."""
    if not year:
        raise CliError(
            "Thiếu --year. Ví dụ: danvan period update --year 2022 --submit-by 2022-11-20"
        )
    changes = {
        "submit_by": parse_date(submit_by, "--submit-by"),
        "appraise_by": parse_date(appraise_by, "--appraise-by"),
        "report_by": parse_date(report_by, "--report-by"),
    }
    click.echo("\n".join(run(_update(parse_year(year), authority, changes))))
