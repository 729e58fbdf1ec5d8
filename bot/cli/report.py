"""``danvan report --unit CODE --year YEAR [-o PATH] [--kind …] [--pdf]``."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import click

from bot.app import open_app
from bot.cli.base import main
from bot.settings import get_settings
from reports.pdf import PdfError, to_pdf
from storage import assessments as repo

# --kind -> the ReportService kinds written, in this order
KINDS = {
    "tu-danh-gia": ("unit",),  # Báo cáo tự đánh giá, xếp loại + Bảng chấm điểm
    "de-cuong": ("outline",),  # Báo cáo tóm tắt theo đề cương
    "ca-hai": ("unit", "outline"),
}
NO_LIBREOFFICE = (
    "Chưa cài LibreOffice nên chưa tạo được bản PDF; báo cáo .docx vẫn đã được ghi. "
    "Cài LibreOffice (ví dụ: sudo apt-get install libreoffice-writer-nogui) "
    "rồi chạy lại lệnh với --pdf."
)


async def _write(unit: str, year: int, kinds: tuple[str, ...]) -> list[Path]:
    # One command, one report: written here, as `danvan export` writes its files (no other chat
    # waits on this event loop; a worker process would only add its start, ~0.3 s).
    settings = get_settings().model_copy(update={"report_workers": 0})
    async with open_app(settings) as app:
        async with app.sessions() as s:
            assessment = await repo.find(s, unit, year)
        if assessment is None:
            raise click.ClickException(f"Không có bài tự đánh giá của đơn vị {unit} năm {year}.")
        return await app.reports.write(assessment.id, kinds, draft=False)


def _place(paths: list[Path], output: Path | None) -> list[Path]:
    """Move the files to ``output``: a file for one report, a folder for several."""
    if output is None:
        return paths
    if len(paths) == 1 and not output.is_dir():
        targets = [output]
    else:
        targets = [output / p.name for p in paths]
    placed = []
    for path, target in zip(paths, targets, strict=True):
        if target.resolve() != path.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
        placed.append(target)
    return placed


async def _pdfs(paths: list[Path]) -> list[Path] | None:
    """The PDF of each file, beside it; None when LibreOffice is not installed."""
    out = []
    for path in paths:
        pdf = await to_pdf(path)
        if pdf is None:
            return None
        out.append(pdf)
    return out


@main.command()
@click.option("--unit", "unit", required=True, help="Mã đơn vị, ví dụ VG-CUUCAO.")
@click.option("--year", type=int, required=True, help="Năm đánh giá, ví dụ 2022.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Tệp .docx cho một báo cáo; thư mục khi --kind ca-hai.",
)
@click.option(
    "--kind",
    type=click.Choice(list(KINDS)),
    default="tu-danh-gia",
    show_default=True,
    help="tu-danh-gia: báo cáo tự đánh giá kèm Bảng chấm điểm; "
    "de-cuong: báo cáo tóm tắt theo đề cương; ca-hai: cả hai.",
)
@click.option("--pdf", is_flag=True, help="Ghi thêm bản PDF bên cạnh (cần LibreOffice).")
def report(unit: str, year: int, output: Path | None, kind: str, pdf: bool) -> None:
    """Xuất báo cáo (.docx, và .pdf nếu muốn) của một đơn vị."""
    kinds = KINDS[kind]
    if output is not None and len(kinds) > 1 and output.suffix.lower() == ".docx":
        raise click.UsageError("Với --kind ca-hai, -o là một thư mục (ghi hai tệp vào đó).")
    paths = _place(asyncio.run(_write(unit, year, kinds)), output)
    for path in paths:
        click.echo(f"Đã ghi báo cáo: {path}")
    if not pdf:
        return
    try:
        pdfs = asyncio.run(_pdfs(paths))
    except PdfError as e:
        raise click.ClickException(f"Không tạo được bản PDF: {e}") from e
    if pdfs is None:
        click.echo(NO_LIBREOFFICE, err=True)
        return
    for path in pdfs:
        click.echo(f"Đã ghi bản PDF: {path}")
