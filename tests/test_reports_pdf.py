"""DOCX → PDF with LibreOffice, then poppler: page count, pages as PNG, page numbers.

Without LibreOffice (soffice) or poppler (pdfinfo, pdftoppm) the rendering tests are skipped
here, and fail in CI (CI=true), where .ci/run installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.outline_report import write_outline_report
from reports.pdf import PdfError, libreoffice_available, to_pdf
from reports.unit_report import write_unit_report
from rubric.loader import load_rubric
from tests.test_reports_outline_report import cuu_cao

pytestmark = pytest.mark.slow


@pytest.fixture
def tools() -> None:
    missing = [t for t in ("pdfinfo", "pdftoppm", "pdftotext") if shutil.which(t) is None]
    if not libreoffice_available():
        missing.insert(0, "soffice (LibreOffice)")
    if not missing:
        return
    reason = f"not installed: {', '.join(missing)} (apt-get install libreoffice-writer-nogui"
    reason += " poppler-utils fonts-liberation)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"PDF rendering is tested in CI, but {reason}")
    pytest.skip(reason)


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:"))
    return int(line.split()[1])


def page_text(pdf: Path, page: int) -> str:
    args = ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def first_line(pdf: Path, page: int) -> str:
    return next(ln.strip() for ln in page_text(pdf, page).splitlines() if ln.strip())


async def test_unit_report_renders_to_pdf_and_png(tools: None, tmp_path: Path) -> None:
    rubric = load_rubric("hung-yen-2022")
    docx = write_unit_report(rubric, cuu_cao(rubric), tmp_path / "bao-cao.docx")
    pdf = await to_pdf(docx)
    assert pdf == tmp_path / "bao-cao.pdf"
    n = pages(pdf)
    assert n > 3  # the report, then the Bảng chấm điểm on landscape pages
    subprocess.run(["pdftoppm", "-png", "-r", "20", str(pdf), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == n
    one = page_text(pdf, 1)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in one and "XÃ CỬU CAO" in one
    assert first_line(pdf, 1) != "1"  # no number on the first page
    assert first_line(pdf, 2) == "2"  # then centred in the top margin
    table = next(k for k in range(2, n + 1) if "BẢNG CHẤM ĐIỂM" in page_text(pdf, k))
    files = next(k for k in range(table, n + 1) if "DANH MỤC TÀI LIỆU" in page_text(pdf, k))
    # an attachment numbers its own pages: none on its first, then 2, 3…
    assert not first_line(pdf, table).isdigit() and first_line(pdf, table + 1) == "2"
    assert not first_line(pdf, files).isdigit()
    assert first_line(pdf, files - 1) == str(files - table)


async def test_outline_report_renders_to_pdf(tools: None, tmp_path: Path) -> None:
    rubric = load_rubric("hung-yen-2022")
    docx = write_outline_report(rubric, cuu_cao(rubric), tmp_path / "tom-tat.docx")
    pdf = await to_pdf(docx, tmp_path / "pdf")
    assert pdf == tmp_path / "pdf" / "tom-tat.pdf"
    n = pages(pdf)
    assert n > 3
    assert "Tóm tắt kết quả thực hiện công tác dân vận chính quyền năm 2022" in page_text(pdf, 1)
    assert first_line(pdf, 2) == "2"
    # pdftotext may break justified words ("T ổng s ố"): compare without any whitespace
    assert "Tổngsốđiểmđạtđượclà92,5" in "".join(page_text(pdf, n).split())


async def test_without_libreoffice_there_is_no_pdf(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOFFICE", "no-such-soffice")
    assert not libreoffice_available()
    assert await to_pdf(tmp_path / "x.docx") is None


def fake_soffice(tmp_path: Path, script: str) -> Path:
    exe = tmp_path / "fake-soffice"
    exe.write_text(f"#!/bin/sh\n{script}\n")
    exe.chmod(0o755)
    return exe


async def test_a_failing_conversion_is_an_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOFFICE", str(fake_soffice(tmp_path, "echo 'Error: source file' >&2")))
    with pytest.raises(PdfError, match=r"could not convert x\.docx: Error: source file"):
        await to_pdf(tmp_path / "x.docx")


async def test_a_hanging_conversion_is_killed(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOFFICE", str(fake_soffice(tmp_path, "sleep 30 & sleep 30")))
    with pytest.raises(PdfError, match=r"did not finish within 0\.5 s"):
        await to_pdf(tmp_path / "x.docx", timeout=0.5)
