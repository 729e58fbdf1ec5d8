"""``danvan export --year 2022 -o TONG-HOP.xlsx [-o ….docx] [-o ….png] [--authority CODE]``:
the district summary for the appraisal authority (format from each file's suffix)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy import select

from bot.app import open_app
from bot.cli.base import Bar, CliError, main
from bot.settings import get_settings
from reports.district import DistrictSummary, gather_district
from reports.district_files import (  # each loads its library when first used
    write_district_chart,
    write_district_docx,
    write_district_xlsx,
)
from storage.models import Period, Unit

WRITERS: dict[str, tuple[str, Callable[[DistrictSummary, Path], Path]]] = {
    ".xlsx": ("bảng tổng hợp Excel", write_district_xlsx),
    ".docx": ("bảng tổng hợp Word", write_district_docx),
    ".png": ("biểu đồ", write_district_chart),
}


async def _summary(year: int, authority: str | None) -> DistrictSummary:
    async with open_app(get_settings()) as app, app.sessions() as s:
        query = (
            select(Period, Unit)
            .join(Unit, Unit.id == Period.authority_id)
            .where(Period.year == year)
            .order_by(Unit.code)
        )
        if authority is not None:
            query = query.where(Unit.code == authority)
        found = (await s.execute(query)).all()
        if not found:
            whose = f" của đơn vị {authority}" if authority else ""
            raise CliError(f"Không có kỳ đánh giá năm {year}{whose}.")
        if len(found) > 1:
            codes = ", ".join(f"{u.code} ({u.name})" for _, u in found)
            raise CliError(
                f"Năm {year} có {len(found)} kỳ đánh giá: {codes}. "
                "Chọn đơn vị thẩm định bằng --authority MÃ."
            )
        period = found[0][0]
        return await gather_district(s, period, app.reports.rubric_for(period.rubric_id))


@main.command()
@click.option("--year", type=int, required=True, help="Năm đánh giá, ví dụ 2022.")
@click.option(
    "--authority",
    default=None,
    metavar="MÃ",
    help="Mã đơn vị thẩm định, khi trong năm có nhiều kỳ đánh giá (nhiều huyện).",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp cần ghi: .xlsx, .docx hoặc .png; dùng -o nhiều lần để ghi nhiều tệp.",
)
def export(year: int, authority: str | None, outputs: tuple[Path, ...]) -> None:
    """Xuất bảng tổng hợp kết quả tự đánh giá của các đơn vị (Excel, Word, biểu đồ PNG)."""
    for path in outputs:
        if path.suffix.lower() not in WRITERS:
            raise CliError(
                f"Không xuất được {path}: chỉ hỗ trợ tệp .xlsx (Excel), .docx (Word) "
                "và .png (biểu đồ)."
            )
    summary = asyncio.run(_summary(year, authority))
    if summary.n_submitted == 0:
        raise CliError(
            f"Chưa có đơn vị nào nộp báo cáo tự đánh giá năm {year} cho "
            f"{summary.authority_name} ({len(summary.rows)} đơn vị, hạn nộp "
            f"{summary.submit_by:%d/%m/%Y}): chưa có gì để tổng hợp. "
            "Xem tiến độ: danvan period list"
        )
    written = []
    with Bar("Ghi bảng tổng hợp") as bar:
        for n, path in enumerate(outputs, start=1):
            what, write = WRITERS[path.suffix.lower()]
            write(summary, path)
            written.append(f"Đã ghi {what}: {path} ({len(summary.rows)} đơn vị)")
            bar(n, len(outputs))
    click.echo("\n".join(written))
