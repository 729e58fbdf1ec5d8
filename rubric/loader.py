"""Find, read and validate rubric files (``<id>.yaml``).

Shipped rubrics live in ``rubric/data/``; callers may add directories (``extra_dirs``),
which are searched first so that an admin can override or add a rubric without touching
the package. Loaded rubrics are cached per path and modification time; where an id's file
lies is looked up again every few seconds (the bot asks for its rubric on every event).
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from rubric.model import Rubric
from rubric.validate import Problem, validate

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_RUBRIC = "hung-yen-2022"
_SUFFIXES = (".yaml", ".yml")
_LOOK_AGAIN_AFTER = 5.0  # seconds: a file added meanwhile in a directory searched first
_found: dict[tuple[str, tuple[str, ...]], tuple[str, float]] = {}  # (id, dirs) -> path, when


class RubricError(Exception):
    """A rubric file is missing, unreadable or invalid; ``problems`` lists every fault."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"Bảng điểm {source} không hợp lệ ({len(self.problems)} lỗi):"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def _search_dirs(extra_dirs: Sequence[Path | str]) -> list[Path]:
    return [Path(d) for d in extra_dirs] + [DATA_DIR]


def find_rubric(rubric_id: str, extra_dirs: Sequence[Path | str] = ()) -> Path:
    """The file of a rubric id; RubricError when no directory holds it."""
    if not rubric_id or "/" in rubric_id or "\\" in rubric_id or rubric_id.startswith("."):
        raise RubricError(repr(rubric_id), [Problem("id", "Mã bảng điểm không hợp lệ.")])
    for directory in _search_dirs(extra_dirs):
        for suffix in _SUFFIXES:
            path = directory / f"{rubric_id}{suffix}"
            if path.is_file():
                return path
    known = ", ".join(available_rubrics(extra_dirs)) or "(không có)"
    message = f"Không tìm thấy bảng điểm '{rubric_id}'. Các bảng điểm hiện có: {known}."
    raise RubricError(rubric_id, [Problem("id", message)])


def available_rubrics(extra_dirs: Sequence[Path | str] = ()) -> list[str]:
    """Ids of every rubric file found (shipped and extra), sorted."""
    ids = {
        path.stem
        for directory in _search_dirs(extra_dirs)
        if directory.is_dir()
        for path in directory.iterdir()
        if path.suffix in _SUFFIXES and path.is_file()
    }
    return sorted(ids)


def load_rubric(rubric_id: str = DEFAULT_RUBRIC, extra_dirs: Sequence[Path | str] = ()) -> Rubric:
    """Load and validate a rubric by id; the file's ``id`` must match its name."""
    key, now = (rubric_id, tuple(map(str, extra_dirs))), time.monotonic()
    found = _found.get(key)
    if found is None or now - found[1] > _LOOK_AGAIN_AFTER or not os.path.isfile(found[0]):
        found = _found[key] = (str(find_rubric(rubric_id, extra_dirs).resolve()), now)
    rubric = _load_resolved(found[0])
    if rubric.id != rubric_id:
        message = f"Mã trong tệp là '{rubric.id}' nhưng tên tệp là '{Path(found[0]).name}'."
        raise RubricError(found[0], [Problem("id", message)])
    return rubric


def load_rubric_file(path: Path | str) -> Rubric:
    """Load and validate one YAML file (cached until the file changes)."""
    return _load_resolved(str(Path(path).resolve()))


def _load_resolved(path: str) -> Rubric:
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise RubricError(path, [Problem("file", f"Không đọc được tệp: {exc}.")]) from exc
    return _load_cached(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, size: int) -> Rubric:
    data = read_yaml(path)
    problems = validate(data)
    if problems:
        raise RubricError(path, problems)
    return Rubric.model_validate(data)


def read_yaml(path: Path | str) -> dict[str, Any]:
    """The raw mapping of a YAML file; RubricError (with the line) when it cannot be parsed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(str(path), [Problem("file", f"Không đọc được tệp: {exc}.")]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "yaml"
        reason = getattr(exc, "problem", None) or str(exc)
        message = f"Lỗi cú pháp YAML: {reason}."
        raise RubricError(str(path), [Problem(where, message)]) from exc
    if not isinstance(data, dict):
        message = "Tệp phải chứa một bảng khóa: giá trị ở cấp ngoài cùng."
        raise RubricError(str(path), [Problem("rubric", message)])
    return data


def rubric_sha256(rubric_id: str = DEFAULT_RUBRIC, extra_dirs: Sequence[Path | str] = ()) -> str:
    """Hex SHA-256 of the rubric file's bytes (stored with assessments to pin the version)."""
    return hashlib.sha256(find_rubric(rubric_id, extra_dirs).read_bytes()).hexdigest()
