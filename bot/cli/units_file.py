"""The units import file (CSV): its columns, the words it may use for a kind of unit or a way
of signing, and every problem of each row, with its line number (``danvan units import``)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

from bot.cli.base import CliError
from reports.letterhead import KT, OWN, TM
from storage.admin.units import OPTIONAL_FIELDS, ImportedUnit
from storage.models import UnitKind

_KIND_WORDS = {
    UnitKind.PROVINCE: ["tinh", "ubnd tinh", "thanh pho truc thuoc trung uong", "province"],
    UnitKind.DISTRICT: ["huyen", "ubnd huyen", "quan", "thi xa", "thanh pho", "district"],
    UnitKind.OFFICE: ["phong", "phong chuyen mon", "co quan chuyen mon", "office"],
    UnitKind.SERVICE: ["su nghiep", "don vi su nghiep", "don vi su nghiep cong lap", "service"],
    UnitKind.COMMUNE: ["xa", "xa thi tran", "ubnd xa", "commune"],
    UnitKind.WARD: ["phuong", "ubnd phuong", "ward"],
    UnitKind.TOWNSHIP: ["thi tran", "ubnd thi tran", "township"],
    UnitKind.SPECIAL_ZONE: ["dac khu", "ubnd dac khu", "special zone"],
    UnitKind.DEPARTMENT: ["so", "so ban nganh", "ban", "nganh", "so nganh", "department"],
    UnitKind.OTHER: ["khac", "other"],
}
KINDS = {word: kind for kind, words in _KIND_WORDS.items() for word in words}
# How the signer signs (reports.letterhead): the words an import file or the command may use
_SIGN_WORDS = {
    TM: ["tm", "tm.", "thay mat", "thay mặt"],
    KT: ["kt", "kt.", "ky thay", "ký thay"],
    OWN: ["own", "truc tiep", "trực tiếp", "-"],
}
SIGN_AS_WORDS = {fold_word: way for way, words in _SIGN_WORDS.items() for fold_word in words}
REQUIRED = ("code", "name", "kind", "authority")
IGNORED = ("note", "ghi_chu", "comment")
MERGER_FIELDS = ("merged_from", "merged_on")  # the units this one succeeds, and from when
LIMITS = {"code": 40, "name": 200, "short_name": 40, "place": 100, "head_title": 100}
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def fold(text: str) -> str:
    """Lower case without diacritics, punctuation as spaces: "Xã, Thị trấn" → "xa thi tran"."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-_,;/.]", " ", text).split())


def parse_kind(text: str) -> UnitKind | None:
    return KINDS.get(fold(text))


def parse_sign_as(text: str) -> str | None:
    """ "TM." -> "tm", "ký thay" -> "kt", "trực tiếp" -> "own"; None when not understood."""
    return SIGN_AS_WORDS.get(text.strip().lower()) or SIGN_AS_WORDS.get(fold(text))


def _row(line: int, cells: dict[str, str], problems: list[tuple[int, str]]) -> ImportedUnit:
    def value(name: str) -> str | None:
        text = unicodedata.normalize("NFC", " ".join((cells.get(name) or "").split()))
        if len(text) > LIMITS.get(name, 100):
            problems.append((line, f"{name} dài quá {LIMITS.get(name, 100)} ký tự"))
        return text or None

    code, name, kind_text = value("code") or "", value("name"), value("kind") or ""
    if not CODE.fullmatch(code):
        shown = f"«{code}» " if code else ""
        problems.append((line, f"mã đơn vị {shown}không hợp lệ (chữ không dấu, số, - _ .)"))
    if not name:
        problems.append((line, "thiếu tên đơn vị"))
    kind = parse_kind(kind_text)
    if kind is None:
        known = ", ".join(k.value for k in UnitKind)
        problems.append((line, f"loại «{kind_text}» không rõ (dùng: {known}, hoặc «xã», …)"))
    optional = {f: value(f) for f in OPTIONAL_FIELDS if f in cells}
    sign_as = optional.get("sign_as")
    if sign_as is not None:
        optional["sign_as"] = parse_sign_as(sign_as)
        if optional["sign_as"] is None:
            problems.append((line, f"cách ký «{sign_as}» không rõ (TM., KT., trực tiếp, để trống)"))
    found = ImportedUnit(line, code, name or "", kind, value("authority"), optional)
    found.merged_from = (value("merged_from") or "").replace(";", " ").replace(",", " ").split()
    merged_on = value("merged_on")
    if found.merged_from and merged_on is None:
        problems.append((line, "có merged_from nhưng thiếu merged_on (ngày sáp nhập)"))
    if merged_on is not None:
        found.merged_on = parse_day(merged_on)
        if found.merged_on is None:
            problems.append((line, f"merged_on «{merged_on}» không phải ngày (2025-07-01)"))
    return found


def parse_day(text: str) -> date | None:
    """2025-07-01 or 01/07/2025."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def read_units(path: Path) -> tuple[list[ImportedUnit], list[tuple[int, str]]]:
    """The rows of an import file and the problems of each (line number, text)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise CliError(
            f"{path}: dòng {line} không phải UTF-8. Trong Excel, hãy lưu bằng «CSV UTF-8»."
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    known = (*REQUIRED, *OPTIONAL_FIELDS, *MERGER_FIELDS, *IGNORED)
    unknown = [h for h in header if h not in known]
    if missing or unknown:
        problems = [f"thiếu cột: {', '.join(missing)}"] if missing else []
        if unknown:
            problems.append(f"cột lạ: {', '.join(unknown)}")
        allowed = ", ".join(known)
        raise CliError(f"{path}: dòng 1: {'; '.join(problems)}. Các cột dùng được: {allowed}.")
    rows: list[ImportedUnit] = []
    problems: list[tuple[int, str]] = []
    for cells in reader:
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if len(cells) > len(header):
            problems.append((reader.line_num, f"có {len(cells)} ô, tiêu đề chỉ có {len(header)}"))
        rows.append(_row(reader.line_num, dict(zip(header, cells, strict=False)), problems))
    if not rows and not problems:
        raise CliError(f"{path}: không có đơn vị nào.")
    return rows, problems


def problems_text(path: Path, problems: list[tuple[int, str]]) -> str:
    lines = [f"{path}: {len(problems)} lỗi, chưa ghi gì vào cơ sở dữ liệu:"]
    return "\n".join([*lines, *(f"  dòng {n}: {text}" for n, text in sorted(problems))])
