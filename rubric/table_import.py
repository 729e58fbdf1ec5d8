"""A province's scoring table (Bảng chấm điểm, Word or Excel) read into our rubric's data.

What these tables hold, and how each is read:
- a header row naming the columns, in any order: the number (STT, TT), the content (Nội dung,
  Tiêu chí) and the maximum (Thang điểm, Điểm tối đa, Điểm chuẩn); the other columns (the unit's
  score, the appraisal, the evidence) are left alone;
- criteria numbered in roman (I, II) or arabic with "Tiêu chí số N:" in the content; items
  numbered 1, 2 (or "1.", "2)"); tiers numbered 1.1, 1.2 or a), b) under an item marked
  "(Chấm 1 trong 3 tiêu chí sau)" (or "Châm", "mức");
- rows continued on the next page (no number: the text goes on), empty spacer rows, merged
  cells (a title spanning the table), bold or italic runs;
- bonus and penalty sections: a row "Điểm thưởng" ("Điểm cộng") or "Điểm trừ", numbered or
  not, its cap in the maximum column or as "(tối đa 5 điểm)"; its items numbered 1, 2 with
  their points ("+2", "-1" or "2");
- items scored only by the appraising body: "(Do cơ quan thẩm định chấm)", "(Hội đồng thẩm
  định chấm)", "(cơ quan có thẩm quyền chấm)" after the item's text;
- group and total rows ("A. Điểm chuẩn", "Tổng cộng"), which are passed over.
Every row that cannot be read is reported with its number and the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROMAN = re.compile(r"^(?=[IVXL])(L?X{0,3})(IX|IV|V?I{0,3})$")
ARABIC = re.compile(r"^(\d{1,2})[.)]?$")
TIER = re.compile(r"^(\d{1,2})[.](\d{1,2})[.)]?$|^([a-zđ])[.)]$")
CRITERION_TITLE = re.compile(r"^tieu chi (?:so )?(\d{1,2})\s*[:.\-–]\s*", re.IGNORECASE)
TIER_MARK = re.compile(
    r"\s*\(?\s*ch[aâấ]m\s+(?:1|một|mot)\s+trong\s+(\d+)\s+[^()]*?\)?\s*$", re.IGNORECASE
)
COLUMNS = {  # folded header words -> our column
    "number": ("stt", "tt", "so tt", "so thu tu"),
    "content": ("noi dung", "tieu chi", "noi dung tieu chi", "chi tieu", "noi dung danh gia"),
    "max": ("thang diem", "diem toi da", "diem chuan", "diem", "so diem toi da"),
}
SECTIONS = {  # folded start of a bonus or penalty row -> (kind, label, id when unnumbered)
    "diem thuong": ("bonus", "Điểm thưởng", "DT"),
    "diem cong": ("bonus", "Điểm thưởng", "DT"),
    "diem tru": ("penalty", "Điểm trừ", "DTR"),
}
CAP = re.compile(r"toi da[^0-9()]*(\d+(?:[.,]\d+)?)")  # on the folded text
BY_APPRAISER = re.compile(  # on the folded text
    r"\s*\(\s*(?:do\s+)?(?:co quan|hoi dong|doan)[^()]*\bcham(?: diem)?\s*\)\s*\.?$"
)
PASSED_OVER = re.compile(r"^(?:tong cong|tong diem|tong so diem|diem chuan)\b")
GROUP = re.compile(r"^[A-D][.)]?$")  # "A. ĐIỂM CHUẨN", "B. ĐIỂM THƯỞNG"


def fold(text: str) -> str:
    """Lower case, without diacritics, one space: for matching words, never for storing."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().split())


def clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class Table:
    """The scoring table's rows as text, and where it came from (for messages)."""

    source: str
    rows: list[list[str]]


@dataclass
class Imported:
    criteria: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "Dòng 12: …", for a person to fix


class NoTable(ValueError):
    """No table with the columns of a scoring table: what was looked for, what was found."""


def read_docx(path: Path) -> list[Table]:
    from docx import Document

    document = Document(str(path))
    tables = []
    for n, table in enumerate(document.tables, start=1):
        rows = []
        for row in table.rows:
            seen: list[object] = []  # a merged cell comes back once per column it spans
            cells = []
            for cell in row.cells:
                cells.append("" if cell._tc in seen else clean(cell.text))
                seen.append(cell._tc)
            rows.append(cells)
        tables.append(Table(f"bảng {n}", rows))
    return tables


def read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    tables = []
    for sheet in book.worksheets:
        rows = [
            ["" if v is None else clean(_number_text(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        tables.append(Table(f"trang tính «{sheet.title}»", rows))
    book.close()
    return tables


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _columns(row: list[str]) -> dict[str, int] | None:
    """Our columns in a header row, or None when it is not one."""
    found: dict[str, int] = {}
    for index, text in enumerate(row):
        words = fold(text)
        for column, names in COLUMNS.items():
            if column in found:
                continue
            if words in names or (column != "max" and any(words.startswith(n) for n in names)):
                found[column] = index
                break
            if column == "max" and any(n in words for n in names if " " in n):  # not "điểm" alone
                found[column] = index
                break
    return found if len(found) == 3 else None


def find_table(tables: list[Table]) -> tuple[Table, int, dict[str, int]]:
    """The table with a header naming a number, a content and a maximum column."""
    for table in tables:
        for index, row in enumerate(table.rows[:6]):
            columns = _columns(row)
            if columns is not None:
                return table, index, columns
    seen = "; ".join(
        f"{t.source}: {' | '.join(c for c in t.rows[0] if c)[:80]}" for t in tables if t.rows
    )
    raise NoTable(
        "Không thấy bảng chấm điểm: cần một bảng có cột số thứ tự (STT), cột nội dung (Nội dung "
        "tiêu chí) và cột thang điểm (Thang điểm / Điểm tối đa). "
        + (f"Đã thấy: {seen}." if seen else "Tệp không có bảng nào.")
    )


def _points(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ".").strip()) if text.strip() else None
    except InvalidOperation:
        return None


def parse(tables: list[Table]) -> Imported:
    """Criteria, items and tiers of the scoring table, with the problems of its rows."""
    table, header, col = find_table(tables)
    out = Imported()
    criterion: dict[str, Any] | None = None
    item: dict[str, Any] | None = None
    last: dict[str, Any] | None = None  # the row a number-less row continues
    for line, row in enumerate(table.rows[header + 1 :], start=header + 2):
        cells = [*row, *[""] * (max(col.values()) + 1 - len(row))]
        number, content, top = (cells[col[k]].strip() for k in ("number", "content", "max"))
        where = f"Dòng {line} ({table.source})"
        if not number and not content and not top:
            continue  # a spacer
        folded = fold(content)
        section = _section(number, content, folded, top, where, out)
        if section is not None:
            out.criteria.append(section)
            criterion, item, last = section, None, None
            continue
        if PASSED_OVER.match(folded) and len(folded) < 60 and (not number or GROUP.match(number)):
            last = None  # "Tổng cộng", "A. Điểm chuẩn": not a part of the rubric
            continue
        if not number:
            if last is None or not content:
                out.problems.append(f"{where}: dòng không có số thứ tự và không nối tiếp dòng nào.")
            else:
                last["label"] = f"{last['label']} {content}"
                if "tiered" in last:  # an item's marks may come on the next page
                    last["label"], tiered, by_appraiser = _marks(last["label"])
                    last["tiered"] = last["tiered"] or tiered
                    last["by_appraiser"] = last["by_appraiser"] or by_appraiser
            continue
        points = _points(top)
        if points is not None and criterion is not None and criterion.get("kind"):
            points = abs(points)  # "+2", "-1": a bonus's or penalty's points, without the sign
        if top and points is None:
            out.problems.append(f"{where}: thang điểm «{top}» không phải số.")
        title = CRITERION_TITLE.match(folded)
        if ROMAN.match(number.rstrip(".")) or (title and ARABIC.match(number)):
            label = content[title.end() :] if title else content
            criterion = {
                "id": number.rstrip("."),
                "number": int(title.group(1)) if title else len(out.criteria) + 1,
                "label": label,
                "max_points": points,
                "items": [],
            }
            out.criteria.append(criterion)
            item, last = None, criterion
            continue
        if criterion is None:
            out.problems.append(f"{where}: mục «{number}» đứng trước mọi tiêu chí.")
            continue
        tier = TIER.match(number)
        if tier is not None and item is not None and item["tiered"]:
            choice = {"number": number.rstrip(".)"), "label": content, "points": points}
            item["choices"].append(choice)
            last = choice
            continue
        if tier is not None:
            out.problems.append(
                f"{where}: mức «{number}» dưới một mục không ghi «Chấm 1 trong … tiêu chí sau»."
            )
            continue
        match = ARABIC.match(number)
        if match is None:
            out.problems.append(f"{where}: số thứ tự «{number}» không đọc được.")
            continue
        label, tiered, by_appraiser = _marks(content)
        item = {
            "number": match.group(1),
            "label": label,
            "max_points": points,
            "tiered": tiered,
            "choices": [],
            "by_appraiser": by_appraiser,
        }
        criterion["items"].append(item)
        last = item
    return _finish(out)


def _finish(out: Imported) -> Imported:
    """Ids from the numbers; tier marks that came on a continuation row; empty parts."""
    for c in out.criteria:
        for item in c["items"]:
            item["id"] = f"{c['id']}.{item['number']}"
            item["label"] = clean(item["label"])
            for n, choice in enumerate(item["choices"], start=1):
                choice["id"] = f"{item['id']}.{n}"
                choice["label"] = clean(choice["label"])
            if item["tiered"] and not item["choices"]:
                out.problems.append(f"Mục {item['id']}: ghi «chấm 1 trong …» nhưng không có mức.")
        c["label"] = clean(c["label"])
        if not c["items"]:
            out.problems.append(f"Tiêu chí {c['id']}: không có mục nào.")
    if not out.criteria:
        out.problems.append("Không có tiêu chí nào (dòng số La Mã I, II… hoặc «Tiêu chí số 1:»).")
    return out


def _marks(label: str) -> tuple[str, bool, bool]:
    """An item's text without its marks, in either order: whether it is tiered ("(Chấm 1
    trong 3 tiêu chí sau)"), whether only the appraising body scores it."""
    tiered = by_appraiser = False
    while True:
        label = label.rstrip()
        tier = TIER_MARK.search(label)
        folded = fold(label)
        theirs = BY_APPRAISER.search(folded) if len(folded) == len(label) else None
        if tier is not None:
            label, tiered = label[: tier.start()], True
        elif theirs is not None:
            label, by_appraiser = label[: theirs.start()], True
        else:
            return label, tiered, by_appraiser


def _section(
    number: str, content: str, folded: str, top: str, where: str, out: Imported
) -> dict[str, Any] | None:
    """A bonus or penalty section's row as a criterion (its cap from the maximum column or
    "(tối đa N điểm)"), or None when the row is not one."""
    found = next((v for k, v in SECTIONS.items() if folded.startswith(k)), None)
    if found is None or (number and not (ROMAN.match(number.rstrip(".")) or GROUP.match(number))):
        return None
    kind, label, default_id = found
    cap = _points(top.lstrip("+-−")) if top else None
    in_text = CAP.search(folded)
    if cap is None and in_text is not None:
        cap = _points(in_text.group(1))
    if cap is None:
        out.problems.append(
            f"{where}: {label.lower()} không ghi mức tối đa (ví dụ «tối đa 5 điểm»)."
        )
    taken = {c["id"] for c in out.criteria}
    number = number.rstrip(".)")
    return {
        "id": number if ROMAN.match(number) and number not in taken else default_id,
        "number": len(out.criteria) + 1,
        "label": label,
        "heading": clean(content),
        "max_points": cap,
        "items": [],
        "kind": kind,
    }


def read_table(path: Path) -> Imported:
    """The scoring table of a .docx or .xlsx file."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return parse(read_docx(path))
    if suffix in (".xlsx", ".xlsm"):
        return parse(read_xlsx(path))
    raise NoTable(f"{path.name}: chỉ đọc được tệp Word (.docx) hoặc Excel (.xlsx).")
