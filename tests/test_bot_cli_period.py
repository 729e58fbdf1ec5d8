"""``danvan period create|list|update`` on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rubric.loader import rubric_sha256
from storage.models import Assessment, Period, Status, Unit
from tests.test_bot_cli_units import DEADLINES, SAMPLE, CliEnv, cli_env, write

CREATE = ("period", "create", "--year", "2022", "--rubric", "hung-yen-2022", *DEADLINES)


@pytest.fixture
def bare(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    yield from cli_env(db_url, tmp_path, monkeypatch)


@pytest.fixture
def cli(bare: CliEnv) -> CliEnv:
    bare.ok("units", "import", SAMPLE)
    return bare


def with_option(name: str, value: str) -> list[str]:
    """CREATE with one option's value replaced (or the option added)."""
    args = list(CREATE)
    if name in args:
        args[args.index(name) + 1] = value
        return args
    return [*args, name, value]


async def periods(s: AsyncSession) -> list[tuple[Period, str, list[tuple[str, Status]]]]:
    found = []
    for period in await s.scalars(select(Period).order_by(Period.id)):
        authority = await s.get(Unit, period.authority_id)
        assert authority is not None
        rows = await s.execute(
            select(Unit.code, Assessment.status)
            .join(Assessment, Assessment.unit_id == Unit.id)
            .where(Assessment.period_id == period.id)
            .order_by(Unit.code)
        )
        found.append((period, authority.code, [(c, st) for c, st in rows.all()]))
    return found


async def vg_children(s: AsyncSession) -> list[str]:
    vg = await s.scalar(select(Unit).where(Unit.code == "VG"))
    assert vg is not None
    return sorted(await s.scalars(select(Unit.code).where(Unit.parent_id == vg.id)))


def test_create_makes_one_assessment_per_unit_and_refuses_a_duplicate(cli: CliEnv) -> None:
    out = cli.ok(*CREATE)
    assert "Đã tạo kỳ đánh giá năm 2022 của UBND huyện Văn Giang (VG)" in out
    assert "hạn nộp 15/11/2022 · hạn thẩm định 01/12/2022 · hạn báo cáo 10/12/2022" in out
    assert "đã tạo 26 bài tự đánh giá" in out
    ((period, authority, assessments),) = cli.db(periods)
    assert authority == "VG" and period.year == 2022 and period.rubric_id == "hung-yen-2022"
    assert period.rubric_sha256 == rubric_sha256("hung-yen-2022")
    assert (period.submit_by, period.appraise_by, period.report_by) == (
        date(2022, 11, 15),
        date(2022, 12, 1),
        date(2022, 12, 10),
    )
    assert [code for code, _ in assessments] == cli.db(vg_children)
    assert {status for _, status in assessments} == {Status.DRAFT}

    again = cli.fails(*CREATE)
    assert "Đã có kỳ đánh giá năm 2022 của UBND huyện Văn Giang (VG)" in again
    assert "danvan period update --year 2022" in again
    assert len(cli.db(periods)) == 1 and len(cli.db(periods)[0][2]) == 26


def test_the_province_may_hold_its_own_period(cli: CliEnv) -> None:
    cli.ok(*CREATE)
    out = cli.ok(*CREATE, "--authority", "HY")
    assert "đã tạo 1 bài tự đánh giá" in out
    assert [(a, [c for c, _ in rows]) for _, a, rows in cli.db(periods)][1] == ("HY", ["VG"])
    listed = cli.ok("period", "list").splitlines()
    assert listed[0].split()[:2] == ["NĂM", "CƠ"]
    assert listed[1].split()[:3] == ["2022", "HY", "hung-yen-2022"]
    assert listed[2].startswith("2022  VG") and listed[2].endswith("26: 26 đang làm")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--rubric", "khong-co"), "Không có bảng điểm «khong-co». Hiện có: hung-yen-2022"),
        (("--submit-by", "2022-12-05"), "Các hạn phải theo thứ tự"),
        (("--report-by", "2022-11-31"), "--report-by phải là một ngày dạng 2022-11-15"),
        (("--year", "hai"), "--year phải là một năm"),
        (("--authority", "VG-CUUCAO"), "UBND xã Cửu Cao (VG-CUUCAO) không thẩm định đơn vị nào"),
        (("--authority", "KHONG"), "Không có đơn vị mã KHONG"),
    ],
)
def test_bad_input_is_refused(cli: CliEnv, change: tuple[str, str], message: str) -> None:
    assert message in cli.fails(*with_option(*change))
    assert cli.db(periods) == []


def test_missing_options_are_all_named(cli: CliEnv) -> None:
    out = cli.fails("period", "create", "--year", "2022")
    assert "Thiếu --rubric, --submit-by, --appraise-by, --report-by" in out
    assert "danvan period create --year 2022 --rubric hung-yen-2022" in out


def test_no_appraising_unit_yet(bare: CliEnv, tmp_path: Path) -> None:
    assert "Chưa có đơn vị nào được thẩm định" in bare.fails(*CREATE)
    bare.ok("units", "import", write(tmp_path, "code,name,kind,authority\nVG,Văn Giang,huyen,\n"))
    assert "Chưa có đơn vị nào được thẩm định" in bare.fails(*CREATE)


def test_update_changes_deadlines_and_adds_new_units(cli: CliEnv, tmp_path: Path) -> None:
    cli.ok(*CREATE)
    assert cli.ok("period", "update", "--year", "2022").endswith("không thay đổi.\n")
    out = cli.ok("period", "update", "--year", "2022", "--submit-by", "20/11/2022")
    assert "hạn nộp: 15/11/2022 → 20/11/2022" in out
    assert cli.db(periods)[0][0].submit_by == date(2022, 11, 20)
    bad = cli.fails("period", "update", "--year", "2022", "--appraise-by", "2022-12-20")
    assert "hạn thẩm định ≤ hạn báo cáo" in bad
    assert cli.db(periods)[0][0].appraise_by == date(2022, 12, 1)

    more = SAMPLE.read_text(encoding="utf-8") + "VG-MOI,UBND xã Mới,xa,VG,,,,,\n"
    cli.ok("units", "import", write(tmp_path, more))
    out = cli.ok("period", "update", "--year", "2022")
    assert "đã tạo thêm 1 bài tự đánh giá cho đơn vị mới" in out
    assert len(cli.db(periods)[0][2]) == 27
    assert "Chưa có kỳ đánh giá năm 2023" in cli.fails("period", "update", "--year", "2023")


def test_list_when_empty(cli: CliEnv) -> None:
    assert "Chưa có kỳ đánh giá nào" in cli.ok("period", "list")
