"""``danvan units import FILE.csv`` and ``danvan units list [--tree]``."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from bot.app import open_app
from bot.cli.base import Bar, CliError, main, run, table
from bot.cli.units_file import LIMITS, parse_sign_as, problems_text, read_units
from bot.settings import get_settings
from storage.admin import AdminError, merges
from storage.admin import units as unit_admin
from storage.models import KIND_LABELS, Unit

# --- the import file -------------------------------------------------------------------------

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


async def _import(path: Path) -> unit_admin.ImportResult:
    rows, problems = read_units(path)
    async with open_app(get_settings()) as app, app.sessions() as s, s.begin():
        problems += await unit_admin.check_units(s, rows)
        if problems:
            raise CliError(problems_text(path, problems))
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
            raise CliError(f"{problems_text(path, refused)}\n{hint}")
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
