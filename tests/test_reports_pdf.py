"""DOCX → PDF with LibreOffice, then poppler: page count, pages as PNG, page numbers, and no
page of any document the bot writes left less than half full (but the last of a section).

Without LibreOffice (soffice) or poppler (pdftotext, pdftoppm) the rendering tests are skipped
here, and fail in CI (CI=true), where .ci/run installs them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx.enum.text import WD_BREAK

from reports.layout import new_document
from reports.outline_report import write_outline_report
from reports.pdf import PdfError, libreoffice_available, to_pdf, to_pdfs
from reports.unit_report import write_unit_report
from rubric.loader import load_rubric
from tests.test_reports_outline_report import cuu_cao
from tools.pdf_pages import TOOLS, Page, read_pages, render_page, sections
from tools.specimens import build

pytestmark = pytest.mark.slow


def require_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not libreoffice_available():
        missing.insert(0, "soffice (LibreOffice)")
    if not serif_like_times():
        missing.append("a font with Times New Roman's metrics (page breaks depend on it)")
    if not missing:
        return
    reason = f"not installed: {', '.join(missing)} (apt-get install libreoffice-writer-nogui"
    reason += " poppler-utils fonts-liberation)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"PDF rendering is tested in CI, but {reason}")
    pytest.skip(reason)


def serif_like_times() -> bool:
    """What LibreOffice draws "Times New Roman" with: the font itself or Liberation Serif (the
    same widths); another serif would break the pages elsewhere."""
    if shutil.which("fc-match") is None:
        return False
    found = subprocess.run(["fc-match", "Times New Roman"], capture_output=True, text=True)
    return any(name in found.stdout for name in ("Liberation Serif", "Times New Roman"))


@pytest.fixture
def tools() -> None:
    require_tools()


async def test_unit_report_renders_to_pdf_and_png(tools: None, tmp_path: Path) -> None:
    rubric = load_rubric("hung-yen-2022")
    docx = write_unit_report(rubric, cuu_cao(rubric), tmp_path / "bao-cao.docx")
    pdf = await to_pdf(docx)
    assert pdf == tmp_path / "bao-cao.pdf"
    pages = read_pages(pdf)
    assert len(pages) > 3  # the report, then the Bảng chấm điểm on landscape pages
    assert render_page(pdf, 2, tmp_path / "p2.png").read_bytes()[:4] == b"\x89PNG"
    one = pages[0].text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in one and "XÃ CỬU CAO" in one
    assert not pages[0].numbered  # no number on the first page
    assert pages[1].first_line == "2"  # then centred in the top margin
    table = next(p.number for p in pages if "BẢNG CHẤM ĐIỂM" in p.text)
    files = next(p.number for p in pages if "DANH MỤC TÀI LIỆU" in p.text)
    # an attachment numbers its own pages: none on its first, then 2, 3…
    assert not pages[table - 1].numbered and pages[table].first_line == "2"
    assert not pages[files - 1].numbered
    assert pages[files - 2].first_line == str(files - table)


async def test_outline_report_renders_to_pdf(tools: None, tmp_path: Path) -> None:
    rubric = load_rubric("hung-yen-2022")
    docx = write_outline_report(rubric, cuu_cao(rubric), tmp_path / "tom-tat.docx")
    pdf = await to_pdf(docx, tmp_path / "pdf")
    assert pdf == tmp_path / "pdf" / "tom-tat.pdf"
    pages = read_pages(pdf)
    assert len(pages) > 3
    assert "Tóm tắt kết quả thực hiện công tác dân vận chính quyền năm 2022" in pages[0].text
    assert pages[1].first_line == "2"
    # pdftotext may break justified words ("T ổng s ố"): compare without any whitespace
    assert "Tổngsốđiểmđạtđượclà92,5" in "".join(pages[-1].text.split())


async def test_several_documents_with_one_libreoffice_start(tools: None, tmp_path: Path) -> None:
    rubric = load_rubric("hung-yen-2022")
    docxs = [
        write_unit_report(rubric, cuu_cao(rubric), tmp_path / "bao-cao.docx"),
        write_outline_report(rubric, cuu_cao(rubric), tmp_path / "tom-tat.docx"),
    ]
    pdfs = await to_pdfs(docxs, tmp_path / "pdf")
    assert pdfs == [tmp_path / "pdf" / "bao-cao.pdf", tmp_path / "pdf" / "tom-tat.pdf"]
    assert "BẢNG CHẤM ĐIỂM" in " ".join(p.text for p in read_pages(pdfs[0]))
    assert "Tóm tắt kết quả" in read_pages(pdfs[1])[0].text
    with pytest.raises(ValueError, match="several folders"):
        await to_pdfs([docxs[0], tmp_path / "pdf" / "x.docx"])


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


# -- every page at least half full -----------------------------------------------------------

HALF = 0.5


def half_empty(pages: list[Page]) -> list[tuple[int, float]]:
    """(page, fill) of the pages less than half full that are not the last of their section."""
    return [(p.number, p.fill) for sec in sections(pages) for p in sec[:-1] if p.fill < HALF]


@pytest.fixture(scope="module")
def specimens(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Page]]:
    """Each kind of document as the bot writes it (tools/specimens.py), rendered: slug -> pages."""
    require_tools()
    out = tmp_path_factory.mktemp("specimens")

    async def make() -> dict[str, list[Page]]:
        made = await build(out)
        pdfs = await to_pdfs([m.docx for m in made])
        return {m.slug: read_pages(pdf) for m, pdf in zip(made, pdfs, strict=True)}

    return asyncio.run(make())


def test_no_page_is_left_half_empty(specimens: dict[str, list[Page]]) -> None:
    assert set(specimens) == {"bao-cao-xa", "tom-tat-xa", "bao-cao-phong", "cong-van-huyen"}
    for slug, pages in specimens.items():
        assert half_empty(pages) == [], slug


def test_the_sections_are_found_by_their_unnumbered_first_pages(
    specimens: dict[str, list[Page]],
) -> None:
    shapes = {
        slug: [(sec[0].landscape, len(sec) > 1) for sec in sections(pages)]
        for slug, pages in specimens.items()
    }
    # the report, then its attachments on landscape pages: the Bảng chấm điểm, the list of files
    assert shapes["bao-cao-xa"] == [(False, True), (True, True), (True, False)]
    assert shapes["tom-tat-xa"] == [(False, True)]
    assert [landscape for landscape, _ in shapes["cong-van-huyen"]] == [False, True]
    letter = sections(specimens["cong-van-huyen"])[0]
    assert "Kính gửi: Sở Nội vụ tỉnh Hưng Yên" in " ".join(letter[0].text.split())
    assert any("Nơi nhận:" in p.text for p in letter)


async def test_a_page_broken_off_early_is_found(tools: None, tmp_path: Path) -> None:
    """The check itself: a page that ends after a few lines (a page break where none should
    be) is reported; the same text flowing on is not."""
    doc = new_document()  # page numbers from page 2, as the reports have them
    for n in range(60):
        doc.add_paragraph(f"Đoạn văn số {n + 1} của báo cáo tự đánh giá công tác dân vận.")
        if n == 5:
            doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    doc.save(tmp_path / "broken.docx")
    doc.paragraphs[5].runs[-1]._r.getparent().remove(doc.paragraphs[5].runs[-1]._r)
    doc.save(tmp_path / "flowing.docx")
    broken, flowing = await to_pdfs([tmp_path / "broken.docx", tmp_path / "flowing.docx"])
    found = half_empty(read_pages(broken))
    assert len(found) == 1 and found[0][0] == 1 and found[0][1] < 0.3
    assert half_empty(read_pages(flowing)) == []
