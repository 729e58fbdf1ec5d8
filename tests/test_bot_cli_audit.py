"""``danvan audit``: the rows the engine writes, in Vietnamese words and Việt Nam time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.demo import ensure_demo
from storage import assessments as repo
from storage.models import Assessment, AuditEvent
from tests.support import Chat
from tests.test_bot_cli_units import CliEnv, cli_env

RESULTS = "Đã ban hành Kế hoạch số 12/KH-UBND ngày 10/01/2022 về công tác dân vận chính quyền"


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    """The demo unit; its officer scores I.1 (with results) and I.2 through the engine."""
    for env in cli_env(db_url, tmp_path, monkeypatch):
        env.db(ensure_demo)

        async def answer(app: App) -> None:
            chat = Chat(app.engine)
            await chat.command("start")  # straight to I.1
            for line in ["2", RESULTS, "1,5"]:  # I.1, its results (typed on I.2), I.2
                await chat.say(line)

        env.app(answer)
        yield env


def rows(out: str) -> list[list[str]]:
    """The table's rows split on runs of two or more spaces."""
    return [re.split(r" {2,}", line) for line in out.splitlines()[2:]]


def test_audit_prints_who_changed_what(cli: CliEnv) -> None:
    out = cli.ok("audit", "--unit", "VG-CUUCAO")
    head, columns = out.splitlines()[:2]
    assert head == (
        "Nhật ký thay đổi của UBND xã Cửu Cao (VG-CUUCAO), năm 2022 (3 thay đổi, giờ Việt Nam):"
    )
    assert columns.split() == ["LÚC", "NGƯỜI", "VIỆC", "MỤC", "THAY", "ĐỔI"]
    found = rows(out)
    assert [r[1:4] for r in found] == [
        ["Cán bộ demo", "chấm điểm", "I.1"],
        ["Cán bộ demo", "kết quả đạt được", "I.1"],
        ["Cán bộ demo", "chấm điểm", "I.2"],
    ]
    assert [r[4] for r in found] == [
        "(trống) → 2",
        "(trống) → Đã ban hành Kế hoạch số 12/KH-UBND ngày…",
        "(trống) → 1,5",
    ]
    assert all(len(r[0]) == len("15/11/2022 08:00") for r in found)


def test_time_is_vietnam_time_and_statuses_are_words(cli: CliEnv) -> None:
    async def add(s: AsyncSession) -> None:
        assessment = await s.scalar(select(Assessment))
        assert assessment is not None
        repo.audit(s, assessment, None, "assessment.submit", None, "draft", "submitted")
        s.add(
            AuditEvent(
                assessment_id=assessment.id,
                action="something.new",
                target="I.3",
                new="x",
                at=datetime(2022, 11, 14, 17, 30, tzinfo=UTC),
            )
        )

    cli.db(add)
    found = rows(cli.ok("audit", "--unit", "VG-CUUCAO", "--year", "2022"))
    assert found[0] == ["15/11/2022 00:30", "(hệ thống)", "something.new", "I.3", "(trống) → x"]
    assert found[-1][1:] == ["(hệ thống)", "nộp báo cáo", "đang làm → đã nộp"]


def test_limit_shows_the_newest(cli: CliEnv) -> None:
    out = cli.ok("audit", "--unit", "VG-CUUCAO", "--limit", "1")
    assert "(1 thay đổi gần nhất trong tổng số 3, giờ Việt Nam)" in out
    (only,) = rows(out)
    assert only[2:] == ["chấm điểm", "I.2", "(trống) → 1,5"]


def test_bad_input(cli: CliEnv) -> None:
    assert "Thiếu --unit" in cli.fails("audit")
    assert "Không có đơn vị mã XX" in cli.fails("audit", "--unit", "XX")
    assert "chưa có bài tự đánh giá năm 2021" in cli.fails(
        "audit", "--unit", "VG-CUUCAO", "--year", "2021"
    )
    assert "chưa có bài tự đánh giá" in cli.fails("audit", "--unit", "VG")
    assert "--limit phải là một số từ 0" in cli.fails(
        "audit", "--unit", "VG-CUUCAO", "--limit", "x"
    )
