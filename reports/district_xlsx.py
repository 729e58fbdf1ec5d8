"""The district summary as an Excel workbook (openpyxl): the table, then "Thống kê".

Values, not formulas: the averages and counts are written as numbers so that every viewer
(phones, mail previews) shows them without recalculating.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.district import (
    OVERDUE,
    SUBMITTED_LATE,
    TITLE,
    DistrictRow,
    DistrictSummary,
    PastResult,
)
from rubric.model import Kind
from rubric.scoring import fmt

STATS_SHEET = "Thống kê"
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
SCORE = "0.0"  # shown with a decimal comma by a Vietnamese Excel
PERCENT = "0.0%"
DATE = "dd/mm/yyyy hh:mm"
FIXED = (  # header, width
    ("STT", 5),
    ("Mã", 14),
    ("Tên đơn vị", 34),
    ("Loại", 16),
    ("Trạng thái", 15),
    ("Ngày nộp", 16),
    ("Hạn nộp", 20),  # "nộp muộn (16/11/2022)", "chưa nộp, quá hạn" or empty
)
NAME_COL = 3  # panes frozen after this column
BOLD = Font(bold=True)
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def headers(summary: DistrictSummary) -> list[str]:
    cols = [h for h, _ in FIXED]
    for c in summary.criteria:
        cols += [f"{c.code} tự chấm", f"{c.code} thẩm định"]
    cols += ["Tổng tự chấm", "Tổng thẩm định", "Đề nghị xếp loại", "Xếp loại"]
    year = summary.earlier_year
    return cols + ([f"Điểm năm {year}", f"Xếp loại năm {year}"] if year else [])


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _shown(e: PastResult, value: str, year: int) -> str:
    """``value`` (points, rating) of an earlier result as a cell shows it: "xã Cửu Cao: 78,5"
    for a unit it succeeds, "năm 2021: 80" when not of the column's ``year``."""
    about = [e.of] if e.of else []
    about += [f"năm {e.year}"] if e.year != year else []
    return f"{', '.join(about)}: {value}" if about else value


def _earlier_values(r: DistrictRow, year: int | None) -> list[object]:
    """The earlier year's points and rating: a number and a label; as text for a merged unit
    ("xã Cửu Cao: 2; xã Phụng Công: 78,5") or a result of another year."""
    if year is None:
        return []
    if not r.earlier:
        return [None, None]
    only = r.earlier[0]
    if len(r.earlier) == 1 and only.of is None and only.year == year:
        return [_num(only.total), only.rating]
    points = "; ".join(_shown(e, fmt(e.total), year) for e in r.earlier)
    return [points, "; ".join(_shown(e, e.rating or "", year) for e in r.earlier)]


def _row_values(n: int, r: DistrictRow, n_criteria: int, year: int | None) -> list[object]:
    when = r.submitted_at.replace(tzinfo=None) if r.submitted_at else None  # Excel has no tz
    values: list[object] = [n, r.code, r.name, r.kind, r.status_label, when, r.deadline_label]
    for k in range(n_criteria):
        values.append(_num(r.self_scores[k]) if r.self_scores else None)
        values.append(_num(r.appraised_scores[k]) if r.appraised_scores else None)
    return [
        *values,
        _num(r.self_total),
        _num(r.appraised_total),
        r.proposed_rating,
        r.final_rating,
        *_earlier_values(r, year),
    ]


def _average_values(summary: DistrictSummary) -> list[object]:
    label = f"Bình quân ({summary.n_submitted} đơn vị đã nộp, {summary.n_appraised} đã thẩm định)"
    late = len(summary.deadline_rows(SUBMITTED_LATE))
    overdue = len(summary.deadline_rows(OVERDUE))
    deadline = f"{late} nộp muộn, {overdue} quá hạn"
    values: list[object] = [None, None, label, None, None, None, deadline]
    for stat in summary.criterion_stats:
        values += [_num(stat.self_avg), _num(stat.appraised_avg)]
    averages = [_num(summary.self_total_avg), _num(summary.appraised_total_avg)]
    return [*values, *averages, None, None, *([None, None] if summary.earlier_year else [])]


def _style_row(ws: Worksheet, row: int, n_cols: int, **style: object) -> None:
    for col in range(1, n_cols + 1):
        cell = ws.cell(row, col)
        cell.border = BOX
        for name, value in style.items():
            setattr(cell, name, value)


def _table(ws: Worksheet, summary: DistrictSummary) -> None:
    cols = headers(summary)
    n_cols = len(cols)
    last = get_column_letter(n_cols)
    ws.append([TITLE.format(year=summary.year)])
    ws.append(
        [
            f"{summary.authority_name} · Hạn nộp: {summary.submit_by:%d/%m/%Y}"
            f" · Số liệu đến ngày {summary.today:%d/%m/%Y}"
        ]
    )
    for row, font in ((1, Font(bold=True, size=14)), (2, Font(italic=True, size=12))):
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.cell(row, 1).font = font
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
    ws.append(cols)
    _style_row(ws, HEADER_ROW, n_cols, font=BOLD, fill=HEAD_FILL, alignment=WRAP_CENTER)
    ws.row_dimensions[HEADER_ROW].height = 45
    n_criteria = len(summary.criteria)
    year = summary.earlier_year
    ratings = len(FIXED) + 2 * n_criteria + 3  # the first rating column, after the totals
    score_cols = range(len(FIXED) + 1, ratings)  # criteria and totals
    earlier = range(ratings + 2, n_cols + 1)  # the earlier year's points and rating, if shown
    for n, r in enumerate(summary.rows, 1):
        ws.append(_row_values(n, r, n_criteria, year))
        row = ws.max_row
        _style_row(ws, row, n_cols)
        ws.cell(row, 6).number_format = DATE
        for col in (*score_cols, *earlier[:1]):  # the earlier points: a number, mostly
            ws.cell(row, col).number_format = SCORE
        if r.deadline:  # nộp muộn, or chưa nộp and quá hạn
            ws.cell(row, 7).font = Font(color="C00000", bold=True)
    last_row = ws.max_row
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{last_row}"  # the average row stays out of it
    ws.append(_average_values(summary))
    _style_row(ws, ws.max_row, n_cols, font=BOLD, fill=TOTAL_FILL)
    for col in score_cols:
        ws.cell(ws.max_row, col).number_format = SCORE
    ws.freeze_panes = ws.cell(FIRST_ROW, NAME_COL + 1).coordinate
    for col, (_, width) in enumerate(FIXED, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for col in range(len(FIXED) + 1, n_cols + 1):
        width = 16 if col in earlier else 12 if col >= ratings - 2 else 9.5
        ws.column_dimensions[get_column_letter(col)].width = width
    for col in (1, 7, *range(len(FIXED) + 1, n_cols + 1)):
        wrap = col in earlier  # a merged unit's results, one per unit it succeeds
        for row in range(FIRST_ROW, ws.max_row + 1):
            ws.cell(row, col).alignment = Alignment(
                horizontal="center", vertical="center", wrap_text=wrap
            )
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _block(ws: Worksheet, title: str, head: Sequence[str], rows: list[list[object]]) -> int:
    """A titled little table; returns the row of its header."""
    start = ws.max_row + 2 if ws.max_row > 1 else 3
    ws.cell(start, 1, title).font = BOLD
    for col, text in enumerate(head, 1):
        ws.cell(start + 1, col, text)
    _style_row(ws, start + 1, len(head), font=BOLD, fill=HEAD_FILL, alignment=WRAP_CENTER)
    for k, values in enumerate(rows, start + 2):
        for col, value in enumerate(values, 1):
            ws.cell(k, col, value)
        _style_row(ws, k, len(head))
    _style_row(ws, start + 1 + len(rows), len(head), font=BOLD, fill=TOTAL_FILL)  # total row
    return start + 1


def _stats(ws: Worksheet, summary: DistrictSummary) -> None:
    ws.append([f"THỐNG KÊ KẾT QUẢ NĂM {summary.year} - {summary.authority_name.upper()}"])
    ws.cell(1, 1).font = Font(bold=True, size=13)
    n = len(summary.rows)
    ratings = [[c.label, c.proposed, c.final] for c in summary.rating_counts]
    _block(
        ws,
        "1. Số đơn vị theo xếp loại",
        ("Xếp loại", "Đơn vị đề nghị", "Xếp loại chính thức"),
        [*ratings, ["Tổng số", n, n]],
    )
    statuses = [[label, count] for label, count in summary.status_counts]
    _block(
        ws,
        "2. Số đơn vị theo trạng thái",
        ("Trạng thái", "Số đơn vị"),
        [
            *statuses,
            ["Trong đó nộp muộn", len(summary.deadline_rows(SUBMITTED_LATE))],
            ["Chưa nộp, quá hạn", len(summary.deadline_rows(OVERDUE))],
            ["Tổng số", n],
        ],
    )
    for row in (ws.max_row - 2, ws.max_row - 1):
        ws.cell(row, 1).font = Font(italic=True)
    criteria = []
    for s in summary.criterion_stats:
        c = s.criterion
        criteria.append(
            [
                c.code,
                c.label,
                float(c.max_points),
                _num(s.self_avg),
                _num(s.appraised_avg),
                float(s.self_avg / c.max_points) if s.self_avg is not None else None,
                float(s.appraised_avg / c.max_points) if s.appraised_avg is not None else None,
            ]
        )
    top = sum(c.max_points for c in summary.criteria if c.kind is Kind.SCORE)
    self_avg, appr_avg = summary.self_total_avg, summary.appraised_total_avg
    criteria.append(
        [
            "Tổng",
            None,
            float(top),
            _num(self_avg),
            _num(appr_avg),
            float(self_avg / top) if self_avg is not None and top else None,
            float(appr_avg / top) if appr_avg is not None and top else None,
        ]
    )
    head = _block(
        ws,
        "3. Điểm bình quân theo tiêu chí",
        (
            "Tiêu chí",
            "Nội dung",
            "Điểm tối đa",
            "Bình quân tự chấm",
            "Bình quân thẩm định",
            "% tự chấm",
            "% thẩm định",
        ),
        criteria,
    )
    for row in range(head + 1, ws.max_row + 1):
        ws.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="center")
        for col in (3, 4, 5):
            ws.cell(row, col).number_format = SCORE
        for col in (6, 7):
            ws.cell(row, col).number_format = PERCENT
    for col, width in zip("ABCDEFG", (22, 60, 12, 14, 14, 12, 12), strict=True):
        ws.column_dimensions[col].width = width


def write_district_xlsx(summary: DistrictSummary, path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = f"Tổng hợp {summary.year}"
    _table(ws, summary)
    _stats(wb.create_sheet(STATS_SHEET), summary)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
