"""``danvan rubric list|show|check``: look at and check the rubric files."""

from __future__ import annotations

import json
import shutil
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from bot.cli.base import main
from rubric.loader import (
    DEFAULT_RUBRIC,
    RubricError,
    available_rubrics,
    load_rubric,
    load_rubric_file,
    read_yaml,
)
from rubric.model import Rubric
from rubric.scoring import fmt
from rubric.validate import validate

_dirs_option = click.option(
    "--dir",
    "extra_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục chứa thêm tệp bảng điểm (tìm trước thư mục có sẵn).",
)


@main.group()
def rubric() -> None:
    """Xem và kiểm tra bộ tiêu chí chấm điểm."""


@rubric.command("list")
@_dirs_option
def list_rubrics(extra_dirs: tuple[Path, ...]) -> None:
    """Liệt kê các bảng điểm hiện có."""
    for rubric_id in available_rubrics(extra_dirs):
        try:
            r = load_rubric(rubric_id, extra_dirs)
        except RubricError as exc:
            click.echo(f"{rubric_id}  (LỖI: {len(exc.problems)} lỗi, xem 'danvan rubric check')")
            continue
        click.echo(f"{r.id}  {r.title} ({r.province}, {fmt(r.total_points)} điểm)")


@rubric.command("show")
@click.argument("rubric_id", default=DEFAULT_RUBRIC)
@click.option("--full", is_flag=True, help="In đầy đủ nội dung, không rút gọn.")
@click.option("--json", "as_json", is_flag=True, help="In bảng điểm dưới dạng JSON.")
@_dirs_option
def show(rubric_id: str, full: bool, as_json: bool, extra_dirs: tuple[Path, ...]) -> None:
    """In cây tiêu chí, mục và mức chấm kèm thang điểm (mặc định: hung-yen-2022)."""
    path = Path(rubric_id)
    try:
        if path.suffix in (".yaml", ".yml") and path.is_file():
            r = load_rubric_file(path)
        else:
            r = load_rubric(rubric_id, extra_dirs)
    except RubricError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(rubric_json(r))
        return
    width = max(60, shutil.get_terminal_size((100, 24)).columns)
    for line in tree_lines(r, width=width, full=full):
        click.echo(line)


@rubric.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """Kiểm tra một tệp YAML bảng điểm; in mọi lỗi kèm vị trí."""
    try:
        problems = validate(read_yaml(file))
    except RubricError as exc:
        problems = exc.problems
    if problems:
        click.echo(f"{file}: {len(problems)} lỗi")
        for problem in problems:
            click.echo(f"  - {problem.location}: {problem.message}")
        raise SystemExit(1)
    r = load_rubric_file(file)
    click.echo(
        f"Hợp lệ: {r.id}: {len(r.criteria)} tiêu chí, {len(r.items())} mục, "
        f"tổng {fmt(r.total_points)} điểm."
    )


# -- rendering ----------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def rubric_json(r: Rubric) -> str:
    """The rubric as JSON: numbers as numbers, Vietnamese left readable."""
    return json.dumps(r.model_dump(), ensure_ascii=False, indent=2, default=_json_default)


def _line(indent: str, head: str, text: str, tail: str, width: int, full: bool) -> list[str]:
    """One tree entry: ``indent + head + text + tail``, shortened or wrapped to ``width``."""
    text = " ".join(text.split())
    if full:
        body = f"{head}{text}{tail}"
        pad = indent + " " * len(head)
        return textwrap.wrap(body, width=width, initial_indent=indent, subsequent_indent=pad)
    room = max(20, width - len(indent) - len(head) - len(tail))
    return [f"{indent}{head}{textwrap.shorten(text, room, placeholder=' …')}{tail}"]


def tree_lines(r: Rubric, width: int = 100, full: bool = False) -> list[str]:
    """The rubric as an indented tree of criteria, items and tiers with their points."""
    lines = [
        f"{r.title} ({r.id})",
        f"{r.document.authority}, tỉnh {r.province}; tổng {fmt(r.total_points)} điểm, "
        f"bước {fmt(r.score_step)} điểm",
        "",
    ]
    for c in r.criteria:
        head = f"{c.id}. Tiêu chí số {c.number}: "
        lines += _line("", head, c.label, f" ({fmt(c.max_points)} điểm)", width, full)
        for item in c.items:
            tier = " [chọn 1 mức]" if item.is_tiered else ""
            tail = f"{tier} ({fmt(item.max_points)})"
            lines += _line("  ", f"{item.id} ", item.label, tail, width, full)
            for choice in item.choices:
                tail = f" ({fmt(choice.points)})"
                lines += _line("    ", f"{choice.id} ", choice.label, tail, width, full)
    status = "đã xác nhận" if r.ratings.confirmed else "chưa xác nhận"
    bands = ", ".join(f"{b.label} ≥ {fmt(b.min_points)}" for b in r.ratings.bands)
    lines += ["", f"Tổng: {fmt(r.total_points)} điểm", f"Xếp loại ({status}): {bands}"]
    return lines
