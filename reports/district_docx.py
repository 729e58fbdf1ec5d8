"""The district summary as the letter the appraising body sends to the level above
(Nghị định 30/2020/NĐ-CP, Phụ lục I, công văn): the header with Số and the "V/v" trích yếu,
"Kính gửi: Sở Nội vụ tỉnh …", a short body written from the figures (how many units, how many
in each rating, who submitted late and who has not submitted), Nơi nhận and the signature of
the appraising body; then, on landscape pages, the summary table as its attachment.

The table has the same rows as the workbook; on paper the units are grouped by kind (group rows
instead of a "Loại" column) and the criteria use two sub-columns, TC (tự chấm) and TĐ (thẩm
định). A rubric's bonus and penalty share one column on paper, "Thưởng/ trừ", with what they
add up to (the workbook has one for each).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from pathlib import Path

from docx.document import Document
from docx.shared import Cm, Mm
from docx.table import Table, _Cell

from reports import docx_base as b
from reports import layout as nd30
from reports.district import (
    OVERDUE,
    SUBMITTED_LATE,
    TITLE,
    DistrictRow,
    DistrictSummary,
    PastResult,
)
from reports.letterhead import committee_of, issuer, signature
from rubric.model import Kind
from rubric.scoring import fmt

TABLE_PT = 11
PAGE_MM = 252  # the landscape page's text width
_SIZE: ContextVar[float] = ContextVar("table_size", default=TABLE_PT)  # this table's (_layout)
CELL_STYLE_ID = b.CELL_STYLE.replace(" ", "")  # how python-docx names a custom style
DEADLINE_MARKS = {SUBMITTED_LATE: "muộn", OVERDUE: "quá hạn"}
# (header, mm): "15/11" in 11 pt is 9 mm, in a cell padded 0.5 mm each side (the year is the
# table's: only a submission in another year shows it, wrapped)
FIXED = (("STT", 9), ("Tên đơn vị", 21), ("Trạng thái", 15), ("Ngày nộp", 12), ("Hạn nộp", 12))
CRITERION_MM = 8  # per sub-column: "13,5" in 11 pt needs 7 mm
SMALL_CRITERION_MM = 6.5  # a criterion worth less than 10: "7,5"
TOTAL_MM = 9
RATING_MM = 12  # "Chính thức" wraps only between the words
EARLIER_MM = 13  # "78,5 (Tốt)" in two lines, "(Trung bình)" in three
CELL_PAD = Mm(0.5)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass(frozen=True)
class Column:
    """A column pair of the table (TC, TĐ): one criterion, or the bonus and penalty together."""

    heading: str  # "Tiêu chí 4", "Thưởng/ trừ"
    note: str  # "(23 đ)", "(+5/ −10 đ)"
    parts: tuple[int, ...]  # the criteria (their indexes in the summary) it adds up
    wide: bool  # holds "13,5"


def columns(summary: DistrictSummary) -> list[Column]:
    """Each criterion of the table proper; then the bonus and penalty in one."""
    found = [
        Column(c.short, f"({fmt(c.max_points)} đ)", (k,), c.max_points >= 10)
        for k, c in enumerate(summary.criteria)
        if c.kind is Kind.SCORE
    ]
    extra = [(k, c) for k, c in enumerate(summary.criteria) if c.kind is not Kind.SCORE]
    if extra:
        caps = "/ ".join(
            f"{'−' if c.kind is Kind.PENALTY else '+'}{fmt(c.max_points)}" for _, c in extra
        )
        found.append(Column("Thưởng, trừ", f"({caps} đ)", tuple(k for k, _ in extra), True))
    return found


def _added(values: Sequence[Decimal | None] | None, parts: tuple[int, ...]) -> Decimal | None:
    """A column's value: its criteria's (signed) subtotals added up."""
    if values is None or any(values[k] is None for k in parts):
        return None
    return sum((values[k] or Decimal(0) for k in parts), Decimal(0))


def _layout(summary: DistrictSummary) -> tuple[list[Mm], float]:
    """The columns' widths and the table's font size: 11 pt in 252 mm for the hung-yen-2022
    rubric; a wider table (a bonus and penalty column beside the earlier year's) is set
    smaller, all of it in proportion, to stay on the landscape page."""
    mm = _widths(summary)
    scale = min(1.0, PAGE_MM / sum(mm))
    return [Mm(w * scale) for w in mm], max(8.0, int(TABLE_PT * scale * 2) / 2)


def _widths(summary: DistrictSummary) -> list[float]:
    """In mm: the name column takes what the criteria and the earlier year's column (when a
    unit has a result of it) leave of the page."""
    mm = [float(w) for _, w in FIXED]
    for col in columns(summary):
        mm += [CRITERION_MM if col.wide else SMALL_CRITERION_MM] * 2
    mm[1] += sum(CRITERION_MM - w for w in mm[len(FIXED) :])
    earlier = [EARLIER_MM] if summary.earlier_year else []
    if not earlier:
        mm[1] += EARLIER_MM  # no such column: the names take its room
    return [*mm, TOTAL_MM, TOTAL_MM, RATING_MM, RATING_MM, *earlier]


def _put(
    cell: _Cell, text: str, *, left: bool = False, keep_next: bool = False, **fmt_: object
) -> None:
    """A paragraph of ``text`` in the Cell style at the table's size (11 pt; ``_layout``).
    (``b.par`` resolves the style by name for every paragraph: a thousand cells took seconds;
    the style id is set directly.)"""
    p = cell.paragraphs[-1]
    if p.runs or (p._p.pPr is not None and p._p.pPr.style is not None):
        p = cell.add_paragraph()
    p._p.get_or_add_pPr().style = CELL_STYLE_ID
    b.add_run(p, text, size=_SIZE.get(), **fmt_)
    p.paragraph_format.alignment = b.LEFT if left else b.CENTER
    if keep_next:
        p.paragraph_format.keep_with_next = True
    b.middle(cell)


def _header(t: Table, summary: DistrictSummary) -> None:
    rows = [b.add_row(t, header=True) for _ in range(3)]
    top, mid, low = (r.cells for r in rows)
    bold = {"bold": True}
    for col, (label, _) in enumerate(FIXED):
        _put(top[col].merge(low[col]), label, **bold)
    first = len(FIXED)
    shown = columns(summary)
    n = len(shown)
    _put(top[first].merge(top[first + 2 * n - 1]), "Điểm từng tiêu chí", **bold)
    for k, column in enumerate(shown):
        col = first + 2 * k
        cell = mid[col].merge(mid[col + 1])
        _put(cell, column.heading, **bold)
        _put(cell, column.note, italic=True)
    total_col = first + 2 * n
    _put(top[total_col].merge(mid[total_col + 1]), "Tổng điểm", **bold)
    rating_col = total_col + 2
    _put(top[rating_col].merge(top[rating_col + 1]), "Xếp loại", **bold)
    for k in range(n + 1):
        _put(low[first + 2 * k], "TC", **bold)
        _put(low[first + 2 * k + 1], "TĐ", **bold)
    _put(mid[rating_col].merge(low[rating_col]), "Đề nghị", **bold)
    _put(mid[rating_col + 1].merge(low[rating_col + 1]), "Chính thức", **bold)
    if summary.earlier_year:
        _put(top[-1].merge(low[-1]), f"Kết quả năm {summary.earlier_year}", **bold)


def _scores(row: DistrictRow, shown: list[Column]) -> list[str]:
    if row.self_scores is None and row.appraised_scores is None:
        return [""] * (2 * len(shown))
    out = []
    for column in shown:
        out.append(fmt(_added(row.self_scores, column.parts)))
        out.append(fmt(_added(row.appraised_scores, column.parts)))
    return out


def _result(e: PastResult) -> str:
    """ "78,5 (Tốt)"."""
    return f"{fmt(e.total)} ({e.rating})" if e.rating else fmt(e.total)


def _earlier(row: DistrictRow, year: int) -> str:
    """The unit's own earlier result ("năm 2020: 90 (Tốt)" when not of the column's year);
    blank without one, or for a unit that succeeds others (theirs go on a line below)."""
    if not row.earlier or row.succeeds:
        return ""
    e = row.earlier[0]
    return _result(e) if e.year == year else f"năm {e.year}: {_result(e)}"


def _unit_row(t: Table, n: int, row: DistrictRow, summary: DistrictSummary) -> None:
    cells = b.add_row(t).cells
    when = ""
    if row.submitted_at is not None:
        dated = "%d/%m" if row.submitted_at.year == summary.year else "%d/%m/%Y"
        when = row.submitted_at.strftime(dated)
    scores = _scores(row, columns(summary))
    totals = [fmt(row.self_total), fmt(row.appraised_total)]
    ratings = [row.proposed_rating or "", row.final_rating or ""]
    year = summary.earlier_year
    earlier = [_earlier(row, year)] if year else []
    texts = [str(n), row.name, row.status_label, when, DEADLINE_MARKS.get(row.deadline or "", "")]
    keep = row.succeeds  # with the line of the units it succeeds
    for col, (cell, text) in enumerate(
        zip(cells, [*texts, *scores, *totals, *ratings, *earlier], strict=True)
    ):
        _put(cell, text, left=col == 1, bold=col == 4 or None, keep_next=keep)
    if row.succeeds:
        _predecessors(t, row)


def _predecessors(t: Table, row: DistrictRow) -> None:
    """A line below a unit that succeeds others, with their results, e.g. "Kết quả năm 2021 của
    các đơn vị trước sắp xếp: xã Cửu Cao: 78,5 điểm, Tốt; xã Phụng Công: 80 điểm, Tốt." """
    cells = b.add_row(t).cells
    results = "; ".join(
        f"{e.of}: {fmt(e.total)} điểm" + (f", {e.rating}" if e.rating else "") for e in row.earlier
    )
    which = "các đơn vị" if len(row.earlier) > 1 else "đơn vị"
    text = f"Kết quả năm {row.earlier[0].year} của {which} trước sắp xếp: {results}."
    _put(cells[1].merge(cells[-1]), text, left=True, italic=True)


def _average_row(t: Table, summary: DistrictSummary) -> None:
    cells = b.add_row(t).cells
    label = f"Bình quân ({summary.n_submitted} đơn vị đã nộp, {summary.n_appraised} đã thẩm định)"
    _put(cells[0].merge(cells[len(FIXED) - 1]), label, left=True, bold=True)
    values: list[Decimal | None] = []
    stats = summary.criterion_stats
    for column in columns(summary):
        values.append(_added([stats[k].self_avg for k in range(len(stats))], column.parts))
        values.append(_added([stats[k].appraised_avg for k in range(len(stats))], column.parts))
    values += [summary.self_total_avg, summary.appraised_total_avg]
    for cell, value in zip(cells[len(FIXED) :], values, strict=False):
        _put(cell, fmt(value), bold=True)
    b.middle(*cells[len(FIXED) + len(values) :])


def _table(doc: Document, summary: DistrictSummary) -> Table:
    widths, size = _layout(summary)
    _SIZE.set(size)
    t = b.table(doc, 0, widths, grid=True, pad=CELL_PAD)
    _header(t, summary)
    n = 0
    for group, (kind, rows) in enumerate(groupby(summary.rows, key=lambda r: r.kind)):
        rows = list(rows)
        cells = b.add_row(t).cells
        _put(cells[0], ROMAN[group] if group < len(ROMAN) else str(group + 1), bold=True)
        label = f"{kind[0].upper()}{kind[1:]} ({len(rows)} đơn vị)"
        _put(cells[1].merge(cells[-1]), label, left=True, bold=True, keep_next=True)
        for row in rows:
            n += 1
            _unit_row(t, n, row, summary)
    _average_row(t, summary)
    return t


def _legend(doc: Document, summary: DistrictSummary) -> None:
    deadline = f"{summary.submit_by:%d/%m/%Y}"
    note = (
        "TC: điểm tự chấm; TĐ: điểm thẩm định của cơ quan có thẩm quyền; «muộn»: nộp sau ngày "
        f"{deadline}; «quá hạn»: chưa nộp khi đã hết hạn"
    )
    if year := summary.earlier_year:
        note += (
            f"; «Kết quả năm {year}»: tổng điểm (điểm thẩm định nếu đã thẩm định) và xếp loại "
            f"năm {year} của đơn vị"
        )
    note += "."
    body = {"indent": Cm(1), "after": 2, "before": 6}
    b.par(doc, [("Ghi chú: ", {"bold": True, "italic": True}), note], italic=True, **body)


# -- the letter -------------------------------------------------------------------------------


def recipient(summary: DistrictSummary) -> str:
    """Whom the summary goes to: the Department of Home Affairs of the province above."""
    sender = summary.sender
    if sender is not None and sender.parent_name:
        return f"Sở Nội vụ {committee_of(sender.parent_name)}"
    if sender is not None and sender.level == "tỉnh":
        return "Bộ Nội vụ"
    return f"Sở Nội vụ tỉnh {summary.province}"  # a district with no province on file


def subject(summary: DistrictSummary) -> str:
    return f"V/v báo cáo kết quả đánh giá, xếp loại công tác dân vận chính quyền năm {summary.year}"


def number(summary: DistrictSummary) -> str:
    """The letter's number and symbol, the number left for the văn thư: "     /UBND-NV"."""
    short = summary.sender.short_name if summary.sender else None
    return f"     /{short or 'UBND'}-NV"


def _names(rows: list[DistrictRow], dated: bool = False) -> str:
    parts = [
        f"{r.name} ({r.submitted_at:%d/%m/%Y})" if dated and r.submitted_at else r.name
        for r in rows
    ]
    return "; ".join(parts)


def body(summary: DistrictSummary) -> list[str]:
    """The letter's paragraphs, written from the figures."""
    name = summary.sender.name if summary.sender else summary.authority_name
    n, submitted = len(summary.rows), summary.n_submitted
    kinds = "; ".join(f"{count} {label}" for label, count in summary.kind_counts)
    late = summary.deadline_rows(SUBMITTED_LATE)
    overdue = summary.deadline_rows(OVERDUE)
    on_time = submitted - len(late)
    opening = f"{summary.legal_basis}, " if summary.legal_basis else ""
    paragraphs = [
        f"{opening}{name} báo cáo kết quả đánh giá, xếp loại công tác dân vận chính quyền năm "
        f"{summary.year} của các cơ quan, đơn vị như sau:",
        f"1. Số đơn vị thực hiện tự đánh giá: {n} đơn vị ({kinds}).",
        f"2. Đã nộp báo cáo tự đánh giá: {submitted}/{n} đơn vị (hạn nộp ngày "
        f"{summary.submit_by:%d/%m/%Y}), trong đó nộp đúng hạn {on_time} đơn vị"
        + (f", nộp muộn {len(late)} đơn vị: {_names(late, dated=True)}." if late else ".")
        + (f" Chưa nộp, quá hạn: {len(overdue)} đơn vị: {_names(overdue)}." if overdue else ""),
    ]
    counted = [c for c in summary.rating_counts if c.code and c.final]
    ratings = "; ".join(f"{c.label}: {c.final} đơn vị" for c in counted)
    unrated = n - sum(c.final for c in counted)
    line = f"3. Đã thẩm định, xếp loại {summary.n_appraised}/{n} đơn vị"
    line += f" ({ratings})" if ratings else ""
    line += f"; chưa xếp loại {unrated} đơn vị." if unrated else "."
    paragraphs.append(line)
    if summary.self_total_avg is not None:
        avg = f"4. Điểm bình quân: tự chấm {fmt(summary.self_total_avg)} điểm"
        if summary.appraised_total_avg is not None:
            avg += f", thẩm định {fmt(summary.appraised_total_avg)} điểm"
        paragraphs.append(avg + " (tổng 100 điểm).")
    paragraphs.append("Chi tiết kết quả của từng đơn vị tại Biểu tổng hợp kèm theo.")
    paragraphs.append(f"{name} trân trọng báo cáo./.")
    return paragraphs


def recipients(summary: DistrictSummary) -> list[str]:
    level = summary.sender.level if summary.sender else ""
    if not level:
        return ["- Như trên;", "- Lưu: VT, NV."]
    party = f"{level.capitalize()} ủy"
    return [
        "- Như trên;",
        f"- Thường trực {party};",
        f"- Thường trực HĐND {level};",
        f"- Chủ tịch, các PCT UBND {level};",
        f"- Ban Dân vận {party};",
        "- Lưu: VT, NV.",
    ]


def render_district_docx(summary: DistrictSummary) -> Document:
    doc = nd30.new_document()
    width = b.text_width(doc.sections[0])
    sender = summary.sender
    name = sender.name if sender else summary.authority_name
    nd30.header_block(
        doc,
        width,
        issuer=issuer(name),
        number=f"Số: {number(summary)}",
        subject=subject(summary),
        date_line=f"{summary.place}, {nd30.ngay_thang_nam(None, summary.year)}",
    )
    center = {"align": b.CENTER, "indent": Cm(0)}
    b.par(doc, f"Kính gửi: {recipient(summary)}.", **center, before=12, after=12)
    for text in body(summary):
        b.par(doc, text)
    signed = signature(sender.signer_title, name, sender.sign_as) if sender else ("",)
    nd30.closing_block(
        doc,
        width,
        recipients=recipients(summary),
        signature=signed,
        signer_name=sender.signer_name if sender else None,
    )
    nd30.add_annex_section(doc)
    center = {"align": b.CENTER, "indent": Cm(0), "after": 0}
    b.par(doc, TITLE.format(year=summary.year), **center, bold=True, keep_next=True)
    when = nd30.ngay_thang_nam(None, summary.year)
    attached = f"(Kèm theo Công văn số: {number(summary)} {when} của {name})"
    b.par(doc, attached, **{**center, "after": 8}, italic=True, keep_next=True)
    _table(doc, summary)
    _legend(doc, summary)
    return doc


def write_district_docx(summary: DistrictSummary, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    render_district_docx(summary).save(str(path))
    return path
