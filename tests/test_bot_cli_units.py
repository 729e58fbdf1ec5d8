"""``danvan units import|list``: the shipped sample, idempotency, every error of a broken file.

``CliEnv`` (used by the other ``test_bot_cli_*`` files too) runs ``danvan`` in-process with
click's CliRunner against the test's own database, on every backend.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, open_app
from bot.cli import main
from bot.settings import Settings, get_settings
from storage.models import Unit, UnitKind

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "units-van-giang-2022.csv"
T = TypeVar("T")
DEADLINES = (
    "--submit-by",
    "2022-11-15",
    "--appraise-by",
    "2022-12-01",
    "--report-by",
    "2022-12-10",
)


class CliEnv:
    """``danvan`` as the administrator types it, with DATABASE_URL pointing at the test's DB."""

    def __init__(self, db_url: str, tmp: Path) -> None:
        self.db_url, self.tmp = db_url, tmp
        self.settings = Settings(
            _env_file=None,
            database_url=db_url,
            evidence_dir=tmp / "evidence",
            output_dir=tmp / "out",
            telegram_bot_username="danvan_test_bot",
        )

    def __call__(self, *args: str | Path) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args])

    def ok(self, *args: str | Path) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.output

    def fails(self, *args: str | Path) -> str:
        result = self(*args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "Error:" not in result.output
        return result.output

    def db(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` in a session that is committed afterwards."""

        async def go(app: App) -> T:
            async with app.sessions() as s, s.begin():
                return await work(s)

        return self.app(go)

    def app(self, work: Callable[[App], Awaitable[T]]) -> T:
        """Run ``work`` with the whole application (engine, reports) on the test's database."""

        async def go() -> T:
            async with open_app(self.settings) as app:
                return await work(app)

        return asyncio.run(go())


def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    """The body of the ``cli`` fixture of each ``test_bot_cli_*`` file."""
    env = CliEnv(db_url, tmp_path)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for key in [k for k in os.environ if k.startswith(("TELEGRAM_", "ZALO_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "danvan_test_bot")
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    yield from cli_env(db_url, tmp_path, monkeypatch)


async def all_units(s: AsyncSession) -> dict[str, tuple[Any, ...]]:
    units = list(await s.scalars(select(Unit)))
    codes = {u.id: u.code for u in units}
    return {
        u.code: (
            u.name,
            u.kind,
            codes.get(u.parent_id or 0),
            u.short_name,
            u.place,
            u.head_title,
            u.head_name,
        )
        for u in units
    }


def write(tmp: Path, text: str, name: str = "units.csv", bom: bool = False) -> Path:
    path = tmp / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def test_the_sample_twice_gives_the_same_units(cli: CliEnv) -> None:
    first = cli.ok("units", "import", SAMPLE)
    assert "thêm mới 28" in first and "cập nhật 0" in first
    units = cli.db(all_units)
    assert len(units) == 28
    assert units["HY"][1:3] == (UnitKind.PROVINCE, None)
    assert units["VG"][:3] == ("UBND huyện Văn Giang", UnitKind.DISTRICT, "HY")
    communes = {c for c, u in units.items() if u[1] == UnitKind.COMMUNE}
    assert len(communes) == 10 and "VG-CUUCAO" in communes
    assert units["VG-TTVANGIANG"][1] == UnitKind.TOWNSHIP
    assert units["VG-CUUCAO"][:5] == ("UBND xã Cửu Cao", UnitKind.COMMUNE, "VG", "UBND", "Cửu Cao")
    assert units["VG-TTVANGIANG"][0] == "UBND thị trấn Văn Giang"
    offices = [u[0] for u in units.values() if u[1] == UnitKind.OFFICE]
    assert "Phòng Nội vụ" in offices and "Thanh tra huyện" in offices and len(offices) == 12
    examples = [u[0] for u in units.values() if u[1] == UnitKind.SERVICE]
    assert examples and all(name.endswith("(ví dụ)") for name in examples)

    second = cli.ok("units", "import", SAMPLE)
    assert second.startswith("Không thay đổi: 28 đơn vị")
    assert cli.db(all_units) == units


def test_changes_are_reported_field_by_field(cli: CliEnv, tmp_path: Path) -> None:
    cli.ok("units", "import", SAMPLE)
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("VG-PYT,Phòng Y tế,phong,VG", "VG-PYT,Phòng Y tế huyện,phong,HY")
    out = cli.ok("units", "import", write(tmp_path, text))
    assert "cập nhật 1:" in out and "không đổi 27" in out and "thêm mới 0" in out
    assert "VG-PYT: tên: Phòng Y tế → Phòng Y tế huyện; cấp thẩm định: VG → HY" in out
    assert cli.db(all_units)["VG-PYT"][:3] == ("Phòng Y tế huyện", UnitKind.OFFICE, "HY")


def test_a_broken_file_lists_every_error_and_writes_nothing(cli: CliEnv, tmp_path: Path) -> None:
    broken = write(
        tmp_path,
        "code,name,kind,authority\n"
        "VG,UBND huyện Văn Giang,huyen,\n"  # 2: fine
        "VG-A,UBND xã A,xa,VG\n"  # 3: fine
        "VG-A,UBND xã A lần nữa,xa,VG\n"  # 4: duplicate code
        "VG-B,,xa,VG\n"  # 5: no name
        "VG-C,UBND xã C,hợp tác xã,VG\n"  # 6: unknown kind
        "VG-D,UBND xã D,xa,KHONG-CO\n"  # 7: unknown authority
        "VG E,UBND xã E,xa,VG\n"  # 8: bad code
        "X1,Một,khac,X2\n"  # 9: X1 → X2 → X1
        "X2,Hai,khac,X1\n",  # 10
    )
    out = cli.fails("units", "import", broken)
    assert "chưa ghi gì" in out
    assert "dòng 4: mã VG-A trùng với dòng 3" in out
    assert "dòng 5: thiếu tên đơn vị" in out
    assert "dòng 6: loại «hợp tác xã» không rõ" in out
    assert "dòng 7: không có đơn vị thẩm định mã KHONG-CO" in out
    assert "dòng 8: mã đơn vị «VG E» không hợp lệ" in out
    assert "dòng 9: cấp thẩm định quay vòng: X1 → X2 → X1" in out
    assert "dòng 10: cấp thẩm định quay vòng" in out
    assert "dòng 2" not in out and "dòng 3:" not in out
    assert cli.db(all_units) == {}


async def _count(s: AsyncSession) -> int:
    return await s.scalar(select(func.count()).select_from(Unit)) or 0


def test_bad_columns_and_encoding(cli: CliEnv, tmp_path: Path) -> None:
    out = cli.fails("units", "import", write(tmp_path, "code,ten,kind\nVG,Văn Giang,huyen\n"))
    assert "dòng 1: thiếu cột: name, authority; cột lạ: ten" in out
    latin = tmp_path / "latin.csv"
    latin.write_bytes("code,name,kind,authority\nVG,Văn Giang,huyen,\n".encode("cp1258"))
    out = cli.fails("units", "import", latin)
    assert "dòng 2 không phải UTF-8" in out and "CSV UTF-8" in out
    assert "Không tìm thấy tệp" in cli.fails("units", "import", tmp_path / "khong-co.csv")
    assert "Thiếu tên tệp" in cli.fails("units", "import")
    assert cli.db(_count) == 0


def test_labels_bom_semicolons_and_any_order(cli: CliEnv, tmp_path: Path) -> None:
    text = (
        "code;name;kind;authority;place\n"
        "VG-PNV;Phòng Nội vụ;Phòng chuyên môn;VG;Văn Giang\n"  # before its authority
        "VG-TT;UBND thị trấn Văn Giang;Thị trấn;VG;\n"
        "VG-TTVH;Trung tâm Văn hóa;đơn vị sự nghiệp;VG;\n"
        "# a comment line\n"
        "VG;UBND huyện Văn Giang;Huyện;;Văn Giang\n"
    )
    out = cli.ok("units", "import", write(tmp_path, text, bom=True))
    assert "thêm mới 4" in out
    units = cli.db(all_units)
    assert units["VG-PNV"][1:3] == (UnitKind.OFFICE, "VG")
    assert units["VG-TT"][1] == UnitKind.TOWNSHIP and units["VG-TT"][4] is None
    assert units["VG-TTVH"][1] == UnitKind.SERVICE
    assert units["VG"][1:3] == (UnitKind.DISTRICT, None)


def test_the_demo_units_keep_their_codes(cli: CliEnv) -> None:
    from bot.demo import DISTRICT, ensure_demo

    cli.db(ensure_demo)
    out = cli.ok("units", "import", SAMPLE)
    assert "thêm mới 26" in out and "không đổi 1" in out  # VG-CUUCAO is already right
    assert "VG: cấp thẩm định: (trống) → HY" in out
    assert "tên viết tắt" not in out  # the demo district already has it
    units = cli.db(all_units)
    assert units["VG-CUUCAO"][2] == "VG"
    assert units["VG"][6] == DISTRICT["head_name"]  # the file's empty head_name cell keeps it


def test_list_and_tree(cli: CliEnv) -> None:
    assert "Chưa có đơn vị nào" in cli.ok("units", "list")
    cli.ok("units", "import", SAMPLE)
    flat = cli.ok("units", "list").splitlines()
    assert flat[0].split() == ["MÃ", "TÊN", "LOẠI", "CẤP", "THẨM", "ĐỊNH"]
    assert any(line.startswith("VG-CUUCAO") and line.endswith("VG") for line in flat)
    tree = cli.ok("units", "list", "--tree").splitlines()
    assert tree[0] == "HY  UBND tỉnh Hưng Yên (tỉnh)"
    assert tree[1] == "    VG  UBND huyện Văn Giang (huyện)"
    assert "        VG-CUUCAO  UBND xã Cửu Cao (xã)" in tree
    assert "        VG-TTVANGIANG  UBND thị trấn Văn Giang (thị trấn)" in tree
    assert tree[-1] == "Tổng: 28 đơn vị."


@pytest.mark.slow
def test_from_an_empty_server_to_invite_links(tmp_path: Path) -> None:
    """The administrator's guide over SSH: real processes, exit codes, messages on stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'danvan.db'}",
        TELEGRAM_BOT_USERNAME="danvan_test_bot",
        PYTHONPATH=str(ROOT),
    )

    def danvan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )

    bad = danvan("units", "import", str(write(tmp_path, "code,name,kind,authority\nA,,x,B\n")))
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.startswith("Lỗi: ") and "dòng 2: thiếu tên đơn vị" in bad.stderr
    assert "Traceback" not in bad.stderr

    steps = [
        ("units", "import", str(SAMPLE)),
        ("period", "create", "--year", "2022", "--rubric", "hung-yen-2022", *DEADLINES),
        ("invite", "create", "--unit", "VG-CUUCAO", "--count", "2"),
        ("invite", "create", "--role", "appraiser", "--unit", "VG"),
        ("invite", "list"),
    ]
    runs = [danvan(*step) for step in steps]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert "đã tạo 26 bài tự đánh giá" in runs[1].stdout
    links = runs[2].stdout.splitlines()
    assert len(links) == 2
    assert all(
        line.startswith("UBND xã Cửu Cao: https://t.me/danvan_test_bot?start=") for line in links
    )
    assert runs[3].stdout.startswith("UBND huyện Văn Giang: https://t.me/danvan_test_bot?start=")
    assert len(runs[4].stdout.splitlines()) == 4  # header + 3 invites
