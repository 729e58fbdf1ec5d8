"""The evidence bundle ("hồ sơ"): one ZIP with a unit's reports and every evidence file, or the
same for each unit of a district, one folder per unit.

Layout of a unit's part (at the top of the ZIP for a single unit, in a folder named after the
unit for several)::

    Báo cáo tự đánh giá ... .docx          the report files, under their own names
    Danh mục hồ sơ.xlsx                     the index: one row per evidence file
    Tiêu chí 4 - Quán triệt, triển khai…/   one folder per criterion that has evidence
        IV.1 - Kế hoạch dân vận 2022.pdf
        IV.1 - Kế hoạch dân vận 2022 (2).pdf
    Khác/                                   evidence of items the rubric does not know

``plan`` decides the names, ``write_bundle`` writes the ZIP as a stream (each file copied in
chunks: memory stays flat whatever the sizes). Both are plain functions of plain data:
``write_bundle`` runs in a worker process (``ReportWorkers.write``). Nothing here imports
storage or the bot.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath

from reports.data import EvidenceRow, ReportData
from rubric.model import Rubric
from rubric.vietnam import ZONE

# The largest bundle (sum of the files it holds, ``total_size``) a signed link may serve: a
# caller refuses beyond it before writing anything.
MAX_BUNDLE_BYTES = 2 * 1024**3

INDEX_NAME = "Danh mục hồ sơ.xlsx"  # a workbook: a CSV opens in one column in a vi-VN Excel
OTHER_FOLDER = "Khác"  # evidence of an item the rubric does not know
MISSING_NOTE = "Tệp không còn trên máy chủ"
INDEX_HEADERS = (
    "STT",
    "Tiêu chí",
    "Mục",
    "Tên tệp trong hồ sơ",
    "Tên gốc",
    "Loại",
    "Dung lượng",
    "Thời gian nhận",
    "SHA-256",
    "Ghi chú",
)
KINDS = {"photo": "Ảnh", "document": "Tài liệu"}

# Name lengths: every component is at most 255 bytes (UTF-8), the limit of ext4 and NTFS; the
# characters are bounded further so that a whole path (unit / criterion / file) stays near
# 220 characters, which Windows' own "Extract all" still handles below an ordinary folder.
MAX_NAME_BYTES = 255
MAX_FOLDER_CHARS = 60
MAX_FILE_CHARS = 100
MAX_EXTENSION_BYTES = 16  # a longer "suffix" is part of the name, not an extension
FALLBACK_NAME = "tệp"

CHUNK = 256 * 1024  # bytes copied at a time
LARGE_FILE = 1024**3  # from here an entry is written with ZIP64 headers (limit: 2 GiB - 1)

# Already compressed: deflating them again costs CPU and saves nothing. (An evidence file's
# extension matches its content: the bot names it so on reception.)
STORED_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".pdf", ".docx", ".xlsx", ".zip"})


@dataclass(frozen=True)
class BundleEntry:
    """One file of the ZIP, copied from ``source``."""

    name: str  # path inside the ZIP, "/"-separated
    source: Path | None  # the stored file; None: never stored (listed as missing)
    sha256: str | None  # as recorded for evidence; None for a report
    size: int  # bytes, as recorded (evidence) or found on disk (reports, 0 if missing)
    modified: datetime | None = None  # the entry's date (aware); None: when written


@dataclass(frozen=True)
class UnitPart:
    """One unit's share of a bundle."""

    folder: str  # the unit's folder, e.g. "UBND xã Cửu Cao"; "" for a single-unit bundle
    reports: Sequence[Path]  # the report files (.docx, .pdf), put beside the index
    data: ReportData
    # a report's name in the ZIP by its file's name ("bao-cao-....docx" -> "Báo cáo ….docx");
    # a report not named here goes in under its own
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Evidence:
    entry: BundleEntry
    row: EvidenceRow
    criterion: str  # "IV", or OTHER_FOLDER
    item: str  # "IV.1"
    in_part: str  # path inside the unit's part


@dataclass(frozen=True)
class _PartPlan:
    index_name: str  # path of the index inside the ZIP
    reports: list[BundleEntry]
    evidence: list[_Evidence]


# -- names ---------------------------------------------------------------------------------------

_FORBIDDEN = frozenset('/\\:*?"<>|')  # Windows' reserved characters, and the separators
_BREAKS = frozenset({"Cc", "Zl", "Zp", "Zs"})  # controls, line breaks, odd blanks: a space
_DROPPED = frozenset({"Cf", "Cs", "Cn"})  # bidi overrides, zero-width, surrogates, unassigned
_EXTENSION = re.compile(r"^\.[^\s.]+$")
_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in "0123456789¹²³"}
)  # Windows device names: "NUL.pdf" cannot be created either
_CUT_AFTER = " .,;:-–—"  # stripped where a name is cut


def safe_name(text: str, max_chars: int = MAX_FILE_CHARS, *, extension: bool = True) -> str:
    """``text`` as one path component that unzips on Windows and Linux: NFC; ``/ \\ : * ? " < >
    |`` become "-", control characters and line breaks a space, format characters (bidi
    overrides, zero-width) dropped; blanks collapsed; no leading or trailing dot or space; not a
    Windows device name; at most ``max_chars`` characters and MAX_NAME_BYTES bytes in UTF-8,
    cut with "…" (on a word boundary when one is near) and keeping the extension when
    ``extension``."""
    stem, ext = _split(_clean(text)) if extension else (_clean(text), "")
    return _fit(stem, ext, max_chars)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join(_safe_char(c) for c in text)
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return text.strip(" .")


def _safe_char(char: str) -> str:
    if char in _FORBIDDEN:
        return "-"
    category = unicodedata.category(char)
    return " " if category in _BREAKS else "" if category in _DROPPED else char


def _split(name: str) -> tuple[str, str]:
    """(stem, extension); "Số 12. Biên bản" has none."""
    suffix = PurePath(name).suffix
    if _EXTENSION.match(suffix) and len(suffix.encode()) <= MAX_EXTENSION_BYTES:
        return name[: -len(suffix)].rstrip(" ."), suffix
    return name, ""


def _fit(stem: str, tail: str, max_chars: int) -> str:
    """``stem + tail`` within ``max_chars`` and MAX_NAME_BYTES, the stem cut if needed."""
    stem = stem.strip(" .") or FALLBACK_NAME
    first, dot, rest = stem.partition(".")
    if first.rstrip(" ").upper() in _DEVICES:  # "CON.tar.gz" -> "CON-.tar.gz"
        stem = f"{first.rstrip(' ')}-{dot}{rest}"
    if len(stem) + len(tail) <= max_chars and len((stem + tail).encode()) <= MAX_NAME_BYTES:
        return stem + tail
    chars = max_chars - len(tail) - 1  # "…"
    room = MAX_NAME_BYTES - len(tail.encode()) - len("…".encode())
    cut = len(stem[:chars].encode()[:room].decode("utf-8", "ignore"))
    while 0 < cut < len(stem) and unicodedata.combining(stem[cut]):  # a mark stays with its letter
        cut -= 1
    short = stem[:cut]
    blank = short.rfind(" ")
    if blank >= len(short) * 2 // 3:  # a word boundary near the end
        short = short[:blank]
    short = short.rstrip(_CUT_AFTER)
    return (short or FALLBACK_NAME) + "…" + tail


class _Folder:
    """The names taken in one folder of the ZIP; Windows does not tell "A" from "a"."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def add(self, stem: str, ext: str, max_chars: int) -> str:
        n = 1
        while True:
            name = _fit(stem, f" ({n}){ext}" if n > 1 else ext, max_chars)
            key = name.casefold()
            if key not in self._taken:
                self._taken.add(key)
                return name
            n += 1


# -- the plan ------------------------------------------------------------------------------------


def plan(rubric: Rubric, parts: Sequence[UnitPart]) -> list[BundleEntry]:
    """Every file the ZIP holds, copied from disk, in the order written (each unit's index,
    ``<unit folder>/Danh mục hồ sơ.xlsx``, is written from the data besides these). The same
    stored file attached to two items is listed under both."""
    return [e for p in _plan(rubric, parts) for e in (*p.reports, *(ev.entry for ev in p.evidence))]


def total_size(parts: Sequence[UnitPart]) -> int:
    """The bytes of all files a bundle of ``parts`` would hold (evidence as recorded, reports as
    found on disk): compare with MAX_BUNDLE_BYTES before writing."""
    return sum(
        sum(_size_on_disk(p) for p in part.reports)
        + sum(row.size for rows in part.data.evidence.values() for row in rows)
        for part in parts
    )


def _size_on_disk(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _plan(rubric: Rubric, parts: Sequence[UnitPart]) -> list[_PartPlan]:
    top = _Folder()
    plans = []
    for part in parts:
        folder = part.folder
        if not folder and len(parts) > 1:
            folder = part.data.unit_name  # several units cannot share the top folder
        prefix = top.add(_clean(folder), "", MAX_FOLDER_CHARS) + "/" if folder else ""
        plans.append(_plan_part(rubric, part, prefix))
    return plans


def _plan_part(rubric: Rubric, part: UnitPart, prefix: str) -> _PartPlan:
    here = _Folder()
    index_name = here.add(*_split(INDEX_NAME), MAX_FILE_CHARS)
    shown = [_clean(part.names.get(path.name, path.name)) for path in part.reports]
    reports = [
        BundleEntry(
            prefix + here.add(*_split(name), MAX_FILE_CHARS),
            path,
            None,
            _size_on_disk(path),
        )
        for path, name in zip(part.reports, shown, strict=True)
    ]
    evidence = []
    for criterion, folder_label, groups in _groups(rubric, part.data.evidence):
        folder = here.add(_clean(folder_label), "", MAX_FOLDER_CHARS)
        inside = _Folder()
        for item_id, rows in groups:
            for row in rows:
                stem, ext = _split(_clean(row.original_name))
                name = inside.add(f"{_clean(item_id)} - {stem}", ext, MAX_FILE_CHARS)
                in_part = f"{folder}/{name}"
                entry = BundleEntry(
                    prefix + in_part, row.path, row.sha256, row.size, row.uploaded_at
                )
                evidence.append(_Evidence(entry, row, criterion, item_id, in_part))
    return _PartPlan(prefix + index_name, reports, evidence)


def _groups(
    rubric: Rubric, evidence: dict[str, list[EvidenceRow]]
) -> Iterable[tuple[str, str, list[tuple[str, list[EvidenceRow]]]]]:
    """(criterion id, folder label, [(item id, rows)]) in the rubric's order, then "Khác"."""
    for c in rubric.criteria:
        groups = [(i.id, evidence[i.id]) for i in c.items if evidence.get(i.id)]
        if groups:
            yield c.id, f"Tiêu chí {c.number} - {' '.join(c.label.split())}", groups
    known = {i.id for i in rubric.items()}
    other = [(k, rows) for k, rows in sorted(evidence.items()) if k not in known and rows]
    if other:
        yield OTHER_FOLDER, OTHER_FOLDER, other


# -- writing -------------------------------------------------------------------------------------


def write_bundle(rubric: Rubric, parts: Sequence[UnitPart], out_path: Path) -> Path:
    """Write the bundle of ``parts`` to ``out_path`` as a stream: each file is copied in chunks
    (JPEG, PNG, PDF, DOCX, XLSX stored as they are, DOC, XLS and the index deflated), so memory
    does not grow with the files' sizes. An entry's date is the evidence's reception time in
    Việt Nam time (also recorded in UTC, for unzip on Linux), a report's the time of writing.

    A source file missing on disk (or unreadable, or never stored) is not fatal: it is left
    out of the ZIP and its row in the index says "Tệp không còn trên máy chủ" (with no path in
    the bundle). Report files that are missing are left out silently.

    Top-level and of plain arguments: it runs in a worker process (``ReportWorkers.write``,
    which passes ``out_path`` last). Returns ``out_path``."""
    now = datetime.now(UTC)
    with zipfile.ZipFile(out_path, "w", allowZip64=True) as zf:
        for part in _plan(rubric, parts):
            for entry in part.reports:
                _copy(zf, entry, now)
            copied = [_copy(zf, ev.entry, ev.entry.modified or now) for ev in part.evidence]
            _write_index(zf, part.index_name, _index_rows(part.evidence, copied), now)
    return out_path


def _copy(zf: zipfile.ZipFile, entry: BundleEntry, when: datetime) -> bool:
    """Copy ``entry.source`` into the ZIP; False when it cannot be opened."""
    if entry.source is None:
        return False
    try:
        src = open(entry.source, "rb")  # noqa: SIM115  (closed below; opened first: no half entry)
    except OSError:
        return False
    with src:
        size = os.fstat(src.fileno()).st_size
        info = _info(entry.name, when, _compression(entry))
        info.file_size = size
        with zf.open(info, "w", force_zip64=size >= LARGE_FILE) as dst:
            shutil.copyfileobj(src, dst, CHUNK)
    return True


def _compression(entry: BundleEntry) -> int:
    ext = PurePath(entry.name).suffix.lower()
    return zipfile.ZIP_STORED if ext in STORED_EXTENSIONS else zipfile.ZIP_DEFLATED


def _info(name: str, when: datetime, compress_type: int) -> zipfile.ZipInfo:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(ZONE)
    stamp = (local.year, local.month, local.day, local.hour, local.minute, local.second)
    info = zipfile.ZipInfo(name, date_time=max((1980, 1, 1, 0, 0, 0), min(stamp, _DOS_END)))
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16  # rw-r--r-- when unpacked on Linux
    seconds = int(when.timestamp())
    if 0 <= seconds < 2**31:  # "UT" extended timestamp: the modification time in UTC
        info.extra = struct.pack("<HHBl", 0x5455, 5, 1, seconds)
    return info


_DOS_END = (2107, 12, 31, 23, 59, 58)


def _index_rows(evidence: list[_Evidence], copied: list[bool]) -> list[list[object]]:
    rows: list[list[object]] = []
    for n, (ev, done) in enumerate(zip(evidence, copied, strict=True), 1):
        row, lost = ev.row, not done
        note = row.caption or ""
        if lost:
            note = f"{MISSING_NOTE}. {note}" if note else MISSING_NOTE
        rows.append(
            [
                n,
                ev.criterion,
                ev.item,
                "" if lost else ev.in_part,
                row.original_name,
                KINDS.get(row.kind, row.kind),
                row.size,
                _received(row.uploaded_at),
                row.sha256,
                note,
            ]
        )
    return rows


def _received(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(ZONE).strftime("%d/%m/%Y %H:%M")


def _write_index(zf: zipfile.ZipFile, name: str, rows: list[list[object]], when: datetime) -> None:
    """The index as a workbook: a header row kept in view and filterable, sizes as numbers,
    every text stored as text (a name starting with "=" is never a formula)."""
    from openpyxl import Workbook  # here: only the workers that write bundles load it
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh mục"
    ws.append(INDEX_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in rows:
        ws.append([None] * len(values))
        for col, value in enumerate(values, 1):
            cell = ws.cell(ws.max_row, col)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    for col, width in zip("ABCDEFGHIJ", (6, 9, 8, 50, 40, 10, 12, 17, 66, 40), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    wb.save(out)
    zf.writestr(_info(name, when, zipfile.ZIP_STORED), out.getvalue())
