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

D = Decimal

# item id -> (points or tier id, "Kết quả đạt được")
ANSWERS: dict[str, tuple[str, str]] = {
    "I.1": (
        "2",
        "Đảng ủy, UBND xã ban hành Kế hoạch số 18/KH-UBND ngày 10/02/2022 triển khai Chương "
        "trình hành động số 24-CTr/TU và Quyết định số 331-QĐ/TU; quán triệt đến 100% cán bộ, "
        "công chức xã và trưởng các thôn.",
    ),
    "I.2": (
        "2",
        "Tổ chức 02 hội nghị quán triệt các chỉ thị, nghị quyết về công tác dân vận cho 46 cán "
        "bộ, công chức và người hoạt động không chuyên trách; tháng 10/2022 kiểm tra việc thực "
        "hiện tại các thôn.",
    ),
    "I.3": (
        "1.5",
        "Ban hành Kế hoạch số 25/KH-UBND ngày 03/3/2022 thực hiện Kế hoạch số "
        "20-KH/BDVTU-BCSUBND và Chỉ thị số 03/CT-UBND; báo cáo kết quả 6 tháng gửi chậm.",
    ),
    "I.4": (
        "2",
        "Xây dựng kế hoạch thực hiện Nghị quyết Trung ương 4 (khóa XII) và Chỉ thị số "
        "05-CT/TW; 100% cán bộ, công chức đăng ký việc làm theo tư tưởng, đạo đức, phong cách "
        "Hồ Chí Minh; 02 thôn đạt khu dân cư kiểu mẫu.",
    ),
    "I.5": (
        "5.5",
        "Cụ thể hóa thành 07 kế hoạch và 02 quy chế (Quy chế dân chủ ở cơ sở; Quy chế phối hợp "
        "giữa UBND xã với Ủy ban MTTQ và các đoàn thể); các văn bản đều được rà soát, bảo đảm "
        "đúng thẩm quyền và khả thi.",
    ),
    "II.1": (
        "4.5",
        "Hoàn thành 17/18 chỉ tiêu kinh tế - xã hội năm 2022; tổng giá trị sản xuất tăng 8,6%; "
        "thu ngân sách đạt 112% dự toán; không để xảy ra tham nhũng, lãng phí.",
    ),
    "II.2": (
        "5",
        "Chi trả kịp thời, đúng đối tượng trợ cấp cho 312 người có công và 486 đối tượng bảo "
        "trợ xã hội; hỗ trợ 02 hộ nghèo xây nhà đại đoàn kết; tỷ lệ hộ nghèo còn 0,9%.",
    ),
    "III.1": (
        "2",
        "Ban hành Kế hoạch cải cách hành chính năm 2022 số 09/KH-UBND ngày 14/01/2022; kiểm tra "
        "bộ phận một cửa hằng quý.",
    ),
    "III.2": (
        "1.5",
        "Rà soát 14 văn bản do HĐND, UBND xã ban hành; việc tự kiểm tra văn bản còn chậm.",
    ),
    "III.3": (
        "3",
        "Tiếp nhận 2.846 hồ sơ thủ tục hành chính, giải quyết đúng hạn 100%; công khai đầy đủ "
        "thủ tục tại bộ phận một cửa và trên trang thông tin điện tử của xã.",
    ),
    "III.4": ("2", "Kiện toàn Bộ phận tiếp nhận và trả kết quả; bố trí công chức đúng vị trí."),
    "III.5": (
        "2",
        "Cử 08 lượt cán bộ, công chức đi bồi dưỡng; 100% cán bộ, công chức được đánh giá hoàn "
        "thành tốt nhiệm vụ trở lên.",
    ),
    "III.6": ("1", "Thực hiện đúng Quy chế chi tiêu nội bộ; công khai dự toán, quyết toán."),
    "III.7": (
        "0.5",
        "100% văn bản được xử lý trên phần mềm quản lý văn bản; hồ sơ nộp trực tuyến mới đạt "
        "32%, chưa đạt chỉ tiêu huyện giao.",
    ),
    "III.8": ("1.5", "Chỉ số hài lòng của người dân, tổ chức đạt 88,4% (khảo sát của huyện)."),
    "IV.1": (
        "IV.1.1",
        "Chủ tịch UBND xã tổ chức 04 buổi đối thoại định kỳ và 01 buổi đối thoại chuyên đề về "
        "giải phóng mặt bằng; 100% kiến nghị sau đối thoại đã được giải quyết hoặc trả lời.",
    ),
    "IV.2": (
        "3",
        "Ủy ban MTTQ và các đoàn thể tham gia đầy đủ các buổi đối thoại, thông báo kết luận "
        "tới các chi hội và giám sát việc thực hiện.",
    ),
    "IV.3": (
        "6.5",
        "Tiếp 126 lượt công dân; giải quyết 36/38 đơn thuộc thẩm quyền (94,7%), 02 đơn đang "
        "trong thời hạn giải quyết.",
    ),
    "IV.4": ("IV.4.1", "Không để xảy ra điểm nóng, khiếu kiện đông người, vượt cấp."),
    "V.1": (
        "3",
        "Thực hiện nghiêm quy tắc ứng xử; trụ sở xanh, sạch, đẹp; cán bộ, công chức đeo thẻ, "
        "niềm nở khi tiếp dân.",
    ),
    "V.2": ("V.2.2", "01 công chức bị kiểm điểm, nhắc nhở do chậm trả kết quả hồ sơ."),
    "VI.1": (
        "5",
        "Phát động phong trào “Dân vận khéo” và ủng hộ Quỹ “Vì người nghèo”, được 186 triệu đồng.",
    ),
    "VI.2": (
        "5",
        "Tặng 250 suất quà cho gia đình chính sách, trẻ em có hoàn cảnh khó khăn; vận động Nhân "
        "dân hiến đất, làm mới 1,2 km đường giao thông nông thôn.",
    ),
    "VII.1": (
        "4",
        "Ban hành Quy chế phối hợp với Ủy ban MTTQ và các tổ chức chính trị - xã hội; bố trí đủ "
        "kinh phí và phòng làm việc cho các đoàn thể.",
    ),
    "VII.2": (
        "3.5",
        "Chủ tịch UBND xã làm việc định kỳ với khối dân vận; buổi làm việc quý III tổ chức "
        "chậm, ghép với quý IV.",
    ),
    "VII.3": (
        "2",
        "Ban thanh tra nhân dân giám sát 04 công trình; các tổ hòa giải hòa giải thành 11/13 "
        "vụ việc.",
    ),
    "VIII.1": (
        "4.5",
        "Lấy ý kiến Nhân dân về kế hoạch sử dụng đất và các dự án trên địa bàn; đặt hộp thư góp "
        "ý tại trụ sở.",
    ),
    "VIII.2": (
        "VIII.2.1",
        "Có đủ quy chế chi tiêu nội bộ, quy chế dân chủ, quy tắc ứng xử; tổ chức hội nghị cán "
        "bộ, công chức tháng 01/2022; không có vi phạm đạo đức công vụ.",
    ),
}

STRENGTHS = {
    "I": "Ban hành kịp thời các kế hoạch triển khai; quán triệt đầy đủ đến cán bộ, công chức.",
    "II": "Thu ngân sách vượt dự toán; chính sách an sinh xã hội chi trả kịp thời.",
    "III": "Giải quyết hồ sơ thủ tục hành chính đúng hạn 100%.",
    "IV": "Đối thoại định kỳ, giải quyết dứt điểm kiến nghị; không có điểm nóng.",
    "V": "Trụ sở khang trang; cán bộ, công chức có tác phong, thái độ đúng mực.",
    "VI": "Các phong trào, hoạt động nhân đạo được Nhân dân hưởng ứng.",
    "VII": "Phối hợp chặt chẽ với Ủy ban MTTQ và các đoàn thể; hòa giải thành đạt tỷ lệ cao.",
    "VIII": "Công khai, minh bạch tài chính và công tác cán bộ.",
}
SHORTCOMINGS = {
    "I": "Báo cáo kết quả thực hiện Kế hoạch số 20-KH/BDVTU-BCSUBND còn chậm.",
    "II": "Chỉ tiêu tỷ lệ lao động qua đào tạo chưa đạt kế hoạch.",
    "III": "Tỷ lệ hồ sơ nộp trực tuyến còn thấp.\nChỉ số hài lòng chưa đạt 90%.",
    "IV": "Còn 02 đơn đang trong thời hạn giải quyết.",
    "V": "01 công chức bị kiểm điểm do chậm trả kết quả hồ sơ.",
    "VI": "Không có.",
    "VII": "Buổi làm việc quý III với khối dân vận tổ chức chậm.",
    "VIII": "Hình thức lấy ý kiến Nhân dân qua mạng còn hạn chế.",
}
TOTAL = D("92.5")


def scores_and_choices(rubric: Rubric) -> tuple[dict[str, Decimal], dict[str, str]]:
    scores, choices = {}, {}
    for item in rubric.items():
        value = ANSWERS[item.id][0]
        if item.is_tiered:
            choices[item.id] = value
            scores[item.id] = item.choice(value).points
        else:
            scores[item.id] = D(value)
    return scores, choices


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
