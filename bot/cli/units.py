"""``danvan units import FILE.csv`` and ``danvan units list [--tree]``."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import click

from bot.app import open_app
from bot.cli.base import Bar, CliError, main, run, table
from bot.settings import get_settings
from reports.letterhead import KT, OWN, TM
from storage.admin import AdminError, merges
from storage.admin import units as unit_admin
from storage.admin.units import OPTIONAL_FIELDS, ImportedUnit
from storage.models import KIND_LABELS, Unit, UnitKind

# --- the import file -------------------------------------------------------------------------

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
FIELD_LABELS = {
    "name": "tên",
    "kind": "loại",
    "authority": "cấp thẩm định",
    "short_name": "tên viết tắt",
    "place": "địa danh",
    "head_title": "chức danh người ký",
    "head_name": "người ký",
    "sign_as": "cách ký",
}
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


def _problems(path: Path, problems: list[tuple[int, str]]) -> str:
    lines = [f"{path}: {len(problems)} lỗi, chưa ghi gì vào cơ sở dữ liệu:"]
    return "\n".join([*lines, *(f"  dòng {n}: {text}" for n, text in sorted(problems))])


async def _import(path: Path) -> unit_admin.ImportResult:
    rows, problems = read_units(path)
    async with open_app(get_settings()) as app, app.sessions() as s, s.begin():
        problems += await unit_admin.check_units(s, rows)
        if problems:
            raise CliError(_problems(path, problems))
        with Bar("Nhập đơn vị") as bar:
            result = await unit_admin.import_units(s, rows, progress=bar)
        refused: list[tuple[int, str]] = []
        for row in rows:
            if row.merged_from and row.merged_on is not None:
                try:
                    added = await merges.merge(s, row.merged_from, row.code, row.merged_on)
                except AdminError as exc:
                    refused += [(row.line, f"merged_from: {p}") for p in exc.problems]
                    continue
                result.merged.extend((old, row.code) for old in added)
        if refused:  # raised inside the transaction: nothing of the file is written
            hint = "Nhập các đơn vị cũ trước (ví dụ samples/units-van-giang-2022.csv)."
            raise CliError(f"{_problems(path, refused)}\n{hint}")
        return result


@main.group()
def units() -> None:
    """Đơn vị: nhập từ tệp CSV, xem danh sách."""


@units.command("import")
@click.argument("file", required=False, type=click.Path(path_type=Path))
def import_(file: Path | None) -> None:
    """Nhập đơn vị từ tệp CSV (cột code,name,kind,authority; chạy lại nhiều lần vẫn an toàn)."""
    if file is None:
        raise CliError("Thiếu tên tệp. Ví dụ: danvan units import units.csv")
    if not file.is_file():
        raise CliError(f"Không tìm thấy tệp {file}.")
    result = run(_import(file))
    total = len(result.added) + len(result.updated) + len(result.unchanged)
    if not result.added and not result.updated and not result.merged:
        click.echo(f"Không thay đổi: {total} đơn vị trong {file} đã có đúng như vậy.")
        return
    click.echo(f"Đã nhập {total} đơn vị từ {file}:")
    click.echo(f"  thêm mới {len(result.added)}: {', '.join(result.added) or '—'}")
    click.echo(f"  cập nhật {len(result.updated)}" + (":" if result.updated else ""))
    for code, changes in result.updated.items():
        shown = "; ".join(
            f"{FIELD_LABELS[f]}: {o or '(trống)'} → {n or '(trống)'}" for f, o, n in changes
        )
        click.echo(f"    {code}: {shown}")
    click.echo(f"  không đổi {len(result.unchanged)}")
    for old, new in result.merged:
        click.echo(f"  sáp nhập: {old} → {new}")


async def _update(code: str, changes: dict[str, str | None]) -> list[tuple[str, str, str]]:
    async with open_app(get_settings()) as app, app.sessions() as s, s.begin():
        unit = await unit_admin.need_unit(s, code)
        done = []
        for name, value in changes.items():
            old = getattr(unit, name)
            if old != value:
                setattr(unit, name, value)
                done.append((name, old or "(trống)", value or "(trống)"))
        return done


@units.command("update")
@click.argument("code")
@click.option("--name", help="Tên đơn vị.")
@click.option("--short-name", help="Tên viết tắt trong số ký hiệu (Số: …/BC-<tên>).")
@click.option("--place", help="Địa danh ở dòng ngày tháng.")
@click.option("--head-name", help="Họ tên người ký báo cáo.")
@click.option("--head-title", help="Chức vụ người ký, ví dụ «CHỦ TỊCH», «PHÓ CHỦ TỊCH».")
@click.option("--sign-as", help="Cách ký: TM., KT. hoặc «trực tiếp» (mặc định: theo chức vụ).")
def update(code: str, **options: str | None) -> None:
    """Sửa một đơn vị (người ký, tên, địa danh…); chỉ các trường được nêu thay đổi."""
    changes: dict[str, str | None] = {}
    for name, raw in options.items():
        if raw is None:
            continue
        value = unicodedata.normalize("NFC", " ".join(raw.split())) or None
        if value is not None and len(value) > LIMITS.get(name, 100):
            raise CliError(f"--{name.replace('_', '-')} dài quá {LIMITS.get(name, 100)} ký tự.")
        if name == "sign_as" and value is not None:
            value = parse_sign_as(value)
            if value is None:
                raise CliError(f"--sign-as «{raw}» không rõ: dùng TM., KT. hoặc «trực tiếp».")
        changes[name] = value
    if not changes:
        raise CliError("Chưa nêu trường nào cần sửa. Xem: danvan units update --help")
    done = run(_update(code, changes))
    if not done:
        click.echo(f"Không thay đổi: {code} đã có đúng như vậy.")
        return
    click.echo(f"Đã sửa {code}:")
    for name, old, new in done:
        click.echo(f"  {FIELD_LABELS.get(name, name)}: {old} → {new}")


def _order(unit: Unit) -> tuple[int, str]:
    return list(KIND_LABELS).index(unit.kind), unit.code


async def _units() -> tuple[list[Unit], dict[int, str]]:
    """Every unit, and for each merged one: "→ NEW (dd/mm/yyyy)"."""
    async with open_app(get_settings()) as app, app.sessions() as s:
        found = await unit_admin.all_units(s)
        codes = {u.id: u.code for u in found}
        merged: dict[int, list[str]] = {}
        for step in await merges.successions(s):
            merged.setdefault(step.predecessor_id, []).append(
                f"{codes[step.successor_id]} ({step.effective_on:%d/%m/%Y})"
            )
        return found, {k: "→ " + ", ".join(v) for k, v in merged.items()}


@units.command("list")
@click.option("--tree", is_flag=True, help="Hiện theo cây: cơ quan thẩm định → đơn vị.")
def list_(tree: bool) -> None:
    """Danh sách đơn vị."""
    found, merged = run(_units())
    if not found:
        click.echo(
            "Chưa có đơn vị nào. Nhập từ tệp: danvan units import samples/units-van-giang-2022.csv"
        )
        return
    codes = {u.id: u.code for u in found}
    if not tree:
        rows = [["MÃ", "TÊN", "LOẠI", "CẤP THẨM ĐỊNH"]]
        rows += [
            [u.code, u.name, KIND_LABELS[u.kind], codes.get(u.parent_id or 0, "")] for u in found
        ]
        click.echo("\n".join(table(rows)))
        return
    below: dict[int | None, list[Unit]] = {}
    for u in sorted(found, key=_order):
        below.setdefault(u.parent_id if u.parent_id in codes else None, []).append(u)

    def show(parent: int | None, depth: int) -> None:
        for u in below.get(parent, []):
            after = f"  {merged[u.id]}" if u.id in merged else ""
            click.echo(f"{'    ' * depth}{u.code}  {u.name} ({KIND_LABELS[u.kind]}){after}")
            show(u.id, depth + 1)

    show(None, 0)
    click.echo(f"Tổng: {len(found)} đơn vị.")
