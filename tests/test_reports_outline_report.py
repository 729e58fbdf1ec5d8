"""The summary report after the Đề cương (DOCX): read it back paragraph by paragraph.

``cuu_cao()`` is a realistic filled assessment of the demo unit (UBND xã Cửu Cao, 2022): the
PDF and CLI tests use it too, and the pictures in docs/ are made from it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from docx import Document

from reports.data import ReportData
from reports.outline_report import (
    CHOSEN,
    NOT_CHOSEN,
    bullets,
    pair_items,
    render_outline_report,
    write_outline_report,
)
from rubric.loader import load_rubric
from rubric.model import Rubric
from rubric.scoring import fmt
from tests.test_reports_unit_report import (
    check_nd30_blocks,
    check_page_numbers,
    filled,
    mini_rubric,
)
from tools.sample_answers import sample_answers

D = Decimal

SAMPLE = sample_answers()  # UBND xã Cửu Cao, 2022 (samples/answers-cuu-cao-2022.yaml)
ANSWERS, STRENGTHS, SHORTCOMINGS = SAMPLE.answers, SAMPLE.strengths, SAMPLE.shortcomings
TOTAL = D("92.5")


def scores_and_choices(rubric: Rubric) -> tuple[dict[str, Decimal], dict[str, str]]:
    return SAMPLE.scores_and_choices(rubric)


def cuu_cao(rubric: Rubric, **extra) -> ReportData:
    """UBND xã Cửu Cao's 2022 self-assessment, submitted: 92,5 points, rating Tốt."""
    scores, choices = scores_and_choices(rubric)
    fields = {
        "unit_name": "UBND xã Cửu Cao",
        "year": 2022,
        "authority": "UBND huyện Văn Giang",
        "place": "Cửu Cao",
        "status": "submitted",
        "unit_short": "UBND",
        "report_number": "45",
        "report_date": date(2022, 11, 10),
        "signer_title": "Chủ tịch",
        "signer_name": "Nguyễn Văn Thành",
        "self_scores": scores,
        "self_choices": choices,
        "results": {k: text for k, (_, text) in ANSWERS.items()},
        "strengths": STRENGTHS,
        "shortcomings": SHORTCOMINGS,
        "proposed_rating": "Tốt",
    }
    return ReportData(**{**fields, **extra})


# -- helpers --------------------------------------------------------------------


def shipped() -> Rubric:
    return load_rubric("hung-yen-2022")


def render(rubric: Rubric, data: ReportData):
    return Document(BytesIO(render_outline_report(rubric, data)))


def texts(doc) -> list[str]:
    """Paragraph texts, with the no-break space of "(2/2 điểm)" read as a space."""
    return [p.text.replace("\u00a0", " ") for p in doc.paragraphs]


def flat(text: str) -> str:
    return " ".join(text.split())


SUBTOTALS = {
    "I": "13",
    "II": "9,5",
    "III": "13,5",
    "IV": "22,5",
    "V": "5",
    "VI": "10",
    "VII": "9,5",
    "VIII": "9,5",
}


# -- tests ----------------------------------------------------------------------


def test_title_header_and_closing_blocks():
    rubric = shipped()
    doc = render(rubric, cuu_cao(rubric))
    check_nd30_blocks(
        doc,
        issuer=["ỦY BAN NHÂN DÂN", "XÃ CỬU CAO"],
        number="Số:      /BC-UBND",  # the self-assessment report has number 45; this one none yet
        date_line="Cửu Cao, ngày 10 tháng 11 năm 2022",
        recipients=["- Như kính gửi;", "- Lưu: VT."],
        signature=["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        name="Nguyễn Văn Thành",
    )
    check_page_numbers(doc)
    lines = texts(doc)
    start = lines.index("Kính gửi: UBND huyện Văn Giang.")
    assert lines[start + 1 : start + 3] == [
        "BÁO CÁO",
        "Tóm tắt kết quả thực hiện công tác dân vận chính quyền năm 2022",
    ]
    assert lines[start + 4].startswith("Căn cứ Quyết định số 02/2020/QĐ-UBND")
    assert "UBND xã Cửu Cao báo cáo kết quả tự đánh giá" in lines[start + 4]
    closing = (
        "Trên đây là báo cáo công tác dân vận chính quyền năm 2022. Tổng số điểm đạt được là "
        "92,5, đề nghị mức xếp loại Tốt. UBND xã Cửu Cao trân trọng báo cáo UBND huyện Văn "
        "Giang để xem xét đánh giá công tác dân vận chính quyền năm 2022./."
    )
    assert closing in lines


def test_sections_i_to_viii_with_their_points():
    rubric = shipped()
    doc = render(rubric, cuu_cao(rubric))
    assert sum(D(v.replace(",", ".")) for v in SUBTOTALS.values()) == TOTAL
    headings = [p for p in doc.paragraphs if "(số điểm đạt được là " in p.text]
    assert [p.text.split(".")[0] for p in headings] == list(SUBTOTALS)
    for p, c in zip(headings, rubric.criteria, strict=True):
        expected = f"(số điểm đạt được là {SUBTOTALS[c.id]}/{fmt(c.max_points)} điểm)"
        assert p.text == f"{c.id}. {flat(c.outline_heading)} {expected}"
        assert all(r.bold for r in p.runs)
    assert headings[4].text.endswith("(số điểm đạt được là 5/8 điểm)")


def test_every_guidance_bullet_is_followed_by_its_answer():
    rubric = shipped()
    data = cuu_cao(rubric)
    lines = texts(render(rubric, data))
    for c in rubric.criteria:
        found = bullets(c)
        paired = pair_items(c, found)
        assert sorted(i.id for i in paired.values()) == sorted(i.id for i in c.items)
        for k, bullet in enumerate(found):
            shown = bullet.text if bullet.numbered else f"- {bullet.text}"
            at = lines.index(shown)
            item = paired.get(k)
            if item is None:
                assert not lines[at + 1].startswith("Kết quả đạt được")
                continue
            answer = lines[at + 1 + (len(item.choices) if item.is_tiered else 0)]
            points = f"({fmt(data.self_scores[item.id])}/{fmt(item.max_points)} điểm)."
            assert answer == f"Kết quả đạt được: {ANSWERS[item.id][1].rstrip('.')} {points}"
    # section III: the preamble and the first numbered heading have no item of their own
    i = lines.index("1. Đánh giá kết quả thực hiện công tác cải cách hành chính")
    assert lines[i + 1].startswith("- Theo nội dung tại Quy định ban hành kèm theo")
    assert lines[i + 2].startswith("- Công tác chỉ đạo, điều hành (Những kết quả")
    assert lines[i + 3].startswith("Kết quả đạt được: Ban hành Kế hoạch cải cách hành chính")
    sipas = lines.index(
        "2. Đánh giá chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan "
        "hành chính Nhà nước (SIPAS)."
    )
    assert lines[sipas + 1] == (
        "Kết quả đạt được: Chỉ số hài lòng của người dân, tổ chức đạt 88,4% (khảo sát của "
        "huyện) (1,5/2 điểm)."
    )
    assert "Kết quả cụ thể:" not in lines  # every item has its bullet in the shipped rubric


def test_chosen_tier_is_marked():
    rubric = shipped()
    doc = render(rubric, cuu_cao(rubric))
    marks = [p for p in doc.paragraphs if p.text[:1] in (CHOSEN, NOT_CHOSEN)]
    assert len(marks) == 12
    chosen = [p for p in marks if p.text.startswith(CHOSEN)]
    starts = [
        "☒ Cơ quan, đơn vị có thực hiện tiếp xúc, đối thoại trực tiếp",
        "☒ Cơ quan, đơn vị không để xảy ra điểm nóng hoặc các vụ việc",
        "☒ Cơ quan, đơn vị có cán bộ, công chức, viên chức và người lao động có hành vi",
        "☒ Cơ quan, đơn vị có ban hành quy định: quy chế chi tiêu nội bộ",
    ]
    assert len(chosen) == len(starts)
    assert all(p.text.startswith(t) for p, t in zip(chosen, starts, strict=True))
    assert chosen[2].text.endswith(
        "chưa đến mức phải xử lý kỷ luật (bị kiểm điểm, phê bình) (2 điểm)"
    )
    for p in chosen:
        assert all(r.bold for r in p.runs[1:])
    for p in marks:
        if p not in chosen:
            assert not any(r.bold for r in p.runs)
    # the Đề cương's own "+" wording, with each tier's points
    lines = texts(doc)
    v2 = lines.index(chosen[2].text)
    assert lines[v2 - 2 : v2 + 3] == [
        lines[v2 - 2],
        "☐ Cơ quan, đơn vị không có cán bộ, công chức, viên chức và người lao động vi phạm kỷ "
        "luật (5 điểm)",
        chosen[2].text,
        "☐ Cơ quan, đơn vị có cán bộ, công chức, viên chức và người lao động bị xử lý kỷ luật "
        "từ khiển trách trở lên (0 điểm)",
        "Kết quả đạt được: 01 công chức bị kiểm điểm, nhắc nhở do chậm trả kết quả hồ sơ "
        "(2/5 điểm).",
    ]
    assert lines[v2 - 2].startswith("- Số lượng cán bộ, công chức, viên chức")


def test_narratives_under_every_section():
    rubric = shipped()
    lines = texts(render(rubric, cuu_cao(rubric)))
    for c in rubric.criteria:
        assert f"- Những nội dung đã thực hiện tốt: {STRENGTHS[c.id]}" in lines
    assert "- Những mặt còn hạn chế: Không có." in lines
    i = lines.index("- Những mặt còn hạn chế:")  # section III has two points
    assert lines[i + 1 : i + 3] == [
        "+ Tỷ lệ hồ sơ nộp trực tuyến còn thấp.",
        "+ Chỉ số hài lòng chưa đạt 90%.",
    ]
    assert lines[i + 3].startswith("IV. QUẢN TRIỆT, TRIỂN KHAI")


def test_tier_without_results_text_says_the_tier_and_multiline_results():
    rubric = shipped()
    results = {k: t for k, (_, t) in ANSWERS.items() if k != "IV.4"}
    results["I.1"] = "Ban hành Kế hoạch số 18/KH-UBND.\nQuán triệt đến 100% cán bộ."
    lines = texts(render(rubric, cuu_cao(rubric, results=results)))
    assert (
        "Kết quả đạt được: Cơ quan, đơn vị không để xảy ra điểm nóng hoặc các vụ việc khiếu "
        "nại, tố cáo đông người, vượt cấp, kéo dài (6/6 điểm)."
    ) in lines
    i = lines.index("Kết quả đạt được (2/2 điểm):")
    assert lines[i + 1 : i + 3] == [
        "+ Ban hành Kế hoạch số 18/KH-UBND.",
        "+ Quán triệt đến 100% cán bộ.",
    ]


def test_an_empty_assessment_leaves_dots_to_fill_in():
    rubric = shipped()
    data = ReportData("Phòng Nội vụ", 2022, "UBND huyện Văn Giang", "Văn Giang", "draft")
    doc = render(rubric, data)
    lines = texts(doc)
    assert "II. MỨC ĐỘ HOÀN THÀNH NHIỆM VỤ CHÍNH TRỊ (số điểm đạt được là ...../10 điểm)" in lines
    assert lines.count("Kết quả đạt được: ..... (...../2 điểm).") == 10  # ten items worth 2
    marks = [t for t in lines if t[:1] in (CHOSEN, NOT_CHOSEN)]
    assert len(marks) == 12 and all(t.startswith(NOT_CHOSEN) for t in marks)
    assert "- Những nội dung đã thực hiện tốt: ....." in lines
    closing = next(t for t in lines if t.startswith("Trên đây là báo cáo"))
    assert "Tổng số điểm đạt được là ....., đề nghị mức xếp loại ....." in closing
    assert [c.text for c in doc.tables[0].rows[1].cells] == [
        "Số:      /BC-.....",
        "Văn Giang, ngày ... tháng ... năm 2022",
    ]


def test_items_without_a_bullet_are_answered_under_ket_qua_cu_the(tmp_path):
    raw = mini_rubric().model_dump(mode="json")
    raw["criteria"][1]["guidance"] = [
        "Tiếp xúc, đối thoại trực tiếp với Nhân dân (đánh giá 1 trong 3 mức):",
        "+ Tổ chức tốt;",
        "+ Tổ chức chưa tốt;",
        "+ Không tổ chức.",
        "Đánh giá chung về công tác dân vận.",
    ]
    rubric = Rubric.model_validate(raw)
    data = filled(rubric)
    path = write_outline_report(rubric, data, tmp_path / "out" / "tom-tat.docx")
    lines = texts(Document(str(path)))
    i = lines.index("- Tiếp xúc, đối thoại trực tiếp với Nhân dân (đánh giá 1 trong 3 mức):")
    assert lines[i + 1 : i + 5] == [
        "☐ Tổ chức tốt (7 điểm)",
        "☒ Tổ chức chưa tốt (3 điểm)",
        "☐ Không tổ chức (0 điểm)",
        "Kết quả đạt được: Tổ chức chưa tốt (3/7 điểm).",
    ]
    assert lines[i + 5] == "- Đánh giá chung về công tác dân vận."
    assert lines[i + 6 : i + 9] == [
        "Kết quả cụ thể:",
        "- Tiếp dân",
        "Kết quả đạt được: ..... (9,5/10 điểm).",
    ]
    # criterion I has no guidance at all: both items under "Kết quả cụ thể:"
    j = lines.index("I. TỔ CHỨC TRIỂN KHAI (số điểm đạt được là 3/4 điểm)")
    assert lines[j + 1 : j + 6] == [
        "Kết quả cụ thể:",
        "- Quán triệt",
        "Kết quả đạt được: Ban hành Kế hoạch số 12/KH-UBND (1,5/2 điểm).",
        "- Cụ thể hóa",
        "Kết quả đạt được: ..... (1,5/2 điểm).",
    ]


def test_bullets_group_tiers_and_numbered_headings():
    iii, iv = shipped().criterion("III"), shipped().criterion("IV")
    found = bullets(iii)
    assert [b.numbered for b in found] == [True] + [False] * 8 + [True]
    assert [len(b.tiers) for b in bullets(iv)] == [3, 0, 0, 3]
    assert bullets(iv)[0].tiers[2] == (
        "Cơ quan, đơn vị không tổ tiếp xúc, đối thoại trực tiếp với dân và tiếp dân theo định kỳ."
    )
