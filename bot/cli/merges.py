"""``danvan units merge|history``: the mergers of 2025 recorded, and what a unit inherits
(storage/admin/merges.py)."""

from __future__ import annotations

import click

from bot.app import open_app
from bot.cli.base import parse_date, run, table
from bot.cli.units import units
from bot.settings import get_settings
from rubric.scoring import fmt
from rubric.vietnam import vn_date
from storage.admin import merges
from storage.admin import units as unit_admin
from storage.models import STATUS_LABELS


@units.command("merge")
@click.argument("olds", nargs=-1, required=True, metavar="MÃ_CŨ...")
@click.option("--into", "new", required=True, metavar="MÃ_MỚI", help="Đơn vị sau sáp nhập.")
@click.option(
    "--on", "on", required=True, metavar="NGÀY", help="Ngày có hiệu lực, ví dụ 2025-07-01."
)
def merge(olds: tuple[str, ...], new: str, on: str) -> None:
    """Ghi nhận các đơn vị MÃ_CŨ sáp nhập vào MÃ_MỚI (đơn vị cũ giữ nguyên hồ sơ, chỉ xem)."""
    when = parse_date(on, "--on")
    assert when is not None

    async def go() -> list[str]:
        async with open_app(get_settings()) as app, app.sessions() as s, s.begin():
            return await merges.merge(s, list(olds), new, when)

    added = run(go())
    if not added:
        click.echo(f"Không có gì mới: các đơn vị đã được ghi là sáp nhập vào {new}.")
        return
    click.echo(f"Đã ghi: {', '.join(added)} sáp nhập vào {new} từ {vn_date(when)}.")


@units.command("history")
@click.argument("code", metavar="MÃ")
def history(code: str) -> None:
    """Các đơn vị mà MÃ kế thừa (trước sáp nhập) và các kỳ tự đánh giá của chúng."""

    async def go() -> tuple[list[merges.Step], list[list[str]]]:
        async with open_app(get_settings()) as app, app.sessions() as s:
            unit = await unit_admin.need_unit(s, code)
            steps = await merges.history(s, unit)
            names = {unit.id: unit.code} | {step.unit.id: step.unit.code for step in steps}
            found = await merges.assessments_of(s, list(names), app.engine.rubric_for)
            rows = [
                [
                    str(period.year),
                    names[a.unit_id],
                    STATUS_LABELS[a.status],
                    fmt(total),
                    a.final_rating or a.proposed_rating or "",
                ]
                for a, period, total in found
            ]
            return steps, rows

    steps, rows = run(go())
    if not steps:
        click.echo(f"{code} không kế thừa đơn vị nào.")
    else:
        click.echo(f"{code} kế thừa:")
        for step in steps:
            indent = "  " * step.depth
            click.echo(f"{indent}{step.unit.code}  {step.unit.name} (từ {vn_date(step.on)})")
    if rows:
        click.echo("")
        click.echo(
            "\n".join(table([["NĂM", "ĐƠN VỊ", "TRẠNG THÁI", "TỰ CHẤM", "XẾP LOẠI"], *rows]))
        )
    else:
        click.echo("Chưa có kỳ tự đánh giá nào của các đơn vị này.")
