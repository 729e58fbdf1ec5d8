"""The district summary's files read back: XLSX (openpyxl), DOCX (python-docx), PNG (Pillow)."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import load_workbook
from PIL import Image

from reports.district import OVERDUE, SUBMITTED_LATE, DistrictSummary, gather_district
from reports.district_chart import write_district_chart
from reports.district_docx import write_district_docx
from reports.district_xlsx import STATS_SHEET, TITLE, write_district_xlsx
from rubric.model import Rubric
from rubric.scoring import fmt
from storage.db import create_all, make_engine, make_sessionmaker
from tests.scoring_tables import bonus_rubric
from tests.test_reports_district import (
    TODAY,
    UnitSpec,
    build_district,
    district_specs,
    rubric,
    summary_of,
)
from tests.test_reports_unit_report import check_nd30_blocks

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _district(
    url: str, specs: list[UnitSpec], *, earlier: bool = False, by: Rubric | None = None
) -> DistrictSummary:
    engine = make_engine(url)
    try:
        await create_all(engine)
        return await summary_of(make_sessionmaker(engine), specs, earlier=earlier, by=by)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def specs() -> list[UnitSpec]:
    return district_specs(rubric())


@pytest.fixture(scope="module")
def summary(specs: list[UnitSpec], tmp_path_factory: pytest.TempPathFactory) -> DistrictSummary:
    """The 40-unit district, gathered once (the gathering itself runs on both backends in
    test_reports_district.py; these tests read the files)."""
    db = tmp_path_factory.mktemp("district") / "t.db"
    return asyncio.run(_district(f"sqlite+aiosqlite:///{db}", specs))


@pytest.fixture(scope="module")
def files(summary: DistrictSummary, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("files")
    write_district_xlsx(summary, out / "tong-hop.xlsx")
    write_district_docx(summary, out / "tong-hop.docx")
    write_district_chart(summary, out / "tong-hop.png")
    yield out


def expected_headers() -> list[str]:
    fixed = ["STT", "Mã", "Tên đơn vị", "Loại", "Trạng thái", "Ngày nộp", "Hạn nộp"]
    criteria = [f"TC{n} {what}" for n in range(1, 9) for what in ("tự chấm", "thẩm định")]
    return [*fixed, *criteria, "Tổng tự chấm", "Tổng thẩm định", "Đề nghị xếp loại", "Xếp loại"]


# -- XLSX -----------------------------------------------------------------------------------


def test_xlsx_table(files: Path, specs: list[UnitSpec]) -> None:
    wb = load_workbook(files / "tong-hop.xlsx")
    ws = wb.worksheets[0]
    assert ws["A1"].value == TITLE.format(year=2022)
    assert "UBND huyện Văn Giang" in ws["A2"].value
    header = [c.value for c in ws[3]]
    assert header == expected_headers()
    assert ws.freeze_panes == "D4"  # below the header, after the name column
    assert ws.auto_filter.ref == "A3:AA43"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=43)]
    assert [r[0] for r in rows] == list(range(1, 41))
    assert sorted(r[1] for r in rows) == sorted(s.code for s in specs)
    col = {name: k for k, name in enumerate(header)}
    by_code = {s.code: s for s in specs}
    band = {b.code: b.label for b in rubric().ratings.bands}
    for r in rows:
        spec = by_code[r[1]]
        submitted = spec.proposed is not None
        assert r[col["Tổng tự chấm"]] == (float(spec.self_total) if submitted else None)
        appraised = float(spec.appraised_total) if spec.final else None
        assert r[col["Tổng thẩm định"]] == appraised
        assert r[col["Đề nghị xếp loại"]] == band.get(spec.proposed or "")
        assert r[col["Xếp loại"]] == band.get(spec.final or "")
        if submitted:
            tc1 = sum(spec.self_scores[i.id] for i in rubric().criteria[0].items)
            assert r[col["TC1 tự chấm"]] == float(tc1)
            assert isinstance(r[col["Ngày nộp"]], datetime)
            assert r[col["Ngày nộp"]].hour in (1, 23)  # Vietnam time, naive
        if submitted:  # late: submitted on 16/11 in Việt Nam (still the 15th in UTC)
            late = spec.submitted_at.day == 15
            assert r[col["Hạn nộp"]] == ("nộp muộn (16/11/2022)" if late else None)
        else:  # the deadline has passed on TODAY
            assert r[col["Hạn nộp"]] == "chưa nộp, quá hạn"
    assert ws.cell(4, col["TC1 tự chấm"] + 1).number_format == "0.0"
    assert ws.cell(4, col["Tổng thẩm định"] + 1).number_format == "0.0"
    assert ws.cell(4, col["Ngày nộp"] + 1).number_format == "dd/mm/yyyy hh:mm"
    average = [c.value for c in ws[44]]
    assert average[2].startswith("Bình quân (25 đơn vị đã nộp, 15 đã thẩm định)")
    late = sum(1 for s in specs if s.submitted_at is not None and s.submitted_at.day == 15)
    overdue = sum(1 for s in specs if s.submitted_at is None)
    assert average[col["Hạn nộp"]] == f"{late} nộp muộn, {overdue} quá hạn"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_title_rows == "$3:$3"  # the header row on every printed page
    submitted = [s.self_total for s in specs if s.proposed]
    assert average[col["Tổng tự chấm"]] == pytest.approx(float(sum(submitted) / len(submitted)))
    appraised = [s.appraised_total for s in specs if s.final]
    assert average[col["Tổng thẩm định"]] == pytest.approx(float(sum(appraised) / len(appraised)))
    assert ws.column_dimensions["C"].width >= 30


def test_xlsx_statistics(files: Path, specs: list[UnitSpec]) -> None:
    ws = load_workbook(files / "tong-hop.xlsx")[STATS_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    first = {r[0]: r[1:] for r in reversed(rows) if r[0]}  # the first row with each label
    for b in rubric().ratings.bands:
        proposed = sum(1 for s in specs if s.proposed == b.code)
        final = sum(1 for s in specs if s.final == b.code)
        assert first[b.label][:2] == [proposed, final]
    assert first["Chưa xếp loại"][:2] == [15, 25]
    assert first["chưa bắt đầu"][0] == 10
    assert first["đã thẩm định"][0] == 15
    assert first["TC4"][1] == 23
    tc4 = [
        sum(s.self_scores[i.id] for i in rubric().criteria[3].items) for s in specs if s.proposed
    ]
    assert first["TC4"][2] == pytest.approx(float(sum(tc4) / len(tc4)))
    assert first["TC4"][4] == pytest.approx(float(sum(tc4) / len(tc4) / 23))


# -- DOCX -----------------------------------------------------------------------------------


def test_docx_is_the_letter_to_the_province(files: Path, summary: DistrictSummary) -> None:
    """Block by block: header, Số and V/v, place and date, Kính gửi, the body's figures, Nơi
    nhận, the signature; then the table on landscape pages."""
    doc = Document(str(files / "tong-hop.docx"))
    letter, annex = doc.sections
    assert letter.orientation == WD_ORIENT.PORTRAIT and annex.orientation == WD_ORIENT.LANDSCAPE
    check_nd30_blocks(
        doc,
        issuer=["ỦY BAN NHÂN DÂN", "HUYỆN VĂN GIANG"],
        number="Số:      /UBND-NV",
        date_line="Văn Giang, ngày ... tháng ... năm 2022",
        recipients=[
            "- Như trên;",
            "- Thường trực Huyện ủy;",
            "- Thường trực HĐND huyện;",
            "- Chủ tịch, các PCT UBND huyện;",
            "- Ban Dân vận Huyện ủy;",
            "- Lưu: VT, NV.",
        ],
        signature=["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        name="Lê Thị Tám",
    )
    number_cell = doc.tables[0].rows[1].cells[0]
    assert [p.text for p in number_cell.paragraphs] == [
        "Số:      /UBND-NV",
        "V/v báo cáo kết quả đánh giá, xếp loại công tác dân vận chính quyền năm 2022",
    ]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Kính gửi: Sở Nội vụ tỉnh Hưng Yên." in text
    assert "Căn cứ Quyết định số 02/2020/QĐ-UBND" in text
    assert (
        "1. Số đơn vị thực hiện tự đánh giá: 40 đơn vị (10 phòng chuyên môn; 5 đơn vị sự " in text
    )
    late = summary.deadline_rows(SUBMITTED_LATE)
    overdue = summary.deadline_rows(OVERDUE)
    assert late and overdue
    assert f"nộp muộn {len(late)} đơn vị: {late[0].name} (16/11/2022)" in text
    assert f"Chưa nộp, quá hạn: {len(overdue)} đơn vị: {overdue[0].name}" in text
    assert f"3. Đã thẩm định, xếp loại {summary.n_appraised}/40 đơn vị" in text
    assert "UBND huyện Văn Giang trân trọng báo cáo./." in text
    assert any(p.text == TITLE.format(year=2022) for p in doc.paragraphs)
    assert "(Kèm theo Công văn số:      /UBND-NV ngày ... tháng ... năm 2022 của UBND huyện" in text

    t = next(t for t in doc.tables if len(t.columns) == 5 + 16 + 4)
    header_rows = [r for r in t.rows if r._tr.trPr.find(qn("w:tblHeader")) is not None]
    assert len(header_rows) == 3 and header_rows[0].cells[4].text == "Hạn nộp"
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in t.rows)
    units = [r for r in t.rows if r.cells[0].text.isdigit()]
    assert len(units) == 40
    assert [r.cells[1].text for r in units] == [r.name for r in summary.rows]
    groups = [r.cells[1].text for r in t.rows if r.cells[0].text in ("I", "II", "III")]
    assert groups == [
        "Phòng chuyên môn (10 đơn vị)",
        "Đơn vị sự nghiệp (5 đơn vị)",
        "Xã (25 đơn vị)",
    ]
    by_name = {r.name: r for r in summary.rows}
    marks = {SUBMITTED_LATE: "muộn", OVERDUE: "quá hạn", None: ""}
    for row in units:
        expected = by_name[row.cells[1].text]
        assert row.cells[-4].text == fmt(expected.self_total)
        assert row.cells[-3].text == fmt(expected.appraised_total)
        assert row.cells[4].text == marks[expected.deadline]
    sizes = {
        run.font.size for row in t.rows for c in row.cells for p in c.paragraphs for run in p.runs
    }
    assert sizes == {Pt(11)}
    assert doc.styles["Normal"].font.name == "Times New Roman"


# -- the earlier year beside this one ----------------------------------------------------------


@pytest.fixture(scope="module")
def earlier_files(specs: list[UnitSpec], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The district with 2020 and 2021 results (tests.test_reports_district.PAST): the files."""
    out = tmp_path_factory.mktemp("earlier")
    url = f"sqlite+aiosqlite:///{out / 't.db'}"
    summary = asyncio.run(_district(url, specs, earlier=True))
    write_district_xlsx(summary, out / "tong-hop.xlsx")
    write_district_docx(summary, out / "tong-hop.docx")
    return out


def test_xlsx_shows_the_earlier_year(earlier_files: Path) -> None:
    ws = load_workbook(earlier_files / "tong-hop.xlsx").worksheets[0]
    header = [c.value for c in ws[3]]
    assert header == [*expected_headers(), "Điểm năm 2021", "Xếp loại năm 2021"]
    rows = {r[1]: r[-2:] for r in ws.iter_rows(min_row=4, max_row=43, values_only=True)}
    assert rows["VG-PHONG31"] == (78.5, "Khá")  # appraised: the appraised total, the final
    assert rows["VG-PHONG32"] == (70, "Khá")  # submitted: its own, the rating it proposed
    assert rows["VG-PHONG33"] == (None, None)  # a draft in 2021
    assert rows["VG-PHONG34"] == ("năm 2020: 90", "năm 2020: Tốt")  # none in 2021
    assert rows["VG-XA01"] == (
        "xã Cũ Một: 85; xã Cũ Hai: 60; xã Cũ Ba: 99",
        "xã Cũ Một: Tốt; xã Cũ Hai: Trung bình; xã Cũ Ba: Tốt",
    )
    assert ws.auto_filter.ref == "A3:AC43"
    assert ws["AB4"].number_format == "0.0" and ws["AC4"].alignment.wrap_text
    assert [c.value for c in ws[44]][-2:] == [None, None]  # the average row


def test_docx_shows_the_earlier_year(earlier_files: Path) -> None:
    doc = Document(str(earlier_files / "tong-hop.docx"))
    t = next(t for t in doc.tables if len(t.columns) == 5 + 16 + 4 + 1)
    widths = [c.width for c in t.columns]
    annex = doc.sections[-1]
    text_width = annex.page_width - annex.left_margin - annex.right_margin
    assert sum(widths) <= text_width + Mm(0.2)  # it fits (each width rounded to twips)
    assert t.rows[0].cells[-1].text == "Kết quả năm 2021"
    rows = list(t.rows)
    by_name = {r.cells[1].text: k for k, r in enumerate(rows) if r.cells[0].text.isdigit()}
    assert len(by_name) == 40
    assert rows[by_name["Phòng Số 31"]].cells[-1].text == "78,5 (Khá)"
    assert rows[by_name["Phòng Số 32"]].cells[-1].text == "70 (Khá)"
    assert rows[by_name["Phòng Số 33"]].cells[-1].text == ""
    assert rows[by_name["Phòng Số 34"]].cells[-1].text == "năm 2020: 90 (Tốt)"
    assert rows[by_name["Phòng Số 33"]].cells[3].text == "10/11"  # the table's year goes
    merged = rows[by_name["Xã Số 1"]]
    assert merged.cells[-1].text == ""  # theirs: on the line below, named
    below = rows[by_name["Xã Số 1"] + 1]
    assert below.cells[0].text == "" and below.cells[1].text == (
        "Kết quả năm 2021 của các đơn vị trước sắp xếp: xã Cũ Một: 85 điểm, Tốt; "
        "xã Cũ Hai: 60 điểm, Trung bình; xã Cũ Ba: 99 điểm, Tốt."
    )
    assert all(p.paragraph_format.keep_with_next for c in merged.cells for p in c.paragraphs)
    assert rows[by_name["Xã Số 2"]].cells[-1].text == ""
    legend = next(p.text for p in doc.paragraphs if p.text.startswith("Ghi chú"))
    assert "«Kết quả năm 2021»: tổng điểm (điểm thẩm định nếu đã thẩm định) và xếp loại" in legend


# -- PNG ------------------------------------------------------------------------------------


def test_png(files: Path) -> None:
    blob = (files / "tong-hop.png").read_bytes()
    assert blob[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", blob[16:24])  # IHDR
    assert 700 <= width <= 1200 and height > width
    assert 20_000 < len(blob) <= 200_000
    with Image.open(files / "tong-hop.png") as image:
        image.load()
        assert image.size == (width, height)
        colours = image.convert("RGB").getcolors(maxcolors=10_000) or []
    assert len(colours) > 8  # bars in every rating colour, text, axes


# -- an empty district ----------------------------------------------------------------------


async def test_a_district_without_units_still_exports(sessionmaker, tmp_path: Path) -> None:
    async with sessionmaker() as s, s.begin():
        period = await build_district(s, [])
    async with sessionmaker() as s:
        summary = await gather_district(s, period, rubric(), today=TODAY)
    assert summary.rows == () and summary.self_total_avg is None
    assert all(c.proposed == 0 for c in summary.rating_counts)
    write_district_xlsx(summary, tmp_path / "e.xlsx")
    write_district_docx(summary, tmp_path / "e.docx")
    write_district_chart(summary, tmp_path / "e.png")
    assert load_workbook(tmp_path / "e.xlsx").worksheets[0].max_row == 4  # title, header, avg
    assert (tmp_path / "e.png").read_bytes()[:8] == PNG_SIGNATURE


def test_the_chart_shows_units_by_their_whole_names() -> None:
    from reports.district_chart import unit_label

    assert unit_label("Phòng Lao động - Thương binh và Xã hội") == (
        "Phòng Lao động - Thương binh và Xã hội"  # was "Phòng Lao động - Thương b…"
    )
    assert unit_label("UBND xã Cửu Cao") == "xã Cửu Cao"
    long = "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện (ví dụ)"
    assert unit_label(long) == "Trung tâm Giáo dục nghề nghiệp - Giáo dục …"  # at a word


def test_a_bonus_and_a_penalty_beside_the_earlier_year_still_fit(
    specs: list[UnitSpec], tmp_path: Path
) -> None:
    """The widest table: eight criteria, the bonus and penalty's column and the earlier year's:
    set a little smaller, in proportion, on the same landscape page."""
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    summary = asyncio.run(_district(url, specs, earlier=True, by=bonus_rubric()))
    doc = Document(str(write_district_docx(summary, tmp_path / "tong-hop.docx")))
    t = next(t for t in doc.tables if len(t.columns) == 5 + 18 + 4 + 1)
    annex = doc.sections[-1]
    text_width = annex.page_width - annex.left_margin - annex.right_margin
    assert sum(c.width for c in t.columns) <= text_width + Mm(0.2)
    assert [c.text for c in t.rows[1].cells][5 + 16] == "Thưởng, trừ\n(+5/ −10 đ)"
    sizes = {r.font.size for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs}
    assert sizes == {Pt(10)}  # 11 pt did not fit
    assert t.rows[0].cells[-1].text == "Kết quả năm 2021"
