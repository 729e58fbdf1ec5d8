"""``danvan verify``: is what the database says true? Every evidence file is in the store with
the content its hash names, and every answer fits its period's rubric (an item of it, a score it
admits, a tier it has). The problems come back as Vietnamese lines naming the unit, the year,
the item and the file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rubric.model import Rubric
from rubric.scoring import allowed_scores, fmt
from storage.backup import Progress, sha256_of
from storage.filestore import FileStore
from storage.models import Answer, Assessment, Evidence, Period, Unit


def _file_problem(store: FileStore, row: Evidence, where: str) -> str | None:
    name = f"«{row.original_name}» ({where}, mục {row.item_id})"
    try:
        path = store.path(row.storage_key)
    except ValueError:
        return f"Tệp minh chứng {name} có khoá lưu trữ sai: {row.storage_key}"
    if not path.is_file():
        return f"Thiếu tệp minh chứng {name}: {path}"
    if path.stat().st_size != row.size or sha256_of(path) != row.sha256:
        return f"Tệp minh chứng {name} đã bị thay đổi (mã băm khác): {path}"
    return None


def _answer_problem(rubric: Rubric, answer: Answer, where: str) -> str | None:
    item = rubric.item(answer.item_id)
    if item is None:
        return f"{where}: mục {answer.item_id} không có trong bộ tiêu chí {rubric.id}."
    if answer.score is None:
        return None
    if item.is_tiered and answer.choice_id is not None:
        choice = item.choice(answer.choice_id)
        if choice is None:
            return f"{where}, mục {item.id}: mức «{answer.choice_id}» không có trong bộ tiêu chí."
        if choice.points != answer.score:
            return (
                f"{where}, mục {item.id}: {fmt(answer.score)} điểm, nhưng mức đã chọn "
                f"là {fmt(choice.points)} điểm."
            )
    if answer.score not in allowed_scores(item, rubric.score_step):
        return (
            f"{where}, mục {item.id}: {fmt(answer.score)} điểm, ngoài thang điểm "
            f"(0–{fmt(item.max_points)})."
        )
    return None


async def verify(
    sessions: async_sessionmaker[AsyncSession],
    evidence_root: Path,
    rubric_for: Callable[[str], Rubric],
    progress: Progress | None = None,
) -> list[str]:
    """Every problem found (none: all is well)."""
    store, problems = FileStore(evidence_root), []
    async with sessions() as s:
        files = (
            await s.execute(
                select(Evidence, Unit.name, Period.year)
                .join(Assessment, Assessment.id == Evidence.assessment_id)
                .join(Unit, Unit.id == Assessment.unit_id)
                .join(Period, Period.id == Assessment.period_id)
                .order_by(Unit.code, Period.year, Evidence.item_id, Evidence.id)
            )
        ).all()
        answers = (
            await s.execute(
                select(Answer, Unit.name, Period.year, Period.rubric_id)
                .join(Assessment, Assessment.id == Answer.assessment_id)
                .join(Unit, Unit.id == Assessment.unit_id)
                .join(Period, Period.id == Assessment.period_id)
                .order_by(Unit.code, Period.year, Answer.item_id)
            )
        ).all()
    for done, (row, unit, year) in enumerate(files, start=1):
        found = await asyncio.to_thread(_file_problem, store, row, f"{unit}, năm {year}")
        problems.extend([found] if found else [])
        if progress is not None:
            progress(done, len(files))
    rubrics: dict[str, Rubric | None] = {}
    for answer, unit, year, rubric_id in answers:
        if rubric_id not in rubrics:
            try:
                rubrics[rubric_id] = rubric_for(rubric_id)
            except Exception as exc:  # a rubric file gone or broken: say so once
                rubrics[rubric_id] = None
                problems.append(f"Không đọc được bộ tiêu chí {rubric_id}: {exc}")
        rubric = rubrics[rubric_id]
        found = _answer_problem(rubric, answer, f"{unit}, năm {year}") if rubric else None
        problems.extend([found] if found else [])
    return problems
