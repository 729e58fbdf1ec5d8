"""``danvan invite create|list|revoke`` on every backend; links redeemed through the engine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from conversations.events import Reply, Sender, Start
from storage import people
from storage.models import Invite
from tests.test_bot_cli_units import SAMPLE, CliEnv, cli_env

LINK = re.compile(r"^(.+): https://t\.me/danvan_test_bot\?start=([\w-]{22})  \(mã: \2\)$")
AN = Sender(channel="telegram", user_id="1001", chat_id="1001", display_name="Nguyễn Văn An")


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    for env in cli_env(db_url, tmp_path, monkeypatch):
        env.ok("units", "import", SAMPLE)
        yield env


def tokens(out: str) -> list[str]:
    found = [LINK.match(line) for line in out.splitlines()]
    assert all(found), out
    return [m.group(2) for m in found if m]


def usable(cli: CliEnv, token: str) -> bool:
    async def check(s: AsyncSession) -> bool:
        return await people.usable_invite(s, token) is not None

    return cli.db(check)


def redeem(cli: CliEnv, token: str, sender: Sender = AN) -> list[Reply]:
    async def go(app: App) -> list[Reply]:
        return await app.engine.handle(sender, Start(token))

    return cli.app(go)


def test_create_prints_one_time_links(cli: CliEnv) -> None:
    out = cli.ok("invite", "create", "--unit", "VG-CUUCAO", "--count", "3")
    found = [LINK.match(line) for line in out.splitlines()]
    assert len(found) == 3 and all(m and m.group(1) == "UBND xã Cửu Cao" for m in found)
    codes = tokens(out)
    assert len(set(codes)) == 3 and all(usable(cli, t) for t in codes)
    out = cli.ok("invite", "create", "--role", "appraiser", "--unit", "VG", "--days", "7")
    assert out.startswith("UBND huyện Văn Giang: ") and len(tokens(out)) == 1
    assert cli.ok("invite", "create", "--role", "admin", "--unit", "VG").startswith("UBND huyện")


def test_create_refuses_bad_units(cli: CliEnv) -> None:
    out = cli.fails("invite", "create", "--unit", "KHONG-CO")
    assert "Không có đơn vị mã KHONG-CO" in out
    out = cli.fails("invite", "create", "--role", "appraiser", "--unit", "VG-CUUCAO")
    assert "không thẩm định đơn vị nào" in out and "--unit VG" in out
    assert "Thiếu --unit" in cli.fails("invite", "create")
    assert "--role phải là officer" in cli.fails("invite", "create", "--unit", "VG", "--role", "x")
    out = cli.fails("invite", "create", "--unit", "VG-PNV", "--count", "0")
    assert "--count phải là một số từ 1 đến 100" in out
    assert "Thiếu mã mời" in cli.fails("invite", "revoke")


def test_list_revoke_and_a_revoked_invite_is_useless(cli: CliEnv) -> None:
    assert "Không có mã mời nào còn hiệu lực" in cli.ok("invite", "list")
    first, second = tokens(cli.ok("invite", "create", "--unit", "VG-CUUCAO", "--count", "2"))
    (third,) = tokens(cli.ok("invite", "create", "--role", "appraiser", "--unit", "VG"))
    listed = cli.ok("invite", "list").splitlines()
    assert listed[0].split()[:3] == ["MÃ", "VAI", "TRÒ"] and len(listed) == 4
    row = next(line for line in listed if line.startswith(first[:8] + "…"))
    assert "cán bộ tự đánh giá" in row and "VG-CUUCAO" in row and row.endswith("còn hiệu lực")
    assert first not in "\n".join(listed)  # only a prefix is shown
    assert len(cli.ok("invite", "list", "--unit", "VG").splitlines()) == 2

    out = cli.ok("invite", "revoke", first[:8])
    assert f"Đã thu hồi mã mời {first[:8]}… (cán bộ tự đánh giá, VG-CUUCAO)" in out
    assert not usable(cli, first) and usable(cli, second) and usable(cli, third)
    assert "đã thu hồi" not in cli.ok("invite", "list")
    assert "từ trước" in cli.ok("invite", "revoke", first)  # again: nothing to do
    replies = redeem(cli, first)
    assert len(replies) == 1 and replies[0].text.startswith("Mã mời không hợp lệ")

    everything = cli.ok("invite", "list", "--all")
    assert re.search(
        rf"^{re.escape(first[:8])}….*đã thu hồi \(\d\d/\d\d/\d{{4}} ", everything, re.M
    )


def test_a_used_invite_shows_who_and_cannot_be_revoked(cli: CliEnv) -> None:
    (token,) = tokens(cli.ok("invite", "create", "--unit", "VG-CUUCAO"))
    assert "Chào mừng" in redeem(cli, token)[0].text
    out = cli.fails("invite", "revoke", token)
    assert "đã được dùng bởi Nguyễn Văn An" in out and "danvan person remove" in out
    assert "Không có mã mời nào còn hiệu lực" in cli.ok("invite", "list")
    assert "đã dùng bởi Nguyễn Văn An (" in cli.ok("invite", "list", "--all")


def test_expired_and_unknown_invites(cli: CliEnv) -> None:
    (token,) = tokens(cli.ok("invite", "create", "--unit", "VG-PNV", "--days", "1"))

    async def expire(s: AsyncSession) -> None:
        past = people.now() - timedelta(minutes=1)
        await s.execute(update(Invite).where(Invite.token == token).values(expires_at=past))

    cli.db(expire)
    assert not usable(cli, token)
    assert token[:8] not in cli.ok("invite", "list")
    row = next(line for line in cli.ok("invite", "list", "--all").splitlines() if "VG-PNV" in line)
    assert row.endswith("hết hạn")
    assert "Không có mã mời khong-co-ma-nay" in cli.fails("invite", "revoke", "khong-co-ma-nay")
    assert "ít nhất 6 ký tự" in cli.fails("invite", "revoke", token[:3])


def test_prefix_must_be_unambiguous(cli: CliEnv) -> None:
    (a,) = tokens(cli.ok("invite", "create", "--unit", "VG-PNV"))
    (b,) = tokens(cli.ok("invite", "create", "--unit", "VG-PTP"))

    async def same_start(s: AsyncSession) -> None:
        for old, new in ((a, "abcdef" + a[6:]), (b, "abcdef" + b[6:])):
            invite = await s.scalar(select(Invite).where(Invite.token == old))
            assert invite is not None
            invite.token = new

    cli.db(same_start)
    assert "Có 2 mã mời bắt đầu bằng abcdef" in cli.fails("invite", "revoke", "abcdef")
    assert "Đã thu hồi" in cli.ok("invite", "revoke", "abcdef" + a[6:])
