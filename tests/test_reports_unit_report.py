"""The unit's self-assessment report (DOCX): read it back cell by cell."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm

from reports.data import EvidenceRow, ReportData
from reports.layout import ND30, QUOC_HIEU, TIEU_NGU, ngay_thang_nam
from reports.unit_report import (
    CHECK,
    EVIDENCE_HEADERS,
    SCORE_HEADERS,
    max_text,
    render_unit_report,
    write_unit_report,
)
from rubric.model import Rubric
from rubric.scoring import fmt

D = Decimal
SHIPPED = Path(__file__).resolve().parents[1] / "rubric" / "data" / "hung-yen-2022.yaml"
SHA = "ab12cd34ef56" + "0" * 52


# -- fixtures -----------------------------------------------------------------


def mini_rubric() -> Rubric:
    """Two criteria, one tiered item, as in the seed's criterion IV."""
    tiers = [
        {"id": "II.1.1", "number": "1.1", "label": "Tổ chức tốt", "points": 7},
        {"id": "II.1.2", "number": "1.2", "label": "Tổ chức chưa tốt", "points": 3},
        {"id": "II.1.3", "number": "1.3", "label": "Không tổ chức", "points": 0},
    ]
    return Rubric.model_validate(
        {
            "id": "mini",
            "year": 2022,
            "title": "Thử",
            "province": "Hưng Yên",
            "total_points": 21,
            "document": {
                "authority": "UBND huyện Văn Giang",
                "place": "Văn Giang",
                "legal_basis": "Căn cứ Quyết định số 02/2020/QĐ-UBND, {unit} báo cáo như sau:",
            },
            "ratings": {
                "confirmed": False,
                "source": "QĐ 02/2020",
                "note": "Mức xếp loại chưa được đối chiếu (ghi chú nội bộ).",
                "bands": [
                    {"code": "tot", "label": "Tốt", "min_points": 18},
                    {"code": "yeu", "label": "Yếu", "min_points": 0},
                ],
            },
            "narratives": [
                {"name": "strengths", "label": "Những nội dung đã thực hiện tốt"},
                {"name": "shortcomings", "label": "Những mặt còn hạn chế"},
            ],
            "criteria": [
                {
                    "id": "I",
                    "number": 1,
                    "label": "Tổ chức triển khai thực hiện",
                    "outline_heading": "TỔ CHỨC TRIỂN KHAI",
                    "max_points": 4,
                    "items": [
                        {
                            "id": "I.1",
                            "number": "1",
                            "type": "decimal",
                            "label": "Quán triệt",
                            "max_points": 2,
                        },
                        {
                            "id": "I.2",
                            "number": "2",
                            "type": "decimal",
                            "label": "Cụ thể hóa",
                            "max_points": 2,
                        },
                    ],
                },
                {
                    "id": "II",
                    "number": 2,
                    "label": "Tiếp xúc, đối thoại với Nhân dân",
                    "outline_heading": "TIẾP XÚC, ĐỐI THOẠI",
                    "max_points": 17,
                    "items": [
                        {
                            "id": "II.1",
                            "number": "1",
                            "type": "select_one",
                            "label": "Tiếp xúc, đối thoại trực tiếp",
                            "max_points": 7,
                            "choices": tiers,
                        },
                        {
                            "id": "II.2",
                            "number": "2",
                            "type": "decimal",
                            "label": "Tiếp dân",
                            "max_points": 10,
                        },
                    ],
                },
            ],
        }
    )


def shipped_rubric() -> Rubric:
    try:
        from rubric.loader import load_rubric
    except ImportError:
        if not SHIPPED.exists():
            pytest.skip("rubric/data/hung-yen-2022.yaml not shipped yet")
        return Rubric.model_validate(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    return load_rubric("hung-yen-2022")


def png_bytes(w: int = 4, h: int = 3) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# A JPEG with neither JFIF nor Exif segment (SOI, SOF0 for 4x3 pixels, EOI).
BARE_JPEG = b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x03\x00\x04\x03" + b"\x01\x11\x00" * 3 + b"\xff\xd9"


def evidence(tmp_path: Path) -> dict[str, list[EvidenceRow]]:
    photo = tmp_path / "anh-hoi-nghi.png"
    photo.write_bytes(png_bytes())
    bare = tmp_path / "may-anh.jpg"
    bare.write_bytes(BARE_JPEG)
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    at = datetime(2022, 11, 10, 2, 5, tzinfo=UTC)  # 09:05 in Việt Nam
    return {
        "I.1": [
            EvidenceRow(
                "I.1", "ke-hoach-so-12.pdf", "document", "application/pdf", 1_572_864, SHA, at
            ),
            EvidenceRow(
                "I.1",
                "anh-hoi-nghi.png",
                "photo",
                "image/png",
                2_560,
                "f" * 64,
                at,
                caption="Hội nghị quán triệt",
                path=photo,
            ),
        ],
        "II.1": [
            EvidenceRow("II.1", "hong.jpg", "photo", "image/jpeg", 20, "9" * 64, at, path=broken),
            EvidenceRow("II.1", "may-anh.jpg", "photo", "image/jpeg", 30, "8" * 64, at, path=bare),
        ],
    }


def filled(rubric: Rubric, tmp_path: Path | None = None, **extra) -> ReportData:
    scores, choices = {}, {}
    for item in rubric.items():
        if item.is_tiered:
            tier = item.choices[1]
            choices[item.id], scores[item.id] = tier.id, tier.points
        else:
            scores[item.id] = item.max_points - D("0.5")
    narratives = {c.id: f"Đã làm tốt tiêu chí {c.id}." for c in rubric.criteria}
    defaults = {
        "unit_name": "UBND xã Cửu Cao",
        "year": 2022,
        "authority": "UBND huyện Văn Giang",
        "place": "Cửu Cao",
        "status": "submitted",
        "unit_short": "UBND",
        "report_number": "45",
        "report_date": date(2022, 11, 5),
        "signer_title": "Chủ tịch",
        "signer_name": "Nguyễn Văn An",
        "self_scores": scores,
        "self_choices": choices,
        "results": {"I.1": "Ban hành Kế hoạch số 12/KH-UBND."},
        "strengths": narratives,
        "shortcomings": {rubric.criteria[0].id: "Còn chậm gửi báo cáo.\nChưa kiểm tra định kỳ."},
        "proposed_rating": "Tốt",
        "evidence": evidence(tmp_path) if tmp_path else {},
    }
    return ReportData(**{**defaults, **extra})


def reopen(blob: bytes):
    return Document(BytesIO(blob))


def table_with(doc, headers) -> list[list[str]]:
    for t in doc.tables:
        rows = [[c.text for c in r.cells] for r in t.rows]
        if tuple(rows[0]) == tuple(headers):
            return rows
    raise AssertionError(f"no table headed {headers[:2]}")


def mm(*lengths) -> tuple[float, ...]:
    return tuple(round(x.mm, 1) for x in lengths)


def body_text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


# -- tests --------------------------------------------------------------------


def test_page_setup_is_a4_with_decree_margins():
    doc = reopen(render_unit_report(mini_rubric(), filled(mini_rubric())))
    first, annex = doc.sections[0], doc.sections[-1]
    assert mm(first.page_width, first.page_height) == (210, 297)
    assert first.orientation == WD_ORIENT.PORTRAIT
    for s in (first, annex):
        assert mm(s.top_margin, s.bottom_margin, s.left_margin, s.right_margin) == (20, 20, 30, 15)
    assert mm(annex.page_width, annex.page_height) == (297, 210)
    assert annex.orientation == WD_ORIENT.LANDSCAPE
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == fonts.get(qn("w:cs")) == "Times New Roman"


def test_header_block_and_body(tmp_path):
    rubric = mini_rubric()
    doc = reopen(
        render_unit_report(rubric, filled(rubric, tmp_path, parent_name="Huyện Văn Giang"))
    )
    head = doc.tables[0]
    left, right = (c.text for c in head.rows[0].cells)
    assert left.splitlines()[:2] == ["ỦY BAN NHÂN DÂN", "XÃ CỬU CAO"]  # no body above it
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    assert [c.text for c in head.rows[1].cells] == [
        "Số: 45/BC-UBND",
        "Cửu Cao, ngày 05 tháng 11 năm 2022",
    ]
    text = body_text(doc)
    assert "Kính gửi: UBND huyện Văn Giang." in text
    assert "Tự đánh giá, xếp loại công tác dân vận chính quyền năm 2022" in text
    assert "Căn cứ Quyết định số 02/2020/QĐ-UBND, UBND xã Cửu Cao báo cáo như sau:" in text
    assert "Tổng số điểm thực hiện công tác dân vận chính quyền: 15,5 điểm, trong đó:" in text
    assert "Tiêu chí số 1: Tổ chức triển khai thực hiện: (3 điểm)" in text
    assert "Tiêu chí số 2: Tiếp xúc, đối thoại với Nhân dân: (12,5 điểm)" in text
    assert "- Những nội dung đã thực hiện tốt: Đã làm tốt tiêu chí II." in text
    assert "- Những mặt còn hạn chế:\n+ Còn chậm gửi báo cáo.\n+ Chưa kiểm tra định kỳ." in text
    assert "- Những mặt còn hạn chế: ....." in text  # criterion II left empty
    assert "Đề nghị mức xếp loại: Tốt." in text
    assert "của UBND xã Cửu Cao năm 2022./." in text
    assert rubric.ratings.note not in text and "chưa được đối chiếu" not in text
    sign = doc.tables[1].rows[0].cells
    assert "Nơi nhận:" in sign[0].text and "- Lưu: VT." in sign[0].text
    assert sign[1].text.splitlines()[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert sign[1].text.splitlines()[-1] == "Nguyễn Văn An"


def test_scoring_table_mini(tmp_path):
    rubric = mini_rubric()
    doc = reopen(render_unit_report(rubric, filled(rubric, tmp_path)))
    rows = table_with(doc, SCORE_HEADERS)
    assert [r[:5] for r in rows[1:]] == [
        ["I", "Tiêu chí số 1: Tổ chức triển khai thực hiện", "04", "3", ""],
        ["1", "Quán triệt", "02", "1,5", ""],
        ["2", "Cụ thể hóa", "02", "1,5", ""],
        ["II", "Tiêu chí số 2: Tiếp xúc, đối thoại với Nhân dân", "17", "12,5", ""],
        ["1", "Tiếp xúc, đối thoại trực tiếp (Chấm 1 trong 3 tiêu chí sau)", "07", "3", ""],
        ["1.1", "Tổ chức tốt", "07", "", ""],
        ["1.2", "Tổ chức chưa tốt", "03", CHECK, ""],
        ["1.3", "Không tổ chức", "0", "", ""],
        ["2", "Tiếp dân", "10", "9,5", ""],
        ["", "Tổng điểm", "21", "15,5", ""],
    ]
    assert (
        rows[2][5] == "Ban hành Kế hoạch số 12/KH-UBND.\nTệp: ke-hoach-so-12.pdf; anh-hoi-nghi.png"
    )
    assert rows[5][5] == "Tệp: hong.jpg; may-anh.jpg"


def test_authority_column_filled_when_appraised():
    rubric = mini_rubric()
    data = filled(
        rubric,
        authority_scores={"I.1": D(2), "I.2": D(1), "II.2": D(8)},
        authority_choices={"II.1": "II.1.1"},
    )
    rows = table_with(reopen(render_unit_report(rubric, data)), SCORE_HEADERS)
    assert [r[4] for r in rows[1:]] == ["3", "2", "1", "15", "7", CHECK, "", "", "8", "18"]
    assert [r[3] for r in rows[6:9]] == ["", CHECK, ""]


def test_shipped_rubric_scoring_table():
    rubric = shipped_rubric()
    data = filled(rubric)
    rows = table_with(reopen(render_unit_report(rubric, data)), SCORE_HEADERS)
    crit = [r for r in rows if r[1].startswith("Tiêu chí số ")]
    assert [r[0] for r in crit] == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    assert [r[2] for r in crit] == ["14", "10", "15", "23", "08", "10", "10", "10"]
    expected = {c.id: sum((data.self_scores[i.id] for i in c.items), D(0)) for c in rubric.criteria}
    assert [r[3] for r in crit] == [fmt(expected[c.id]) for c in rubric.criteria]
    assert rows[-1][1:4] == ["Tổng điểm", "100", fmt(sum(expected.values(), D(0)))]
    marks = [r for r in rows if r[3] == CHECK]
    assert [r[0] for r in marks] == ["1.2", "4.2", "2.2", "2.2"]
    assert all(r[4] == "" for r in rows[1:])
    tiered = [r for r in rows if "(Chấm 1 trong 3 tiêu chí sau)" in r[1]]
    assert len(tiered) == 4


def test_rows_repeat_header_and_do_not_split(tmp_path):
    rubric = mini_rubric()
    doc = reopen(render_unit_report(rubric, filled(rubric, tmp_path)))
    grids = [t for t in doc.tables if t.rows[0].cells[0].text == "STT"]
    assert len(grids) == 2  # the scoring table and the evidence table
    for t in grids:
        trs = t._tbl.tr_lst
        assert trs[0].trPr.find(qn("w:tblHeader")) is not None
        assert all(tr.trPr.find(qn("w:tblHeader")) is None for tr in trs[1:])
        assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs)
        assert t._tbl.tblPr.find(qn("w:tblBorders")).find(qn("w:insideV")).get(qn("w:val")) == (
            "single"
        )


def test_evidence_appendix(tmp_path):
    rubric = mini_rubric()
    doc = reopen(render_unit_report(rubric, filled(rubric, tmp_path)))
    rows = table_with(doc, EVIDENCE_HEADERS)
    assert rows[1][0].startswith("I.1. Quán triệt")
    assert rows[2][:6] == [
        "1",
        "ke-hoach-so-12.pdf",
        "Tài liệu",
        "1,5 MB",
        "10/11/2022 09:05",
        "ab12cd34ef56",
    ]
    assert rows[3][:6] == [
        "2",
        "anh-hoi-nghi.png\nHội nghị quán triệt",
        "Ảnh",
        "2,5 KB",
        "10/11/2022 09:05",
        "ffffffffffff",
    ]
    assert rows[4][0].startswith("II.1. Tiếp xúc")
    assert rows[5][1] == "hong.jpg"
    assert rows[6][1] == "may-anh.jpg"
    # the PNG and the header-less JPEG get thumbnails; the broken JPEG is a text row only
    assert len(doc.inline_shapes) == 2
    drawings = [len(list(r._tr.iter(qn("w:drawing")))) for r in doc.tables[-1].rows]
    assert drawings == [0, 0, 0, 1, 0, 0, 1]
    assert "DANH MỤC TÀI LIỆU KIỂM CHỨNG" in body_text(doc)


def test_empty_report_still_renders(tmp_path):
    rubric = mini_rubric()
    data = ReportData("UBND xã Cửu Cao", 2022, "UBND huyện Văn Giang", "Cửu Cao", "draft")
    path = write_unit_report(rubric, data, tmp_path / "out" / "bao-cao.docx")
    doc = Document(str(path))
    text = body_text(doc)
    assert "Tổng số điểm thực hiện công tác dân vận chính quyền: ..... điểm, trong đó:" in text
    assert "Tiêu chí số 1: Tổ chức triển khai thực hiện: (..... điểm)" in text
    assert "Đề nghị mức xếp loại: ....." in text
    assert "Đơn vị chưa gửi tài liệu kiểm chứng kèm theo." in text
    assert [c.text for c in doc.tables[0].rows[1].cells] == [
        "Số:      /BC-.....",
        "Cửu Cao, ngày ... tháng ... năm 2022",
    ]
    rows = table_with(doc, SCORE_HEADERS)
    assert all(r[3] == r[4] == "" for r in rows[1:])
    assert "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in doc.tables[1].rows[0].cells[1].text


def test_shipped_rubric_empty_report_renders():
    rubric = shipped_rubric()
    data = ReportData("Phòng Nội vụ", 2022, "UBND huyện Văn Giang", "Văn Giang", "draft")
    assert render_unit_report(rubric, data)[:2] == b"PK"


def test_control_characters_from_chat_do_not_break_the_xml():
    rubric = mini_rubric()
    data = filled(rubric, strengths={"I": "Tốt\x00\x07 lắm"}, results={"I.2": "A\x1bB"})
    doc = reopen(render_unit_report(rubric, data))
    assert "- Những nội dung đã thực hiện tốt: Tốt lắm" in body_text(doc)


@pytest.mark.parametrize(
    ("value", "text"),
    [(D(2), "02"), (D(14), "14"), (D(0), "0"), (D(100), "100"), (D("1.5"), "1,5")],
)
def test_max_text(value, text):
    assert max_text(value) == text


def test_date_line_follows_decree_30():
    assert ngay_thang_nam(date(2022, 2, 5), 2022) == "ngày 05 tháng 02 năm 2022"
    assert ngay_thang_nam(date(2022, 3, 15), 2022) == "ngày 15 tháng 3 năm 2022"
    assert ngay_thang_nam(None, 2022) == "ngày ... tháng ... năm 2022"


TBL_PR_ORDER = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc"
)
TBL_PR_ORDER += " tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook"


def test_properties_keep_schema_order_for_word(tmp_path):
    """Word refuses files whose property elements are out of schema order."""
    rubric = mini_rubric()
    doc = reopen(render_unit_report(rubric, filled(rubric, tmp_path)))
    order = [qn(f"w:{t}") for t in TBL_PR_ORDER.split()]
    for t in doc.tables:
        tags = [el.tag for el in t._tbl.tblPr]
        assert tags == sorted(tags, key=order.index)
    rules = [p for p in doc.element.body.iter(qn("w:pPr")) if p.find(qn("w:pBdr")) is not None]
    assert rules
    for ppr in rules:
        tags = [el.tag for el in ppr]
        assert tags.index(qn("w:pBdr")) < tags.index(qn("w:spacing")) < tags.index(qn("w:ind"))


# -- Nghị định 30 layout --------------------------------------------------------


def _runs(paragraph) -> list:
    return [r for r in paragraph.runs if r.text.strip()]


def _styled(paragraph, size: float, *, bold=None, italic=None) -> None:
    """Every visible run of ``paragraph`` has this size, and bold/italic when given."""
    runs = _runs(paragraph)
    assert runs, paragraph.text
    for r in runs:
        assert r.font.size is not None and r.font.size.pt == size, (paragraph.text, r.font.size)
        if bold is not None:
            assert bool(r.bold) is bold, paragraph.text
        if italic is not None:
            assert bool(r.italic) is italic, paragraph.text


def _para(cell, text: str):
    return next(p for p in cell.paragraphs if p.text == text)


def check_nd30_blocks(
    doc,
    *,
    issuer: list[str],
    number: str,
    date_line: str,
    recipients: list[str],
    signature: list[str],
    name: str | None,
    above: str | None = None,
):
    """The header block (first table) and the closing block follow ND30's numbers: the
    issuing body's lines bold (the body above it regular), the signer's lines bold, the name
    bold under the room for the signature and the seal."""
    head = doc.tables[0]
    left, right = head.rows[0].cells
    lines = [p.text for p in left.paragraphs if p.text]
    assert lines == ([above] if above else []) + issuer
    if above:
        _styled(_para(left, above), ND30.parent_pt, bold=False)
    for line in issuer:
        _styled(_para(left, line), ND30.unit_pt, bold=True)
    quoc_hieu = _para(right, QUOC_HIEU)
    assert QUOC_HIEU.isupper()
    _styled(quoc_hieu, ND30.quoc_hieu_pt, bold=True)
    texts = [p.text for p in right.paragraphs]
    tieu_ngu = right.paragraphs[texts.index(TIEU_NGU)]
    _styled(tieu_ngu, ND30.tieu_ngu_pt, bold=True)
    under = right.paragraphs[texts.index(TIEU_NGU) + 1]
    assert under._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:val")) == "single"
    rule_indent = under.paragraph_format.left_indent
    assert round((right.width - 2 * rule_indent) / Mm(1)) == ND30.tieu_ngu_rule_mm
    num_cell, date_cell = head.rows[1].cells
    _styled(_para(num_cell, number), ND30.number_pt, bold=False, italic=False)
    _styled(_para(date_cell, date_line), ND30.place_date_pt, italic=True)
    closing = next(t for t in doc.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    where, sign = closing.rows[0].cells
    _styled(where.paragraphs[0], ND30.noi_nhan_pt, bold=True, italic=True)
    assert [p.text for p in where.paragraphs[1:]] == recipients
    for p in where.paragraphs[1:]:
        _styled(p, ND30.recipients_pt, bold=False, italic=False)
    said = [p for p in sign.paragraphs if p.text]
    assert [p.text for p in said] == signature + ([name] if name else [])
    for p in said:
        _styled(p, ND30.signer_pt, bold=True)
    gap = sign.paragraphs[len(signature) : len(sign.paragraphs) - (1 if name else 0)]
    assert len(gap) >= ND30.signature_space_lines and not any(p.text for p in gap)
    # Every run inherits Times New Roman from the styles; none names another font.
    for t in (head, closing):
        for el in t._tbl.iter(qn("w:rFonts")):
            assert el.get(qn("w:ascii")) in (None, ND30.font)


def check_page_numbers(doc) -> None:
    """No number on page 1 (titlePg, empty first-page header); PAGE field centred after. Each
    attachment (a later section) numbers its pages on its own (NĐ 30): from 1 again, shown
    from its second page."""
    for n, section in enumerate(doc.sections):
        assert section.different_first_page_header_footer
        assert section._sectPr.find(qn("w:titlePg")) is not None
        assert not section.first_page_header.is_linked_to_previous
        assert not list(section.first_page_header._element.iter(qn("w:instrText")))
        assert section.first_page_header._element.xpath("string(.)").strip() == ""
        restart = section._sectPr.find(qn("w:pgNumType"))
        if n == 0:
            assert restart is None
        else:
            assert restart.get(qn("w:start")) == "1"
    for s in doc.sections:
        assert not s.header.is_linked_to_previous
        (p,) = s.header.paragraphs
        assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert [el.text for el in p._p.iter(qn("w:instrText"))] == [" PAGE "]
        kinds = [el.get(qn("w:fldCharType")) for el in p._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        _styled(p, ND30.page_number_pt, bold=False, italic=False)


def test_body_style_follows_decree_30():
    doc = reopen(render_unit_report(mini_rubric(), filled(mini_rubric())))
    normal = doc.styles["Normal"]
    pf = normal.paragraph_format
    assert normal.font.size.pt == ND30.body_pt
    assert pf.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert 1.0 <= pf.first_line_indent.cm <= 1.27
    assert round(pf.first_line_indent.cm, 2) == ND30.first_line_indent_cm
    assert pf.space_after.pt >= 6
    assert 1.0 <= pf.line_spacing <= 1.5
    assert doc.styles["Cell"].paragraph_format.first_line_indent == 0


def test_page_numbers_from_page_two_of_the_report_and_of_each_attachment():
    doc = reopen(render_unit_report(mini_rubric(), filled(mini_rubric())))
    assert len(doc.sections) == 3  # the report, the Bảng chấm điểm, the list of files
    check_page_numbers(doc)
    assert mm(doc.sections[0].header_distance)[0] < ND30.margin_top_mm  # inside the margin


def test_header_and_closing_blocks_follow_decree_30():
    rubric = mini_rubric()
    doc = reopen(render_unit_report(rubric, filled(rubric)))
    check_nd30_blocks(
        doc,
        issuer=["ỦY BAN NHÂN DÂN", "XÃ CỬU CAO"],
        number="Số: 45/BC-UBND",
        date_line="Cửu Cao, ngày 05 tháng 11 năm 2022",
        recipients=["- Như trên;", "- Lưu: VT."],
        signature=["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        name="Nguyễn Văn An",
    )
    title = next(p for p in doc.paragraphs if p.text == "BÁO CÁO")
    _styled(title, ND30.title_pt, bold=True)


def _label(text: str) -> str:
    return " ".join(text.split())


def test_every_row_of_the_scoring_table_against_the_rubric_file():
    """Read the YAML itself (not the loader's model) and compare the table row by row."""
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    rubric = shipped_rubric()
    data = filled(rubric)
    rows = table_with(reopen(render_unit_report(rubric, data)), SCORE_HEADERS)[1:]
    tier_note = f" ({raw['document']['tier_instruction']})"
    expected, kinds = [], []
    for c in raw["criteria"]:
        items = c["items"]
        own = sum((data.self_scores[i["id"]] for i in items), D(0))
        label = f"Tiêu chí số {c['number']}: {_label(c['label'])}"
        expected.append([c["id"], label, max_text(D(c["max_points"])), fmt(own), ""])
        kinds.append("criterion")
        for i in items:
            tiered = i["type"] == "select_one"
            text = _label(i["label"]) + (tier_note if tiered else "")
            score = fmt(data.self_scores[i["id"]])
            expected.append([i["number"], text, max_text(D(i["max_points"])), score, ""])
            kinds.append("item")
            for ch in i.get("choices", []):
                mark = CHECK if data.self_choices[i["id"]] == ch["id"] else ""
                expected.append(
                    [ch["number"], _label(ch["label"]), max_text(D(ch["points"])), mark, ""]
                )
                kinds.append("tier")
    grand = fmt(sum(data.self_scores.values(), D(0)))
    expected.append(["", "Tổng điểm", str(raw["total_points"]), grand, ""])
    assert [r[:5] for r in rows] == expected
    assert (kinds.count("criterion"), kinds.count("item"), kinds.count("tier")) == (8, 28, 12)
    assert rows[-1][2] == "100"


def test_criterion_and_tiered_rows_keep_with_the_next_row():
    rubric = shipped_rubric()
    doc = reopen(render_unit_report(rubric, filled(rubric)))
    t = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")

    def kept(row) -> bool:
        return all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs)

    rows = list(t.rows)[1:]
    held = [r.cells[0].text for r in rows if kept(r)]
    # ... and the last row (VIII.2.3) stays with the total
    assert held == ["I", "II", "III", "IV", "1", "4", "V", "2", "VI", "VII", "VIII", "2", "2.3"]


@pytest.mark.parametrize(
    ("unit", "parent", "title", "sign_as", "above", "issuer", "signature"),
    [
        (  # a People's Committee: both lines bold, no body above it; its chairman signs TM.
            "UBND xã Cửu Cao", None, "CHỦ TỊCH", None,
            None, ["ỦY BAN NHÂN DÂN", "XÃ CỬU CAO"], ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        ),
        (  # ... its vice chairman signs for the chairman, on behalf of the committee
            "UBND xã Cửu Cao", None, "Phó Chủ tịch", None,
            None, ["ỦY BAN NHÂN DÂN", "XÃ CỬU CAO"],
            ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        ),
        (  # an office under the district's committee; its head signs in their own title
            "Phòng Nội vụ", "UBND huyện Văn Giang", "TRƯỞNG PHÒNG", None,
            "UBND HUYỆN VĂN GIANG", ["PHÒNG NỘI VỤ"], ["TRƯỞNG PHÒNG"],
        ),
        (  # ... its deputy signs for the head
            "Phòng Nội vụ", "UBND huyện Văn Giang", "PHÓ TRƯỞNG PHÒNG", None,
            "UBND HUYỆN VĂN GIANG", ["PHÒNG NỘI VỤ"], ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"],
        ),
        (  # a public service unit; a way of signing given by the units file wins
            "Trung tâm Văn hóa huyện", "UBND huyện Văn Giang", "GIÁM ĐỐC", "own",
            "UBND HUYỆN VĂN GIANG", ["TRUNG TÂM VĂN HÓA HUYỆN"], ["GIÁM ĐỐC"],
        ),
    ],
)  # fmt: skip
def test_header_and_signature_by_kind_of_unit(
    unit, parent, title, sign_as, above, issuer, signature
):
    rubric = mini_rubric()
    data = filled(
        rubric,
        unit_name=unit,
        parent_name=parent,
        signer_title=title,
        signer_name="Nguyễn Văn An",
        sign_as=sign_as,
        report_number=None,
        report_date=None,
    )
    check_nd30_blocks(
        reopen(render_unit_report(rubric, data)),
        above=above,
        issuer=issuer,
        number="Số:      /BC-UBND",  # the number is the văn thư's to give
        date_line="Cửu Cao, ngày ... tháng ... năm 2022",  # the day of signing, by hand
        recipients=["- Như trên;", "- Lưu: VT."],
        signature=signature,
        name="Nguyễn Văn An",
    )


def test_without_a_signer_the_template_s_placeholder_stays():
    rubric = mini_rubric()
    doc = reopen(render_unit_report(rubric, filled(rubric, signer_title=None, signer_name=None)))
    closing = next(t for t in doc.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    lines = [p.text for p in closing.rows[0].cells[1].paragraphs if p.text]
    assert lines == ["THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Ký, đóng dấu)"]
