"""Scoring tables as a province publishes them, made from a rubric: a Word table (python-docx)
with its header, a title merged across the columns, criteria as "Tiêu chí số N: …" rows, tiered
items marked "(Chấm 1 trong 3 tiêu chí sau)" with italic tiers, a long row continued on the next
page (a second row without a number), spacer rows; or the same rows in an Excel sheet."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from docx import Document
from openpyxl import Workbook

from rubric.loader import load_rubric
from rubric.model import Criterion, Item, ItemType, Kind, Rubric, ScoredBy
from rubric.scoring import fmt

HEADER = {
    "number": "STT",
    "content": "Nội dung tiêu chí",
    "max": "Thang điểm",
    "self": "Kết quả tự chấm điểm",
    "appraised": "Kết quả chấm điểm của cơ quan có thẩm quyền",
    "evidence": "Tài liệu kiểm chứng/Những kết quả đạt được",
}
SEED_ORDER = ("number", "content", "max", "self", "appraised", "evidence")
Row = dict[str, str]


def rows_of(rubric: Rubric, split_long: int = 0) -> list[Row | None]:
    """The table's rows (None: a spacer row). ``split_long``: a label longer than this is
    continued on a second row, as a page break does."""
    rows: list[Row | None] = []

    def add(number: str, content: str, top: str, italic: bool = False) -> None:
        if split_long and len(content) > split_long:
            cut = content.rfind(" ", 0, split_long)
            rows.append({"number": number, "content": content[:cut], "max": top})
            rows.append({"number": "", "content": content[cut + 1 :], "max": ""})
        else:
            rows.append({"number": number, "content": content, "max": top})
        if italic:
            rows[-1]["italic"] = "1"

    for c in rubric.criteria:
        if c.scored:
            add(c.id, f"Tiêu chí số {c.number}: {c.label}", f"{int(c.max_points):02d}")
        else:  # "ĐIỂM THƯỞNG (tối đa 5 điểm)", its items' points signed
            add(c.id, f"{c.label.upper()} (tối đa {fmt(c.max_points)} điểm)", "")
        sign = {Kind.SCORE: "", Kind.BONUS: "+", Kind.PENALTY: "-"}[c.kind]
        for item in c.items:
            mark = f" ({rubric.document.tier_instruction})" if item.is_tiered else ""
            mark += "" if item.by_unit else " (Do cơ quan thẩm định chấm)"
            top = f"{sign}{fmt(item.max_points)}" if sign else f"{int(item.max_points):02d}"
            add(item.number, f"{item.label}{mark}", top)
            for choice in item.choices:
                add(choice.number, choice.label, fmt(choice.points), italic=True)
        rows.append(None)  # a spacer between criteria, as some provinces leave
    return rows


def docx_table(
    rubric: Rubric, path: Path, order: Sequence[str] = SEED_ORDER, split_long: int = 0
) -> Path:
    document = Document()
    document.add_paragraph("BẢNG CHẤM ĐIỂM")
    table = document.add_table(rows=2, cols=len(order))
    title = table.rows[0].cells[0].merge(table.rows[0].cells[-1])  # merged across the table
    title.text = f"Kết quả thực hiện công tác dân vận chính quyền năm {rubric.year}"
    for cell, key in zip(table.rows[1].cells, order, strict=True):
        cell.text = HEADER[key]
    for row in rows_of(rubric, split_long):
        cells = table.add_row().cells
        if row is None:
            continue
        for cell, key in zip(cells, order, strict=True):
            text = row.get(key, "")
            run = cell.paragraphs[0].add_run(text)
            run.italic = bool(row.get("italic")) and key == "content"
    document.save(str(path))
    return path


def xlsx_table(rubric: Rubric, path: Path, order: Sequence[str] = SEED_ORDER) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Bảng chấm điểm"
    sheet.append([f"BẢNG CHẤM ĐIỂM NĂM {rubric.year}"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(order))
    sheet.append([HEADER[k] for k in order])
    for row in rows_of(rubric):
        sheet.append([] if row is None else [_cell(row.get(k, ""), k) for k in order])
    book.save(path)
    return path


def _cell(text: str, key: str) -> object:
    """A maximum as Excel holds it: a number."""
    if key == "max" and text.replace(".", "", 1).isdigit():
        return float(text) if "." in text else int(text)
    return text


def _item(cid: str, n: int, label: str, top: int, by: ScoredBy = ScoredBy.UNIT) -> Item:
    return Item(id=f"{cid}.{n}", number=str(n), type=ItemType.DECIMAL, label=label,
                max_points=Decimal(top), scored_by=by)  # fmt: skip


def bonus_rubric() -> Rubric:
    """The 2022 table with what other provinces' tables have: a bonus (at most 5) and a penalty
    (at most 10) section, and an item only the appraising body scores (VIII.2, tiered)."""
    seed = load_rubric("hung-yen-2022")
    criteria = list(seed.criteria)
    last = criteria[-1]
    scored_by_them = last.items[-1].model_copy(update={"scored_by": ScoredBy.APPRAISER})
    criteria[-1] = last.model_copy(update={"items": (*last.items[:-1], scored_by_them)})
    bonus = Criterion(
        id="IX", number=9, label="Điểm thưởng", outline_heading="ĐIỂM THƯỞNG",
        max_points=Decimal(5), kind=Kind.BONUS,
        items=(
            _item("IX", 1, "Đơn vị được cấp có thẩm quyền khen thưởng về công tác dân vận "
                  "chính quyền trong năm", 2),
            _item("IX", 2, "Có mô hình «Dân vận khéo» được công nhận cấp tỉnh", 3),
        ),
    )  # fmt: skip
    penalty = Criterion(
        id="X", number=10, label="Điểm trừ", outline_heading="ĐIỂM TRỪ",
        max_points=Decimal(10), kind=Kind.PENALTY,
        items=(
            _item("X", 1, "Để xảy ra khiếu nại, tố cáo đông người, vượt cấp do thiếu trách "
                  "nhiệm", 5),
            _item("X", 2, "Cán bộ, công chức vi phạm đạo đức công vụ bị xử lý kỷ luật", 5),
            _item("X", 3, "Không gửi báo cáo đúng thời hạn", 2),
        ),
    )  # fmt: skip
    return seed.model_copy(
        update={"id": "hung-yen-2026", "year": 2026, "criteria": (*criteria, bonus, penalty)}
    )
