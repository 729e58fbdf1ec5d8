"""``danvan rubric list|show|check`` through click's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from rubric.loader import DATA_DIR

FIXTURES = Path(__file__).parent / "fixtures" / "rubrics"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["rubric", *args], env={"COLUMNS": "100"})
    return result.exit_code, result.output


def test_list() -> None:
    code, out = run("list")
    assert code == 0
    assert out.startswith("hung-yen-2022  Kết quả thực hiện công tác dân vận chính quyền năm 2022")


def test_list_with_extra_dir_marks_broken_files(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "mini.yaml")
    shutil.copy(FIXTURES / "bad-sum.yaml", tmp_path / "bad-sum.yaml")
    code, out = run("list", "--dir", str(tmp_path))
    assert code == 0
    assert "mini  Bảng điểm thử nghiệm" in out
    assert "bad-sum  (LỖI: 1 lỗi" in out


def test_show_tree() -> None:
    code, out = run("show")
    assert code == 0
    lines = out.splitlines()
    assert any(
        line.startswith("I. Tiêu chí số 1: Tổ chức triển khai") and line.endswith("(14 điểm)")
        for line in lines
    )
    assert "III.3 Cải cách thủ tục hành chính tốt (3)" in [line.strip() for line in lines]
    tiers = [line for line in lines if line.startswith("    IV.1.")]
    assert [t.rsplit(" ", 1)[1] for t in tiers] == ["(7)", "(3)", "(0)"]
    assert all(len(line) <= 100 for line in lines)
    assert sum(1 for line in lines if line.startswith("  ") and not line.startswith("    ")) == 28
    assert "Xếp loại (chưa xác nhận): Tốt ≥ 80, Khá ≥ 65, Trung bình ≥ 50, Yếu ≥ 0" in out


def test_show_full_keeps_whole_texts() -> None:
    code, out = run("show", "hung-yen-2022", "--full")
    assert code == 0
    assert "…" not in out
    joined = " ".join(out.split())
    assert "vượt cấp, kéo dài, tuy nhiên đã tiến hành chỉ đạo xử lý kịp thời, ổn thỏa" in joined
    assert "đảm bảo tính hợp pháp và khả thi (6)" in joined


def test_show_json() -> None:
    code, out = run("show", "hung-yen-2022", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "hung-yen-2022"
    assert data["total_points"] == 100 and data["score_step"] == 0.5
    assert [c["max_points"] for c in data["criteria"]] == [14, 10, 15, 23, 8, 10, 10, 10]
    iv1 = data["criteria"][3]["items"][0]
    assert iv1["type"] == "select_one"
    assert [c["points"] for c in iv1["choices"]] == [7, 3, 0]
    assert "\\u" not in out  # ensure_ascii=False
    assert "Hưng Yên" in out


def test_show_unknown_rubric() -> None:
    code, out = run("show", "khong-co")
    assert code == 1
    assert "Không tìm thấy bảng điểm 'khong-co'" in out


def test_show_a_file() -> None:
    code, out = run("show", str(FIXTURES / "mini.yaml"))
    assert code == 0
    assert "    I.2.1 Tốt (4)" in out


def test_check_ok() -> None:
    code, out = run("check", str(DATA_DIR / "hung-yen-2022.yaml"))
    assert code == 0
    assert out.strip() == "Hợp lệ: hung-yen-2022: 8 tiêu chí, 28 mục, tổng 100 điểm."


def test_check_items_do_not_add_up() -> None:
    code, out = run("check", str(FIXTURES / "bad-sum.yaml"))
    assert code == 1
    assert "criteria[I]: Tiêu chí I: tổng điểm các mục là 5,5 nhưng thang điểm tiêu chí là 6" in out


def test_check_prints_every_error() -> None:
    code, out = run("check", str(FIXTURES / "many-errors.yaml"))
    assert code == 1
    assert "6 lỗi" in out.splitlines()[0]
    for expected in [
        "criteria[II]: Trường 'label': thiếu trường bắt buộc.",
        "I.1: Mã mục 'I.1' bị trùng.",
        "I.2: Mục I.2: mức cao nhất là 3 điểm nhưng thang điểm của mục là 4.",
        "I.1: Mã mục 'I.1' phải bắt đầu bằng mã tiêu chí 'II.'.",
        "ratings: Các mức xếp loại phải xếp từ cao xuống thấp",
        "narratives[strengths]: Tên phần nhận xét 'strengths' bị trùng.",
    ]:
        assert expected in out


def test_check_yaml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ncriteria: [\n", encoding="utf-8")
    code, out = run("check", str(path))
    assert code == 1
    assert "dòng" in out and "YAML" in out
