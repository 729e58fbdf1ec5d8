"""``danvan report --unit CODE --year YEAR [-o FILE]``."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import click

from bot.app import open_app
from bot.cli import main
from bot.settings import get_settings
from storage import assessments as repo


async def _report(unit: str, year: int, output: Path | None) -> Path:
    async with open_app(get_settings()) as app:
        async with app.sessions() as s:
            assessment = await repo.find(s, unit, year)
        if assessment is None:
            raise click.ClickException(f"Không có bài tự đánh giá của đơn vị {unit} năm {year}.")
        path = await app.reports.unit_report(assessment.id, draft=False)
    if output is not None and output != path:
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, output)
        return output
    return path


@main.command()
@click.option("--unit", "unit", required=True, help="Mã đơn vị, ví dụ VG-CUUCAO.")
@click.option("--year", type=int, required=True, help="Năm đánh giá, ví dụ 2022.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def report(unit: str, year: int, output: Path | None) -> None:
    """Xuất báo cáo tự đánh giá (.docx) của một đơn vị."""
    path = asyncio.run(_report(unit, year, output))
    click.echo(f"Đã ghi báo cáo: {path}")
