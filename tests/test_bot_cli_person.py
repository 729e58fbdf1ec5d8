"""``danvan person list|remove|restore``: a removed person is refused by the bot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from conversations.events import Reply, Sender, Start
from storage import people
from storage.models import Membership, Person
from tests.test_bot_cli_invite import AN, redeem, tokens
from tests.test_bot_cli_units import SAMPLE, CliEnv, cli_env

BINH = Sender(channel="telegram", user_id="1002", chat_id="1002", display_name="Trần Thị Bình")


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    """The sample units, An an officer of Cửu Cao, Bình an appraiser of the district."""
    for env in cli_env(db_url, tmp_path, monkeypatch):
        env.ok("units", "import", SAMPLE)
        (officer,) = tokens(env.ok("invite", "create", "--unit", "VG-CUUCAO"))
        (appraiser,) = tokens(env.ok("invite", "create", "--role", "appraiser", "--unit", "VG"))
        redeem(env, officer, AN)
        redeem(env, appraiser, BINH)
        yield env


def person_id(cli: CliEnv, sender: Sender) -> int | None:
    async def find(s: AsyncSession) -> int | None:
        found = await people.person_for(s, sender.channel, sender.user_id)
        return found.id if found else None

    return cli.db(find)


def test_list_shows_roles_channels_and_state(cli: CliEnv) -> None:
    lines = cli.ok("person", "list").splitlines()
    assert lines[0].split() == ["SỐ", "HỌ", "TÊN", "VAI", "TRÒ", "KÊNH", "TRẠNG", "THÁI"]
    an = next(line for line in lines if "Nguyễn Văn An" in line)
    assert "cán bộ tự đánh giá VG-CUUCAO" in an and "telegram" in an and an.endswith("đang dùng")
    binh = next(line for line in lines if "Trần Thị Bình" in line)
    assert "thẩm định viên VG" in binh
    only = cli.ok("person", "list", "--unit", "VG-CUUCAO")
    assert "Nguyễn Văn An" in only and "Trần Thị Bình" not in only
    assert "Không có đơn vị mã XX" in cli.fails("person", "list", "--unit", "XX")


def test_remove_is_soft_and_the_bot_refuses_the_person(cli: CliEnv) -> None:
    an = person_id(cli, AN)
    assert an is not None
    out = cli.ok("person", "remove", str(an))
    assert f"Đã gỡ quyền truy cập của Nguyễn Văn An (số {an})" in out
    assert person_id(cli, AN) is None
    assert person_id(cli, BINH) is not None

    async def kept(s: AsyncSession) -> tuple[Person | None, int]:
        rows = await s.scalars(select(Membership).where(Membership.person_id == an))
        return await s.get(Person, an), len(list(rows))

    person, memberships = cli.db(kept)
    assert person is not None and person.removed_at is not None and memberships == 1
    line = next(ln for ln in cli.ok("person", "list").splitlines() if "Nguyễn Văn An" in ln)
    assert "đã gỡ (" in line
    assert "không cần làm gì thêm" in cli.ok("person", "remove", str(an))

    async def talk(app: App) -> list[Reply]:
        return await app.engine.handle(AN, Start())

    (reply,) = cli.app(talk)
    assert "chưa được cấp quyền sử dụng" in reply.text

    assert "Đã khôi phục Nguyễn Văn An" in cli.ok("person", "restore", str(an))
    assert person_id(cli, AN) == an


def test_bad_ids(cli: CliEnv) -> None:
    assert "Không có người dùng số 999" in cli.fails("person", "remove", "999")
    assert "phải là một số" in cli.fails("person", "remove", "An")
