"""``danvan invite create|list|revoke``: one-time links that connect a person to a unit."""

from __future__ import annotations

from datetime import timedelta

import click

from bot.app import open_app
from bot.cli.base import CliError, local, main, parse_int, run, table
from bot.settings import Settings, get_settings
from storage import people
from storage.admin import invites as invite_admin
from storage.admin import units as unit_admin
from storage.models import Invite, Person, Role

ROLE_LABELS = {
    Role.OFFICER: "cán bộ tự đánh giá",
    Role.APPRAISER: "thẩm định viên",
    Role.ADMIN: "quản trị",
}


def deep_link(settings: Settings, token: str) -> str:
    name = settings.telegram_bot_username or "<tên_bot>"
    return f"https://t.me/{name}?start={token}"


def invite_line(settings: Settings, unit_name: str, token: str) -> str:
    """How the invite reaches the person: a Telegram deep link, and/or the code for Zalo."""
    telegram = settings.telegram_bot_token or settings.telegram_bot_username
    if settings.zalo_bot_token and not telegram:
        return f"{unit_name}: mã {token}  (gửi mã này vào bot Zalo)"
    line = f"{unit_name}: {deep_link(settings, token)}  (mã: {token})"
    return f"{line}; trên Zalo: gửi mã vào bot" if settings.zalo_bot_token else line


def status(invite: Invite, person: Person | None) -> str:
    if invite.redeemed_at is not None:
        who = person.full_name if person else "?"
        return f"đã dùng bởi {who} ({local(invite.redeemed_at)})"
    if invite.revoked_at is not None:
        return f"đã thu hồi ({local(invite.revoked_at)})"
    if people.as_utc(invite.expires_at) <= people.now():
        return "hết hạn"
    return "còn hiệu lực"


async def _create(unit_code: str, role: Role, count: int, days: int) -> list[str]:
    settings = get_settings()
    async with open_app(settings) as app, app.sessions() as s, s.begin():
        unit = await unit_admin.need_unit(s, unit_code)
        if role == Role.APPRAISER and not await unit_admin.children(s, unit.id):
            raise CliError(
                f"{unit.name} ({unit.code}) không thẩm định đơn vị nào. Mã mời thẩm định viên "
                "dùng mã của cơ quan thẩm định, ví dụ --unit VG."
            )
        tokens = [
            (await people.create_invite(s, role, unit.id, timedelta(days=days))).token
            for _ in range(count)
        ]
        return [invite_line(settings, unit.name, t) for t in tokens]


@main.group()
def invite() -> None:
    """Mã mời (dùng một lần) để liên kết người dùng với đơn vị."""


@invite.command("create")
@click.option("--unit", "unit_code", metavar="MÃ", help="Mã đơn vị, ví dụ VG-CUUCAO.")
@click.option(
    "--role",
    metavar="officer|appraiser|admin",
    default=Role.OFFICER.value,
    show_default=True,
    help="officer: cán bộ của đơn vị; appraiser: thẩm định viên của cơ quan thẩm định "
    "(--unit VG); admin: quản trị.",
)
@click.option("--count", metavar="N", default="1", show_default=True, help="Số mã mời (1…100).")
@click.option(
    "--days", metavar="N", default="30", show_default=True, help="Số ngày còn hiệu lực (1…365)."
)
def create(unit_code: str | None, role: str, count: str, days: str) -> None:
    """In đường dẫn mời (t.me/<bot>?start=<mã>) cho một đơn vị."""
    if not unit_code:
        raise CliError("Thiếu --unit. Ví dụ: danvan invite create --unit VG-CUUCAO")
    if role not in {r.value for r in Role}:
        raise CliError(f"--role phải là officer, appraiser hoặc admin (đang là «{role}»).")
    amount, valid = parse_int(count, "--count", 1, 100), parse_int(days, "--days", 1, 365)
    for line in run(_create(unit_code, Role(role), amount, valid)):
        click.echo(line)


async def _list(unit_code: str | None, include_all: bool) -> list[list[str]]:
    async with open_app(get_settings()) as app, app.sessions() as s:
        unit = await unit_admin.need_unit(s, unit_code) if unit_code else None
        found = await invite_admin.invites(s, unit, include_all)
    rows = [["MÃ", "VAI TRÒ", "ĐƠN VỊ", "TẠO LÚC", "HẾT HẠN", "TRẠNG THÁI"]]
    for inv, inv_unit, person in found:
        rows.append(
            [
                f"{inv.token[:8]}…",
                ROLE_LABELS[inv.role],
                inv_unit.code,
                local(inv.created_at),
                local(inv.expires_at),
                status(inv, person),
            ]
        )
    return rows


@invite.command("list")
@click.option("--unit", "unit_code", metavar="MÃ", help="Chỉ mã mời của đơn vị này.")
@click.option("--all", "include_all", is_flag=True, help="Cả mã đã dùng, đã thu hồi, hết hạn.")
def list_(unit_code: str | None, include_all: bool) -> None:
    """Các mã mời còn hiệu lực (--all: mọi mã mời)."""
    rows = run(_list(unit_code, include_all))
    if len(rows) == 1:
        what = "mã mời nào" if include_all else "mã mời nào còn hiệu lực"
        click.echo(f"Không có {what}." + ("" if include_all else " Xem tất cả: --all"))
        return
    click.echo("\n".join(table(rows)))


async def _revoke(token: str) -> str:
    async with open_app(get_settings()) as app, app.sessions() as s, s.begin():
        inv, now = await invite_admin.revoke_invite(s, token)
        unit = await people.unit(s, inv.unit_id)
    what = f"mã mời {inv.token[:8]}… ({ROLE_LABELS[inv.role]}, {unit.code})"
    if not now:
        return f"Đã thu hồi {what} từ trước ({local(inv.revoked_at)}); không cần làm gì thêm."
    return f"Đã thu hồi {what}; đường dẫn này không dùng được nữa."


@invite.command("revoke")
@click.argument("token", required=False, metavar="MÃ")
def revoke(token: str | None) -> None:
    """Thu hồi một mã mời chưa dùng (gõ cả mã, hoặc ít nhất 6 ký tự đầu)."""
    if not token:
        raise CliError(
            "Thiếu mã mời. Ví dụ: danvan invite revoke kzf9bunD (xem: danvan invite list)"
        )
    click.echo(run(_revoke(token)))
