"""``danvan person list|remove|restore``: who may use the bot, and taking that back."""

from __future__ import annotations

import click

from bot.app import open_app
from bot.cli.base import CliError, local, main, run, table
from bot.cli.invite import ROLE_LABELS
from bot.settings import get_settings
from storage.admin import persons as person_admin
from storage.admin import units as unit_admin


async def _list(unit_code: str | None) -> list[list[str]]:
    async with open_app(get_settings()) as app, app.sessions() as s:
        unit = await unit_admin.need_unit(s, unit_code) if unit_code else None
        found = await person_admin.persons(s, unit)
    rows = [["SỐ", "HỌ TÊN", "VAI TRÒ", "KÊNH", "TRẠNG THÁI"]]
    for person, grants, identities in found:
        roles = "; ".join(f"{ROLE_LABELS[m.role]} {u.code}" for m, u in grants) or "—"
        channels = ", ".join(sorted({i.channel for i in identities})) or "—"
        state = f"đã gỡ ({local(person.removed_at)})" if person.removed_at else "đang dùng"
        rows.append([str(person.id), person.full_name, roles, channels, state])
    return rows


@main.group()
def person() -> None:
    """Người dùng: xem danh sách, gỡ quyền truy cập."""


@person.command("list")
@click.option("--unit", "unit_code", metavar="MÃ", help="Chỉ người của đơn vị này (mọi vai trò).")
def list_(unit_code: str | None) -> None:
    """Người dùng với vai trò, đơn vị, kênh (Telegram, Zalo…) và trạng thái."""
    rows = run(_list(unit_code))
    if len(rows) == 1:
        click.echo("Chưa có người dùng nào. Mời bằng: danvan invite create --unit MÃ")
        return
    click.echo("\n".join(table(rows)))


def _person_id(value: str | None) -> int:
    if not value:
        raise CliError("Thiếu số người dùng (cột SỐ của danvan person list).")
    if not value.strip().isdigit():
        raise CliError(
            f"Số người dùng phải là một số (cột SỐ của danvan person list), không phải «{value}»."
        )
    return int(value)


async def _remove(person_id: int, restore: bool) -> str:
    async with open_app(get_settings()) as app, app.sessions() as s, s.begin():
        before = (await person_admin.need_person(s, person_id)).removed_at
        found = await person_admin.remove_person(s, person_id, restore=restore)
    who = f"{found.full_name} (số {found.id})"
    if restore:
        if before is None:
            return f"{who} vẫn đang dùng; không cần khôi phục."
        return f"Đã khôi phục {who}: người này lại dùng được bot với các vai trò cũ."
    if before is not None:
        return f"{who} đã bị gỡ từ {local(before)}; không cần làm gì thêm."
    return (
        f"Đã gỡ quyền truy cập của {who}: bot sẽ từ chối người này. "
        "Lịch sử và các câu trả lời vẫn được giữ."
    )


@person.command("remove")
@click.argument("person_id", metavar="SỐ", required=False)
def remove(person_id: str | None) -> None:
    """Gỡ quyền truy cập của một người (vẫn giữ lịch sử)."""
    click.echo(run(_remove(_person_id(person_id), restore=False)))


@person.command("restore")
@click.argument("person_id", metavar="SỐ", required=False)
def restore(person_id: str | None) -> None:
    """Khôi phục người đã bị gỡ nhầm."""
    click.echo(run(_remove(_person_id(person_id), restore=True)))
