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
from tests.scoring_tables import docx_table, rows_of, xlsx_table

SEED = load_rubric("hung-yen-2022")
META = ("--year", "2022", "--province", "Hưng Yên", "--authority", "UBND huyện Văn Giang",
        "--place", "Văn Giang")  # fmt: skip


def structure(r: Rubric) -> list[Any]:
    """Every criterion, item, maximum and tier, texts with their spaces folded."""

    def t(text: str) -> str:
        return " ".join(text.split())

    return [
        (c.id, c.number, t(c.label), c.max_points, [
            (i.id, i.number, i.type, t(i.label), i.max_points,
             [(ch.id, ch.number, t(ch.label), ch.points) for ch in i.choices])
            for i in c.items
        ])
        for c in r.criteria
    ]  # fmt: skip


def imported(tmp_path: Path, table: Path, *more: str, code: int = 0) -> tuple[str, Path]:
    out = tmp_path / "imported.yaml"
    result = CliRunner().invoke(
        main,
        ["rubric", "import", str(table), "--id", "hung-yen-2022", *META, "-o", str(out), *more],
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


def test_bonus_penalty_and_appraiser_only_rows_are_named_not_guessed(tmp_path: Path) -> None:
    rows = [["STT", "Nội dung", "Điểm tối đa"]]
    for row in rows_of(SEED):
        if row is not None:
            rows.append([row["number"], row["content"], row["max"]])
    rows += [["IX", "Điểm thưởng (tối đa 5 điểm)", "05"], ["X", "Điểm trừ", "05"]]
    got = parse([Table("bảng 1", rows)])
    assert got.problems == [
        f"Dòng {len(rows) - 1} (bảng 1): điểm thưởng chưa đọc được (bảng điểm chưa có chỗ cho nó).",
        f"Dòng {len(rows)} (bảng 1): điểm trừ chưa đọc được (bảng điểm chưa có chỗ cho nó).",
    ]
    assert len(got.criteria) == 8


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
