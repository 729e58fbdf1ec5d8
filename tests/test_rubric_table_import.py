"""``danvan rubric import``: the seed's 2022 scoring table, as the province would publish it in
Word (a merged title, rows continued on the next page, spacer rows, italic tiers), comes back
equal to rubric/data/hung-yen-2022.yaml in every criterion, item, maximum and tier; so does
the same table with its columns in another order, and as an Excel sheet. A broken table is
reported row by row; a file without a scoring table writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from rubric.loader import load_rubric, load_rubric_file
from rubric.model import Rubric
from rubric.table_import import Table, fold, parse
from rubric.validate import validate
from tests.scoring_tables import bonus_rubric, docx_table, rows_of, xlsx_table

SEED = load_rubric("hung-yen-2022")
BONUS = bonus_rubric()
META = ("--year", "2022", "--province", "Hưng Yên", "--authority", "UBND huyện Văn Giang",
        "--place", "Văn Giang")  # fmt: skip


def structure(r: Rubric) -> list[Any]:
    """Every criterion, item, maximum and tier, texts with their spaces folded."""

    def t(text: str) -> str:
        return " ".join(text.split())

    return [
        (c.id, c.number, c.kind, t(c.label), c.max_points, [
            (i.id, i.number, i.type, i.scored_by, t(i.label), i.max_points,
             [(ch.id, ch.number, t(ch.label), ch.points) for ch in i.choices])
            for i in c.items
        ])
        for c in r.criteria
    ]  # fmt: skip


def imported(
    tmp_path: Path, table: Path, *more: str, code: int = 0, rubric_id: str = "hung-yen-2022"
) -> tuple[str, Path]:
    out = tmp_path / "imported.yaml"
    result = CliRunner().invoke(
        main, ["rubric", "import", str(table), "--id", rubric_id, *META, "-o", str(out), *more]
    )
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output, out


def test_the_seed_table_in_word_comes_back_equal(tmp_path: Path) -> None:
    table = docx_table(SEED, tmp_path / "bang-diem-2022.docx", split_long=250)
    said, out = imported(tmp_path, table)
    assert said.startswith(f"Đã ghi {out}: 8 tiêu chí, 28 mục, tổng 100 điểm.")
    assert structure(load_rubric_file(out)) == structure(SEED)


@pytest.mark.parametrize(
    "order",
    [
        ("content", "number", "max", "evidence"),  # another province's column order
        ("number", "self", "appraised", "content", "max"),
    ],
)
def test_another_column_order(tmp_path: Path, order: tuple[str, ...]) -> None:
    _, out = imported(tmp_path, docx_table(SEED, tmp_path / "t.docx", order=order))
    assert structure(load_rubric_file(out)) == structure(SEED)


def test_an_excel_table(tmp_path: Path) -> None:
    _, out = imported(tmp_path, xlsx_table(SEED, tmp_path / "bang-diem.xlsx"))
    assert structure(load_rubric_file(out)) == structure(SEED)


def test_a_broken_table_is_reported_row_by_row(tmp_path: Path) -> None:
    path = docx_table(SEED, tmp_path / "t.docx")
    document = Document(str(path))
    table = document.tables[0]
    rows = table.rows
    rows[3].cells[2].text = "hai"  # I.1's maximum, a word
    rows[4].cells[0].text = "1.1"  # a tier under I.2, which is not tiered
    document.save(str(path))
    said, out = imported(tmp_path, path, code=1)
    assert "Dòng 4 (bảng 1): thang điểm «hai» không phải số." in said
    assert (
        "Dòng 5 (bảng 1): mức «1.1» dưới một mục không ghi «Chấm 1 trong … tiêu chí sau»." in said
    )
    assert "Tệp chưa hợp lệ" in said  # criterion I no longer adds up
    assert out.read_text(encoding="utf-8").splitlines()[3] == (
        "# KHÔNG HỢP LỆ, sửa rồi chạy danvan rubric check:"
    )  # written for a person to fix, and marked


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_a_bonus_a_penalty_and_an_appraiser_only_item_import(tmp_path: Path, kind: str) -> None:
    if kind == "docx":
        table = docx_table(BONUS, tmp_path / "bang-diem-2026.docx", split_long=250)
    else:
        table = xlsx_table(BONUS, tmp_path / "bang-diem-2026.xlsx")
    said, out = imported(tmp_path, table, rubric_id="hung-yen-2026")
    assert said.startswith(
        f"Đã ghi {out}: 8 tiêu chí, 33 mục, tổng 100 điểm; điểm thưởng tối đa 5 điểm; "
        "điểm trừ tối đa 10 điểm; mục do cơ quan thẩm định chấm: VIII.2."
    )
    got = load_rubric_file(out)
    assert structure(got) == structure(BONUS)
    assert "Hợp lệ." in said and validate(got) == []


def test_sections_without_numbers_group_and_total_rows(tmp_path: Path) -> None:
    """Another province: "A. ĐIỂM CHUẨN" above the criteria, "B. Điểm thưởng" with its cap in
    the maximum column and its items' points unsigned, an unnumbered "Điểm trừ" whose cap is in
    its text, the appraising body named as "Hội đồng thẩm định", and a "Tổng cộng" row."""
    rows = [["STT", "Nội dung", "Điểm tối đa"], ["A", "ĐIỂM CHUẨN", "100"]]
    rows += [[r["number"], r["content"], r["max"]] for r in rows_of(SEED) if r is not None]
    rows += [
        ["B", "Điểm thưởng", "05"],
        ["1", "Được Ủy ban nhân dân tỉnh tặng Bằng khen (Hội đồng thẩm định chấm)", "3"],
        ["2", "Có sáng kiến được công nhận", "2"],
        ["", "ĐIỂM TRỪ (trừ tối đa không quá 10 điểm)", ""],
        ["1", "Để xảy ra điểm nóng về an ninh, trật tự", "-5"],
        ["", "Tổng cộng", "100"],
    ]
    got = parse([Table("bảng 1", rows)])
    assert got.problems == []
    bonus, penalty = got.criteria[-2:]
    assert (bonus["id"], bonus["kind"], bonus["label"], bonus["max_points"]) == (
        "DT", "bonus", "Điểm thưởng", 5,
    )  # fmt: skip
    assert [(i["id"], i["max_points"], i["by_appraiser"]) for i in bonus["items"]] == [
        ("DT.1", 3, True), ("DT.2", 2, False),
    ]  # fmt: skip
    assert bonus["items"][0]["label"] == "Được Ủy ban nhân dân tỉnh tặng Bằng khen"
    assert (penalty["id"], penalty["kind"], penalty["max_points"]) == ("DTR", "penalty", 10)
    assert [(i["id"], i["max_points"]) for i in penalty["items"]] == [("DTR.1", 5)]
    assert len(got.criteria) == 10


def test_a_bonus_without_its_cap_is_named(tmp_path: Path) -> None:
    rows = [["STT", "Nội dung", "Điểm tối đa"], ["I", "Tiêu chí số 1: Tổ chức", "2"],
            ["1", "Ban hành kế hoạch", "2"], ["II", "Điểm thưởng", ""],
            ["1", "Khen thưởng", "1"]]  # fmt: skip
    got = parse([Table("bảng 1", rows)])
    assert got.problems == [
        "Dòng 4 (bảng 1): điểm thưởng không ghi mức tối đa (ví dụ «tối đa 5 điểm»)."
    ]


def test_a_file_without_a_scoring_table_writes_nothing(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("Kế hoạch tổ chức hội nghị")
    grid = document.add_table(rows=2, cols=2)
    grid.rows[0].cells[0].text, grid.rows[0].cells[1].text = "Thời gian", "Nội dung"
    path = tmp_path / "ke-hoach.docx"
    document.save(str(path))
    said, out = imported(tmp_path, path, code=1)
    assert "Không thấy bảng chấm điểm" in said and "Đã thấy: bảng 1: Thời gian | Nội dung" in said
    assert not out.exists()
    said, out = imported(tmp_path, tmp_path / "khong-co.docx", code=1)
    assert "Không tìm thấy tệp" in said and not out.exists()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=30), min_size=0, max_size=6), max_size=12))
def test_any_table_is_read_or_refused_never_crashes(rows: list[list[str]]) -> None:
    table = Table("bảng 1", [["STT", "Nội dung tiêu chí", "Thang điểm"], *rows])
    got = parse([table])
    assert got.criteria or got.problems  # something read, or said why not
    assert all(isinstance(p, str) and p for p in got.problems)


def test_fold_reads_vietnamese_words() -> None:
    assert fold("  Điểm   TỐI đa ") == "diem toi da"
