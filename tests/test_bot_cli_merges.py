"""Two-level local government: the 2026 sample (a province appraising its sở and xã directly)
imported over the 2022 tree with its merge lines; ``danvan units merge|history``; what a
merger refuses; and the officer of a merged unit, who can read the old file and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.demo import ensure_demo
from conversations.events import Command, Sender, Text
from storage import people
from storage.admin import merges
from storage.models import KIND_LABELS, Role, Unit, UnitKind, UnitSuccession
from tests.test_bot_cli_units import ROOT, SAMPLE, CliEnv, cli_env

SAMPLE_2026 = ROOT / "samples" / "units-hung-yen-2026.csv"


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    yield from cli_env(db_url, tmp_path, monkeypatch)


async def successions(s: AsyncSession) -> set[tuple[str, str, date]]:
    old, new = Unit.__table__.alias("old"), Unit.__table__.alias("new")
    rows = await s.execute(
        select(old.c.code, new.c.code, UnitSuccession.effective_on)
        .join(old, old.c.id == UnitSuccession.predecessor_id)
        .join(new, new.c.id == UnitSuccession.successor_id)
    )
    return {tuple(r) for r in rows.all()}  # type: ignore[misc]


def test_the_2026_sample_over_the_2022_tree(cli: CliEnv) -> None:
    cli.ok("units", "import", SAMPLE)
    out = cli.ok("units", "import", SAMPLE_2026)
    assert "thêm mới 10: HY25, HY25-SNV" in out
    assert "sáp nhập: VG-PHUNGCONG → HY25-PHUNGCONG" in out
    on = date(2025, 7, 1)
    assert cli.db(successions) == {
        ("HY", "HY25", on),
        ("VG-TTVANGIANG", "HY25-VANGIANG", on),
        ("VG-PHUNGCONG", "HY25-PHUNGCONG", on),
        ("VG-NGHIATRU", "HY25-NGHIATRU", on),
        ("VG-MESO", "HY25-MESO", on),
    }
    assert "Không thay đổi" in cli.ok("units", "import", SAMPLE_2026)  # idempotent

    async def kinds(s: AsyncSession) -> dict[str, tuple[UnitKind, str | None]]:
        units = list(await s.scalars(select(Unit)))
        codes = {u.id: u.code for u in units}
        return {u.code: (u.kind, codes.get(u.parent_id or 0)) for u in units}

    found = cli.db(kinds)
    assert found["HY25"] == (UnitKind.PROVINCE, None)
    assert found["HY25-SNV"] == (UnitKind.DEPARTMENT, "HY25")  # the province appraises both
    assert found["HY25-MESO"] == (UnitKind.COMMUNE, "HY25")
    tree = cli.ok("units", "list", "--tree")
    assert f"    HY25-SNV  Sở Nội vụ ({KIND_LABELS[UnitKind.DEPARTMENT]})" in tree
    lines = [line.strip().split("  ")[0] for line in tree.splitlines()]
    assert lines.index("HY25-SNV") < lines.index("HY25-MESO")  # sở before xã, as in letters
    assert "VG-MESO  UBND xã Mễ Sở (xã)  → HY25-MESO (01/07/2025)" in tree


def test_the_2026_sample_alone_says_what_is_missing(cli: CliEnv) -> None:
    out = cli.fails("units", "import", SAMPLE_2026)
    assert "dòng 5: merged_from: Không có đơn vị mã HY." in out
    assert "dòng 14: merged_from: Không có đơn vị mã VG-MESO." in out
    assert "Nhập các đơn vị cũ trước" in out
    assert cli.db(lambda s: s.scalar(select(Unit.id).limit(1))) is None  # nothing written


def test_merge_history_and_what_a_merger_refuses(cli: CliEnv) -> None:
    cli.ok("units", "import", SAMPLE)
    cli.ok("units", "import", SAMPLE_2026)
    out = cli.ok("units", "merge", "VG-CUUCAO", "VG-XUANQUAN", "--into", "HY25-PHUNGCONG",
                 "--on", "01/07/2025")  # fmt: skip
    assert (
        out.strip() == "Đã ghi: VG-CUUCAO, VG-XUANQUAN sáp nhập vào HY25-PHUNGCONG từ 01/07/2025."
    )
    again = cli.ok("units", "merge", "VG-CUUCAO", "--into", "HY25-PHUNGCONG", "--on", "2025-07-01")
    assert "Không có gì mới" in again
    history = cli.ok("units", "history", "HY25")
    assert "HY25 kế thừa:\n  HY  UBND tỉnh Hưng Yên (từ 01/07/2025)" in history
    history = cli.ok("units", "history", "HY25-PHUNGCONG")
    for code in ("VG-CUUCAO", "VG-PHUNGCONG", "VG-XUANQUAN"):
        assert f"  {code}  UBND xã" in history

    before = cli.db(successions)
    refusals = {
        ("HY25-MESO", "HY25-MESO"): "Không sáp nhập được HY25-MESO vào chính nó.",
        ("HY25-PHUNGCONG", "VG-CUUCAO"): "ghi như vậy sẽ thành một vòng",
        ("VG-NOWHERE", "HY25-MESO"): "Không có đơn vị mã VG-NOWHERE.",
    }
    for (old, new), said in refusals.items():
        assert said in cli.fails("units", "merge", old, "--into", new, "--on", "2025-07-01")
    other_day = cli.fails("units", "merge", "VG-MESO", "--into", "HY25-MESO", "--on", "2025-08-01")
    assert "VG-MESO đã được ghi là sáp nhập vào HY25-MESO từ 01/07/2025" in other_day
    assert "phải là một ngày" in cli.fails(
        "units", "merge", "VG-MESO", "--into", "HY25-MESO", "--on", "mai"
    )
    assert cli.db(successions) == before  # nothing written by any of them


def test_the_officer_of_a_merged_unit_reads_and_changes_nothing(cli: CliEnv) -> None:
    officer = Sender("telegram", "8101", "8101", "Cán bộ Cửu Cao cũ")

    async def go(app: App) -> None:
        async with app.sessions() as s, s.begin():
            commune = await ensure_demo(s)  # VG-CUUCAO, with the 2022 period
            person = await people.add_person(s, officer.display_name or "", "telegram", "8101")
            await people.grant(s, person.id, Role.OFFICER, commune.id)
            new = Unit(code="HY25-PHUNGCONG", name="UBND xã Phụng Công", kind=UnitKind.COMMUNE)
            s.add(new)
            await s.flush()
        first = await app.engine.handle(officer, Text("1"))  # not merged yet: it can answer
        assert "đã sáp nhập" not in "\n".join(r.text for r in first)
        async with app.sessions() as s, s.begin():
            await merges.merge(s, ["VG-CUUCAO"], "HY25-PHUNGCONG", date(2025, 7, 1))
        typed = await app.engine.handle(officer, Text("2"))
        said = "\n".join(r.text for r in typed)
        assert "UBND xã Cửu Cao đã sáp nhập vào UBND xã Phụng Công từ 01/07/2025" in said
        assert "không sửa được nữa" in said
        report = await app.engine.handle(officer, Command("baocao"))
        assert any(r.document is not None for r in report)  # the old file can still be read
        assert await app.engine.refuse_file(officer) is not None

    cli.app(go)
