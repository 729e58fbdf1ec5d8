"""``danvan units import FILE.csv`` and ``danvan units list [--tree]``."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import click

from bot.app import open_app
from bot.cli.base import Bar, CliError, main, run, table
from bot.settings import get_settings
from reports.letterhead import KT, OWN, TM
from storage.admin import units as unit_admin
from storage.admin.units import OPTIONAL_FIELDS, ImportedUnit
from storage.models import Unit, UnitKind

# --- the import file -------------------------------------------------------------------------

KIND_LABELS = {
    UnitKind.PROVINCE: "tỉnh",
    UnitKind.DISTRICT: "huyện",
    UnitKind.OFFICE: "phòng chuyên môn",
    UnitKind.SERVICE: "đơn vị sự nghiệp",
    UnitKind.COMMUNE: "xã, thị trấn",
    UnitKind.OTHER: "khác",
}
_KIND_WORDS = {
    UnitKind.PROVINCE: ["tinh", "ubnd tinh", "thanh pho truc thuoc trung uong", "province"],
    UnitKind.DISTRICT: ["huyen", "ubnd huyen", "quan", "thi xa", "thanh pho", "district"],
    UnitKind.OFFICE: ["phong", "phong chuyen mon", "co quan chuyen mon", "office"],
    UnitKind.SERVICE: ["su nghiep", "don vi su nghiep", "don vi su nghiep cong lap", "service"],
    UnitKind.COMMUNE: ["xa", "thi tran", "phuong", "xa thi tran", "ubnd xa", "commune"],
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
    return ImportedUnit(line, code, name or "", kind, value("authority"), optional)


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
    unknown = [h for h in header if h not in (*REQUIRED, *OPTIONAL_FIELDS, *IGNORED)]
    if missing or unknown:
        problems = [f"thiếu cột: {', '.join(missing)}"] if missing else []
        if unknown:
            problems.append(f"cột lạ: {', '.join(unknown)}")
        allowed = ", ".join((*REQUIRED, *OPTIONAL_FIELDS, *IGNORED))
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
            return await unit_admin.import_units(s, rows, progress=bar)


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
    if not result.added and not result.updated:
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
    return list(UnitKind).index(unit.kind), unit.code


async def _units() -> list[Unit]:
    async with open_app(get_settings()) as app, app.sessions() as s:
        return await unit_admin.all_units(s)


@units.command("list")
@click.option("--tree", is_flag=True, help="Hiện theo cây: cơ quan thẩm định → đơn vị.")
def list_(tree: bool) -> None:
    """Danh sách đơn vị."""
    found = run(_units())
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
            click.echo(f"{'    ' * depth}{u.code}  {u.name} ({KIND_LABELS[u.kind]})")
            show(u.id, depth + 1)

    show(None, 0)
    click.echo(f"Tổng: {len(found)} đơn vị.")
