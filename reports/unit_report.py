"""The unit's "Báo cáo tự đánh giá, xếp loại công tác dân vận chính quyền" as DOCX.

Follows the seed's template: the report (portrait), then the Bảng chấm điểm and the
list of evidence files (landscape section). Pure: takes the rubric and a ReportData.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from docx.document import Document
from docx.image.image import Image
from docx.shared import Cm, Length, Mm
from docx.table import _Cell

from reports import docx_base as b
from reports.data import EvidenceRow, ReportData
from rubric.model import Item, Rubric
from rubric.scoring import fmt, subtotal, total

DOTS = "....."
CHECK = "✓"
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
VN_TIME = timezone(timedelta(hours=7))
MAX_THUMBNAIL_SOURCE = 20 * 1024 * 1024
JFIF_APP0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def render_unit_report(rubric: Rubric, data: ReportData) -> bytes:
    """The report as DOCX bytes."""
    doc = b.new_document()
    _report(doc, rubric, data)
    b.add_landscape_section(doc)
    _scoring_table(doc, rubric, data)
    _evidence_appendix(doc, rubric, data)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def write_unit_report(rubric: Rubric, data: ReportData, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_unit_report(rubric, data))
    return path


# -- scores -------------------------------------------------------------------


def effective_scores(
    rubric: Rubric, scores: Mapping[str, Decimal | None], choices: Mapping[str, str]
) -> dict[str, Decimal]:
    """Answered scores; a tiered item with a choice but no score gets the tier's points."""
    out = {k: v for k, v in scores.items() if v is not None}
    for item in rubric.items():
        choice = item.choice(choices.get(item.id, "")) if item.is_tiered else None
        if choice is not None and item.id not in out:
            out[item.id] = choice.points
    return out


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


def _number(data: ReportData) -> str:
    return f"{data.report_number or '     '}/BC-{data.unit_short or DOTS}"


# -- the report (portrait) ----------------------------------------------------


def _report(doc: Document, rubric: Rubric, data: ReportData) -> None:
    width = b.text_width(doc.sections[0])
    b.header_block(
        doc,
        width,
        unit=data.unit_name,
        parent=data.parent_name,
        number=f"Số: {_number(data)}",
        date_line=f"{data.place}, {b.ngay_thang_nam(data.report_date, data.year)}",
    )
    center = {"align": b.CENTER, "indent": Cm(0)}
    authority = data.authority.rstrip(". ")
    b.par(doc, f"Kính gửi: {authority}.", **center, before=12, after=12)
    b.par(doc, "BÁO CÁO", **center, bold=True, after=0)
    title = f"Tự đánh giá, xếp loại công tác dân vận chính quyền năm {data.year}"
    b.par(doc, title, **center, bold=True, after=0)
    b.rule(doc, Cm(4), width, after=12)
    b.par(doc, rubric.document.legal_basis.replace("{unit}", data.unit_name))

    scores = effective_scores(rubric, data.self_scores, data.self_choices)
    grand = fmt(total(rubric, scores)) if scores else DOTS
    head = "Tổng số điểm thực hiện công tác dân vận chính quyền: "
    b.par(doc, [head, (grand, {"bold": True}), " điểm, trong đó:"])
    texts = {"strengths": data.strengths, "shortcomings": data.shortcomings}
    for c in rubric.criteria:
        answered = any(i.id in scores for i in c.items)
        points = fmt(subtotal(c, scores)) if answered else DOTS
        b.par(doc, f"Tiêu chí số {c.number}: {c.label}: ({points} điểm)", bold=True, keep_next=True)
        for n in rubric.narratives:
            lines = [ln.strip() for ln in b.clean(texts.get(n.name, {}).get(c.id)).splitlines()]
            lines = [ln for ln in lines if ln] or [DOTS]
            label = f"- {n.label.rstrip(' :.')}:"
            if len(lines) == 1:
                b.par(doc, f"{label} {lines[0]}")
                continue
            b.par(doc, label, keep_next=True)  # several points: one "+" paragraph each
            for line in lines:
                b.par(doc, line if line[0] in "-+•" else f"+ {line}")
    rating = ["Đề nghị mức xếp loại: ", (data.proposed_rating or DOTS, {"bold": True}), "."]
    b.par(doc, rating, keep_next=True)
    closing = f"Trên đây là báo cáo tự đánh giá, xếp loại công tác dân vận của {data.unit_name}"
    b.par(doc, f"{closing} năm {data.year}./.", keep_next=True)  # stays with the signature
    _signature(doc, width, data)


def _signature(doc: Document, width, data: ReportData) -> None:
    left = int(width * 0.45)
    t = b.table(doc, 1, [Length(left), Length(width - left)], grid=False)
    b.keep_row_together(t.rows[0])
    lc, rc = t.rows[0].cells
    b.par(lc, "Nơi nhận:", style=b.CELL_STYLE, bold=True, italic=True, size=12, before=6)
    for line in ("- Như trên;", "- Lưu: VT."):
        b.par(lc, line, style=b.CELL_STYLE, size=11, before=0, after=0)
    sign = {"style": b.CELL_STYLE, "align": b.CENTER, "size": 14}
    b.par(rc, b.clean(data.signer_title).upper(), **sign, bold=True, before=6, after=0)
    b.par(rc, "(Ký, đóng dấu)", **sign, italic=True)
    for _ in range(4):
        b.par(rc, "", **sign)
    if data.signer_name:
        b.par(rc, data.signer_name, **sign, bold=True)


# -- Bảng chấm điểm (landscape) -----------------------------------------------


def _scoring_table(doc: Document, rubric: Rubric, data: ReportData) -> None:
    width = b.text_width(doc.sections[-1])
    b.header_block(doc, width, unit=data.unit_name, parent=data.parent_name, left_share=0.36)
    center = {"align": b.CENTER, "indent": Cm(0), "after": 0}
    b.par(doc, "BẢNG CHẤM ĐIỂM", **center, bold=True, before=6)
    b.par(
        doc, f"Kết quả thực hiện công tác dân vận chính quyền năm {data.year}", **center, bold=True
    )
    when = b.ngay_thang_nam(data.report_date, data.year)
    attached = f"(Kèm theo Báo cáo số: {_number(data)} {when} của {data.unit_name})"
    b.par(doc, attached, **{**center, "after": 8}, italic=True)

    own = effective_scores(rubric, data.self_scores, data.self_choices)
    auth = effective_scores(rubric, data.authority_scores, data.authority_choices)
    t = b.table(doc, 1, SCORE_WIDTHS, grid=True)
    b.keep_row_together(t.rows[0], header=True)
    _fill(t.rows[0].cells, SCORE_HEADERS, bold=True, centre=range(6))

    def sub(scores, c) -> str:
        return fmt(subtotal(c, scores)) if any(i.id in scores for i in c.items) else ""

    for c in rubric.criteria:
        label = f"Tiêu chí số {c.number}: {c.label}"
        row = (c.id, label, max_text(c.max_points), sub(own, c), sub(auth, c), "")
        _fill(b.add_row(t).cells, row, bold=True)
        for item in c.items:
            cells = b.add_row(t).cells
            _fill(cells, (item.number, "", max_text(item.max_points)))
            _fill(cells[3:5], (fmt(own.get(item.id)), fmt(auth.get(item.id))), centre=(0, 1))
            label_p = b.par(cells[1], item.label, style=b.CELL_STYLE)
            if item.is_tiered:
                b.add_run(label_p, f" ({rubric.document.tier_instruction})", italic=True)
            _results_cell(cells[5], data, item.id)
            if not item.is_tiered:
                continue
            own_tier = chosen_tier(item, own, data.self_choices)
            auth_tier = chosen_tier(item, auth, data.authority_choices)
            for ch in item.choices:
                marks = (CHECK if ch.id == own_tier else "", CHECK if ch.id == auth_tier else "")
                cells = b.add_row(t).cells
                _fill(cells, (ch.number, ch.label, max_text(ch.points)), italic=True)
                _fill(cells[3:5], marks, bold=True, centre=(0, 1))
    totals = (fmt(total(rubric, s)) if s else "" for s in (own, auth))
    _fill(b.add_row(t).cells, ("", "Tổng điểm", max_text(rubric.total_points), *totals), bold=True)


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
    title = b.par(doc, "DANH MỤC TÀI LIỆU KIỂM CHỨNG", align=b.CENTER, indent=Cm(0), bold=True)
    title.paragraph_format.page_break_before = True
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
            _fill(cells, (str(n), f.original_name, kind, _size(f.size), when, f.sha256[:12]))
            if f.caption:
                b.par(cells[1], f.caption, style=b.CELL_STYLE, italic=True, size=11)
            _thumbnail(cells[6], f)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{fmt(Decimal(n) / 1024)} KB"
    return f"{fmt(Decimal(n) / (1024 * 1024))} MB"


def _received(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(VN_TIME)
    return at.strftime("%d/%m/%Y %H:%M")


def _thumbnail(cell: _Cell, f: EvidenceRow) -> None:
    """A small picture of a photo; nothing when it cannot be read (HEIC, broken, missing)."""
    if f.path is None or not (f.kind == "photo" or f.mime_type.startswith("image/")):
        return
    try:
        path = Path(f.path)
        if not path.is_file() or path.stat().st_size > MAX_THUMBNAIL_SOURCE:
            return
        blob = path.read_bytes()
        # python-docx knows a JPEG only by a JFIF/Exif segment right after SOI; some cameras
        # and editors write neither: prepend a minimal JFIF header (the pixels are untouched).
        if blob[:3] == b"\xff\xd8\xff" and blob[3:4] not in (b"\xe0", b"\xe1"):
            blob = blob[:2] + JFIF_APP0 + blob[2:]
        image = Image.from_blob(blob)
        tall = image.px_height > image.px_width * 1.3
        size = {"height": Cm(4.5)} if tall else {"width": Cm(3.5)}
        run = b.par(cell, "", style=b.CELL_STYLE, align=b.CENTER).add_run()
        run.add_picture(BytesIO(blob), **size)
    except Exception:  # a broken image must never break the report
        return
