"""``danvan export`` through click's CliRunner, on a migrated database of each backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docx import Document
from openpyxl import load_workbook

from bot.cli import main
from bot.settings import get_settings
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import UnitKind
from tests.test_reports_district import UnitSpec, build_district, district_specs, rubric
from tests.test_reports_district_files import PNG_SIGNATURE


async def _prepare(url: str, *, second_district: bool) -> None:
    await upgrade(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            await build_district(s, district_specs(rubric()))
            if second_district:
                specs = [UnitSpec("KC-XA01", "Xã Đông Tảo", UnitKind.COMMUNE, None)]
                await build_district(s, specs, code="KC", name="UBND huyện Khoái Châu")
    finally:
        await engine.dispose()


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The settings point at ``db_url``; the working directory is an empty tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "out"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def export(*args: str) -> Result:
    return CliRunner().invoke(main, ["export", *args], catch_exceptions=False)


@pytest.mark.slow
def test_export_writes_all_three(cli: Path, db_url: str) -> None:
    asyncio.run(_prepare(db_url, second_district=False))
    out = cli / "tong-hop"
    result = export(
        "--year",
        "2022",
        *("-o", str(out / "a.xlsx"), "-o", str(out / "b.docx")),
        "-o",
        str(out / "c.png"),
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Đã ghi bảng tổng hợp Excel: {out / 'a.xlsx'} (40 đơn vị)",
        f"Đã ghi bảng tổng hợp Word: {out / 'b.docx'} (40 đơn vị)",
        f"Đã ghi biểu đồ: {out / 'c.png'} (40 đơn vị)",
    ]
    ws = load_workbook(out / "a.xlsx").worksheets[0]
    assert [ws.cell(row, 1).value for row in range(4, 44)] == list(range(1, 41))
    doc = Document(str(out / "b.docx"))
    table = doc.tables[-1]  # after the letter's header and closing blocks
    assert sum(1 for r in table.rows if r.cells[0].text.isdigit()) == 40
    assert (out / "c.png").read_bytes()[:8] == PNG_SIGNATURE


def test_export_errors(cli: Path, db_url: str) -> None:
    asyncio.run(_prepare(db_url, second_district=True))
    unknown = export("--year", "2031", "-o", "x.xlsx")
    assert unknown.exit_code == 1
    assert "Lỗi: Không có kỳ đánh giá năm 2031." in unknown.output
    suffix = export("--year", "2022", "-o", "x.pdf")
    assert suffix.exit_code == 1
    assert "chỉ hỗ trợ tệp .xlsx (Excel), .docx (Word) và .png (biểu đồ)" in suffix.output
    both = export("--year", "2022", "-o", "x.xlsx")
    assert both.exit_code == 1
    assert "Năm 2022 có 2 kỳ đánh giá: KC (UBND huyện Khoái Châu), VG" in both.output
    assert "--authority" in both.output
    nobody = export("--year", "2022", "--authority", "XX", "-o", "x.xlsx")
    assert nobody.exit_code == 1
    assert "Không có kỳ đánh giá năm 2022 của đơn vị XX." in nobody.output
    assert not (cli / "x.xlsx").exists()
    nothing = export("--year", "2022", "--authority", "KC", "-o", "kc.xlsx")
    assert nothing.exit_code == 1  # KC's one unit has not submitted: no empty table
    assert "Chưa có đơn vị nào nộp báo cáo tự đánh giá năm 2022 cho UBND huyện Khoái" in (
        nothing.output
    )
    assert not (cli / "kc.xlsx").exists()
