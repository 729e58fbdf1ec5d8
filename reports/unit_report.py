"""The unit's "Báo cáo tự đánh giá, xếp loại công tác dân vận chính quyền" as DOCX.

Follows the seed's template: the report (portrait), then the Bảng chấm điểm and the
list of evidence files (landscape section). Pure: takes the rubric and a ReportData.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from docx.document import Document
from docx.shared import Cm, Mm
from docx.table import _Cell

from reports import docx_base as b
from reports import layout as nd
from reports.data import ReportData
from rubric.model import Criterion, Item, Rubric
from rubric.scoring import effective_scores, fmt, subtotal, total
from rubric.vietnam import ZONE, file_size

DOTS = "....."
CHECK = "✓"
BY_APPRAISER = "Do cơ quan thẩm định chấm"
SCORE_HEADERS = (
    "STT",
    "Nội dung tiêu chí",
    "Thang điểm",
    "Kết quả tự chấm điểm",
    "Kết quả chấm điểm của cơ quan có thẩm quyền",
    "Tài liệu kiểm chứng/Những kết quả đạt được",
)
SCORE_WIDTHS = tuple(Mm(w) for w in (14, 104, 18, 22, 30, 64))  # 252 mm: landscape A4
EVIDENCE_HEADERS = (
    "STT",
    "Tên tệp",
    "Loại",
    "Dung lượng",
    "Thời gian nhận",
    "Mã SHA-256 (12 ký tự đầu)",
    "Ảnh thu nhỏ",
)
EVIDENCE_WIDTHS = tuple(Mm(w) for w in (12, 80, 20, 24, 36, 36, 44))


def render_unit_report(rubric: Rubric, data: ReportData) -> bytes:
    """The report as DOCX bytes."""
    doc = nd.new_document()
    _report(doc, rubric, data)
    nd.add_annex_section(doc)  # each attachment numbers its pages on its own (NĐ 30)
    _scoring_table(doc, rubric, data)
    nd.add_annex_section(doc)
    _evidence_appendix(doc, rubric, data)
    return b.to_bytes(doc)


def write_unit_report(rubric: Rubric, data: ReportData, path: Path) -> Path:
    return b.write_file(path, render_unit_report(rubric, data))


# -- scores -------------------------------------------------------------------


def chosen_tier(item: Item, scores: Mapping[str, Decimal], choices: Mapping[str, str]):
    """The chosen tier's id: the recorded choice, else the only tier worth the score."""
    if item.choice(choices.get(item.id, "")) is not None:
        return choices[item.id]
    matches = [c.id for c in item.choices if c.points == scores.get(item.id)]
    return matches[0] if len(matches) == 1 else None


def max_text(value: Decimal) -> str:
    """Maxima as the seed prints them: "02", "14", "0", "100"."""
    if value == value.to_integral_value() and 0 < value < 10:
        return f"{int(value):02d}"
    return fmt(value)


def report_number(data: ReportData) -> str:
    """ "45/BC-UBND", or blanks to fill in by hand."""
    return f"{data.report_number or '     '}/BC-{data.unit_short or DOTS}"


# -- the report (portrait) ----------------------------------------------------


def opening(doc: Document, rubric: Rubric, data: ReportData, subject: str) -> None:
    """Header block, "Kính gửi", "BÁO CÁO" with its subject, and the legal basis paragraph."""
    width = b.text_width(doc.sections[0])
    when = nd.ngay_thang_nam(data.report_date, data.year)
    nd.header_block(
        doc,
        width,
        issuer=data.issuer,
        number=f"Số: {report_number(data)}",
        date_line=f"{data.place}, {when}",
    )
    nd.title_block(doc, width, recipient=data.authority, subject=subject)
    b.par(doc, rubric.document.legal_basis.replace("{unit}", data.unit_name))


def _report(doc: Document, rubric: Rubric, data: ReportData) -> None:
    subject = f"Tự đánh giá, xếp loại công tác dân vận chính quyền năm {data.year}"
    opening(doc, rubric, data, subject)
    width = b.text_width(doc.sections[0])

    scores = effective_scores(rubric, data.self_scores, data.self_choices)
    grand = fmt(total(rubric, scores)) if scores else DOTS
    head = "Tổng số điểm thực hiện công tác dân vận chính quyền: "
    by_appraiser = rubric.appraiser_points()
    rest = f" (chưa gồm {fmt(by_appraiser)} điểm do cơ quan thẩm định chấm)" if by_appraiser else ""
    b.par(doc, [head, (grand, {"bold": True}), f" điểm{rest}, trong đó:"])
    for c in rubric.criteria:
        points = criterion_points(c, scores)
        if not c.scored:  # a bonus or a penalty: what it was for, item by item
            b.par(doc, f"{criterion_title(c)}: ({points} điểm)", bold=True, keep_next=True)
            _bonus_items(doc, c, scores, data)
            continue
        b.par(doc, f"Tiêu chí số {c.number}: {c.label}: ({points} điểm)", bold=True, keep_next=True)
        narratives(doc, rubric, data, c)
    if data.earlier:  # beside the years before (a merged unit: each unit it succeeds)
        b.par(doc, f"Kết quả {'; '.join(data.earlier)}.", keep_next=True)
    rating = ["Đề nghị mức xếp loại: ", (data.proposed_rating or DOTS, {"bold": True}), "."]
    b.par(doc, rating, keep_next=True)
    closing = f"Trên đây là báo cáo tự đánh giá, xếp loại công tác dân vận của {data.unit_name}"
    b.par(doc, f"{closing} năm {data.year}./.", keep_next=True)  # stays with the signature
    signer = {"signature": data.signature, "signer_name": data.signer_name}
    nd.closing_block(doc, width, recipients=("- Như trên;", "- Lưu: VT."), **signer)


def criterion_points(c: Criterion, scores: Mapping[str, Decimal], blank: str = DOTS) -> str:
    """The criterion's subtotal ("−2" for a penalty), or ``blank`` while none of its items is
    answered."""
    if not any(i.id in scores for i in c.items):
        return blank
    points = subtotal(c, scores)
    return f"{c.sign if points else ''}{fmt(points)}"


def criterion_title(c: Criterion) -> str:
    """ "Tiêu chí số 4: …", or "Điểm thưởng (tối đa 5 điểm)"."""
    if c.scored:
        return f"Tiêu chí số {c.number}: {c.label}"
    return f"{c.label} (tối đa {fmt(c.max_points)} điểm)"


def _bonus_items(doc: Document, c: Criterion, scores: Mapping[str, Decimal], data: ReportData):
    """ "- <item>: 2 điểm. <what the unit wrote>" for each item of a bonus or penalty that
    counts; "Không có." when none does."""
    counted = [i for i in c.items if scores.get(i.id)]
    for item in counted:
        text = b.clean(data.results.get(item.id)).strip()
        line = f"- {item.label.rstrip(' .;:')}: {c.sign}{fmt(scores[item.id])} điểm."
        b.par(doc, f"{line} {text}" if text else line)
    if not counted:
        b.par(doc, "- Không có.")


def narratives(doc: Document, rubric: Rubric, data: ReportData, criterion: Criterion) -> None:
    """ "- Những nội dung đã thực hiện tốt: …" and "- Những mặt còn hạn chế: …"."""
    texts = {"strengths": data.strengths, "shortcomings": data.shortcomings}
    for n in rubric.narratives:
        text = b.clean(texts.get(n.name, {}).get(criterion.id))
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()] or [DOTS]
        label = f"- {n.label.rstrip(' :.')}:"
        if len(lines) == 1:
            b.par(doc, f"{label} {lines[0]}")
            continue
        b.par(doc, label, keep_next=True)  # several points: one "+" paragraph each
        for line in lines:
            b.par(doc, line if line[0] in "-+•" else f"+ {line}")


# -- Bảng chấm điểm (landscape) -----------------------------------------------


def _scoring_table(doc: Document, rubric: Rubric, data: ReportData) -> None:
    width = b.text_width(doc.sections[-1])
    nd.header_block(doc, width, issuer=data.issuer, left_share=0.36)
    center = {"align": b.CENTER, "indent": Cm(0), "after": 0}
    b.par(doc, "BẢNG CHẤM ĐIỂM", **center, bold=True, before=6)
    b.par(
        doc, f"Kết quả thực hiện công tác dân vận chính quyền năm {data.year}", **center, bold=True
    )
    when = nd.ngay_thang_nam(data.report_date, data.year)
    attached = f"(Kèm theo Báo cáo số: {report_number(data)} {when} của {data.unit_name})"
    b.par(doc, attached, **{**center, "after": 8}, italic=True)

    own = effective_scores(rubric, data.self_scores, data.self_choices)
    auth = effective_scores(rubric, data.authority_scores, data.authority_choices)
    t = b.table(doc, 1, SCORE_WIDTHS, grid=True)
    b.keep_row_together(t.rows[0], header=True)
    _fill(t.rows[0].cells, SCORE_HEADERS, bold=True, centre=range(6))

    for c in rubric.criteria:
        label = criterion_title(c)
        subs = (criterion_points(c, own, ""), criterion_points(c, auth, ""))
        row = (c.id, label, max_text(c.max_points), *subs, "")
        criterion_row = b.add_row(t)
        _fill(criterion_row.cells, row, bold=True)
        b.keep_with_next(criterion_row)  # never alone at the foot of a page
        for item in c.items:
            item_row = b.add_row(t)
            cells = item_row.cells
            _fill(cells, (item.number, "", max_text(item.max_points)))
            given = (_signed(c, own.get(item.id)), _signed(c, auth.get(item.id)))
            _fill(cells[3:5], given, centre=(0, 1))
            label_p = b.par(cells[1], item.label, style=b.CELL_STYLE)
            if item.is_tiered:
                b.add_run(label_p, f" ({rubric.document.tier_instruction})", italic=True)
            if not item.by_unit:
                b.add_run(label_p, f" ({BY_APPRAISER})", italic=True)
            _results_cell(cells[5], data, item.id)
            if not item.is_tiered:
                continue
            b.keep_with_next(item_row)  # a tiered item stays with its first tier
            own_tier = chosen_tier(item, own, data.self_choices)
            auth_tier = chosen_tier(item, auth, data.authority_choices)
            for ch in item.choices:
                marks = (CHECK if ch.id == own_tier else "", CHECK if ch.id == auth_tier else "")
                cells = b.add_row(t).cells
                _fill(cells, (ch.number, ch.label, max_text(ch.points)), italic=True)
                _fill(cells[3:5], marks, bold=True, centre=(0, 1))
    b.keep_with_next(t.rows[-1])  # the total never alone on a page
    totals = (fmt(total(rubric, s)) if s else "" for s in (own, auth))
    _fill(b.add_row(t).cells, ("", "Tổng điểm", max_text(rubric.total_points), *totals), bold=True)


def _signed(c: Criterion, value: Decimal | None) -> str:
    """An item's points as the table prints them: "−2" under a penalty."""
    return f"{c.sign}{fmt(value)}" if value else fmt(value)


def _fill(cells, texts, *, bold=False, italic=False, centre=(0, 2, 3, 4)) -> None:
    for i, (cell, text) in enumerate(zip(cells, texts, strict=False)):
        align = b.CENTER if i in centre else b.LEFT
        if text or i in centre:
            b.par(cell, text, style=b.CELL_STYLE, align=align, bold=bold, italic=italic)
        b.middle(cell)


def _results_cell(cell: _Cell, data: ReportData, item_id: str) -> None:
    for line in b.clean(data.results.get(item_id)).splitlines():
        if line.strip():
            b.par(cell, line.strip(), style=b.CELL_STYLE)
    files = data.evidence.get(item_id) or []
    if files:
        names = "; ".join(b.clean(f.original_name) for f in files)
        b.par(cell, f"Tệp: {names}", style=b.CELL_STYLE, italic=True, size=11)


# -- Danh mục tài liệu kiểm chứng ---------------------------------------------


def _evidence_appendix(doc: Document, rubric: Rubric, data: ReportData) -> None:
    b.par(doc, "DANH MỤC TÀI LIỆU KIỂM CHỨNG", align=b.CENTER, indent=Cm(0), bold=True)
    known = [i.id for i in rubric.items()]
    order = known + [k for k in data.evidence if k not in known]
    groups = [(k, data.evidence[k]) for k in order if data.evidence.get(k)]
    if not groups:
        b.par(doc, "Đơn vị chưa gửi tài liệu kiểm chứng kèm theo.")
        return
    t = b.table(doc, 1, EVIDENCE_WIDTHS, grid=True)
    b.keep_row_together(t.rows[0], header=True)
    _fill(t.rows[0].cells, EVIDENCE_HEADERS, bold=True, centre=range(7))
    n = 0
    for item_id, files in groups:
        item = rubric.item(item_id)
        cells = b.add_row(t).cells
        merged = cells[0].merge(cells[-1])
        label = f"{item_id}. {_short(item.label)}" if item else item_id
        b.par(merged, label, style=b.CELL_STYLE, bold=True, keep_next=True)
        for f in files:
            n += 1
            cells = b.add_row(t).cells
            kind = "Ảnh" if f.kind == "photo" else "Tài liệu"
            when = _received(f.uploaded_at)
            _fill(cells, (str(n), f.original_name, kind, file_size(f.size), when, f.sha256[:12]))
            if f.caption:
                b.par(cells[1], f.caption, style=b.CELL_STYLE, italic=True, size=11)
            if f.path is not None and (f.kind == "photo" or f.mime_type.startswith("image/")):
                b.picture(cells[6], Path(f.path), width=Cm(3.5), tall_height=Cm(4.5))


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _received(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(ZONE)
    return at.strftime("%d/%m/%Y %H:%M")
