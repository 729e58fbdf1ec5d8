"""``danvan rubric import FILE --id ID``: a province's scoring table (Word or Excel) written as
our rubric file, then checked (rubric/table_import.py, rubric/validate.py)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import click
import yaml

from bot.cli.base import CliError
from bot.cli.rubric import rubric
from bot.settings import get_settings
from rubric.loader import RubricError, load_rubric
from rubric.table_import import NoTable, read_table
from rubric.table_yaml import propose_carries, rubric_data
from rubric.validate import validate

LEGAL_BASIS = (
    "Căn cứ … (văn bản quy định tiêu chí, thang điểm của tỉnh), {{unit}} báo cáo kết quả tự "
    "đánh giá, xếp loại công tác dân vận chính quyền năm {year} gồm những nội dung sau:"
)


def rubric_dirs() -> tuple[Path, ...]:
    folder = get_settings().rubric_dir
    return (folder,) if folder else ()


ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


@rubric.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "rubric_id", required=True, help="Mã bảng điểm mới, ví dụ hung-yen-2026.")
@click.option("--year", type=int, default=date.today().year, show_default=True, help="Năm.")
@click.option("--province", default="(chưa ghi)", help="Tỉnh, ví dụ «Hưng Yên».")
@click.option(
    "--authority", default="(chưa ghi)", help="Cơ quan thẩm định, ví dụ «UBND tỉnh Hưng Yên»."
)
@click.option("--place", default="(chưa ghi)", help="Địa danh ở dòng ngày tháng của báo cáo.")
@click.option("--from", "earlier", metavar="MÃ_CŨ",
              help="Bảng điểm năm trước: đề xuất mục tương ứng (carries_from).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp YAML cần ghi (mặc định: <mã>.yaml ở thư mục hiện tại).")  # fmt: skip
def import_table(
    file: Path, rubric_id: str, year: int, province: str, authority: str, place: str,
    earlier: str | None, output: Path | None,
) -> None:  # fmt: skip
    """Đọc bảng chấm điểm (Word .docx hoặc Excel .xlsx) thành tệp bảng điểm YAML, rồi kiểm tra."""
    if not ID.fullmatch(rubric_id):
        raise CliError(
            f"--id «{rubric_id}»: chữ thường không dấu, số và gạch nối, ví dụ hung-yen-2026."
        )
    if not file.is_file():
        raise CliError(f"Không tìm thấy tệp {file}.")
    try:
        imported = read_table(file)
    except NoTable as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # not a Word/Excel file after all, or a damaged one
        raise CliError(f"Không mở được {file.name} như tệp Word/Excel: {exc}") from None
    if not imported.criteria:
        raise CliError(
            "\n".join([f"{file.name}: không đọc được tiêu chí nào.", *imported.problems])
        )
    data = rubric_data(
        imported,
        id=rubric_id,
        year=year,
        title=f"Kết quả thực hiện công tác dân vận chính quyền năm {year}",
        province=province,
        authority=authority,
        place=place,
        legal_basis=LEGAL_BASIS.format(year=year),
    )
    pairs = {}
    if earlier:
        try:
            pairs = propose_carries(data, load_rubric(earlier, rubric_dirs()))
        except RubricError as exc:
            raise CliError(f"--from {earlier}: {exc}") from None
        data["carries_from"] = {"rubric": earlier, "items": pairs}
    checked = validate(data)
    target = output or Path(f"{rubric_id}.yaml")
    header = [
        f"# Bảng điểm {rubric_id}, đọc từ {file.name} bằng danvan rubric import.",
        "# Cần người kiểm tra: outline_heading (tên mục trong Đề cương), guidance, hint của",
        "# từng mục, document (cơ quan, địa danh, căn cứ) và các mức xếp loại (ratings).",
    ]
    if checked:
        header.append("# KHÔNG HỢP LỆ, sửa rồi chạy danvan rubric check:")
        header += [f"#   - {p.location}: {p.message}" for p in checked]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=96)
    target.write_text("\n".join(header) + "\n\n" + text, encoding="utf-8")
    click.echo(f"Đã ghi {target}: {_summary(data)}.")
    if imported.problems:
        click.echo(f"Không đọc được {len(imported.problems)} dòng:")
        for problem in imported.problems:
            click.echo(f"  - {problem}")
    if earlier:
        unmatched = [i["id"] for c in data["criteria"] for i in c["items"] if i["id"] not in pairs]
        click.echo(f"Mục tương ứng với {earlier} (đề xuất theo nội dung, cần người kiểm tra):")
        click.echo("  " + ", ".join(f"{new} ← {old}" for new, old in pairs.items()))
        if unmatched:
            click.echo(f"  chưa có mục tương ứng (bắt đầu trống): {', '.join(unmatched)}")
    if checked:
        click.echo(f"Tệp chưa hợp lệ ({len(checked)} lỗi):")
        for problem in checked:
            click.echo(f"  - {problem.location}: {problem.message}")
    if checked or imported.problems:
        raise SystemExit(1)
    click.echo(f"Hợp lệ. Dùng: danvan period create --rubric {rubric_id} (đặt tệp vào RUBRIC_DIR).")


def _summary(data: dict[str, Any]) -> str:
    """ "8 tiêu chí, 28 mục, tổng 100 điểm", then the bonus's and penalty's caps and the items
    only the appraising body scores, when the table has them."""
    criteria = [c for c in data["criteria"] if "kind" not in c]
    items = [i for c in data["criteria"] for i in c["items"]]
    parts = [f"{len(criteria)} tiêu chí, {len(items)} mục, tổng {data['total_points']} điểm"]
    parts += [
        f"{c['label'].lower()} tối đa {c['max_points']} điểm"
        for c in data["criteria"]
        if "kind" in c
    ]
    by_appraiser = [i["id"] for i in items if i.get("scored_by") == "appraiser"]
    if by_appraiser:
        parts.append(f"mục do cơ quan thẩm định chấm: {', '.join(by_appraiser)}")
    return "; ".join(parts)
