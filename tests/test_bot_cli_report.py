"""``danvan report`` as a person runs it: a real process on a stored, submitted assessment."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from bot.demo import ensure_demo
from reports.pdf import libreoffice_available
from reports.service import ReportService
from rubric.loader import load_rubric
from storage import assessments as repo
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Answer, CriterionNote, Status
from tests.test_reports_outline_report import ANSWERS, SHORTCOMINGS, STRENGTHS

pytestmark = pytest.mark.slow
DANVAN = [sys.executable, "-m", "bot"]
UNIT_DOCX = "bao-cao-tu-danh-gia-2022-VG-CUUCAO.docx"
OUTLINE_DOCX = "bao-cao-tom-tat-2022-VG-CUUCAO.docx"


async def store_cuu_cao(url: str) -> None:
    """The demo unit's realistic 2022 assessment (tests/test_reports_outline_report.py),
    submitted on 10/11/2022 with the proposed rating Tốt."""
    await upgrade(url)
    engine = make_engine(url)
    rubric = load_rubric("hung-yen-2022")
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            unit = await ensure_demo(s)
            _, period = await repo.unit_and_period(s, unit.id)
            assert period is not None
            a = await repo.get_or_create(s, unit.id, period.id)
            for item in rubric.items():
                value, text = ANSWERS[item.id]
                tier = item.choice(value) if item.is_tiered else None
                s.add(
                    Answer(
                        assessment_id=a.id,
                        item_id=item.id,
                        score=tier.points if tier else Decimal(value),
                        choice_id=tier.id if tier else None,
                        results_text=text,
                    )
                )
            for c in rubric.criteria:
                s.add(
                    CriterionNote(
                        assessment_id=a.id,
                        criterion_id=c.id,
                        strengths=STRENGTHS[c.id],
                        shortcomings=SHORTCOMINGS[c.id],
                    )
                )
            a.status = Status.SUBMITTED
            a.submitted_at = datetime(2022, 11, 10, 2, 0, tzinfo=UTC)
            a.proposed_rating = "tot"
            a.report_number = "45"
            a.signer_name = "Nguyễn Văn Thành"
    finally:
        await engine.dispose()


def _env(tmp: Path, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(
        DATABASE_URL=url,
        EVIDENCE_DIR=str(tmp / "data" / "evidence"),
        OUTPUT_DIR=str(tmp / "out"),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
        **extra,
    )
    return env


def report(tmp: Path, url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DANVAN, "report", "--unit", "VG-CUUCAO", "--year", "2022", *args],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=_env(tmp, url, **env),
        timeout=300,
    )


def body(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


async def test_both_reports_with_pdf(tmp_path: Path, db_url: str) -> None:
    await store_cuu_cao(db_url)
    folder = tmp_path / "nop"
    run = report(tmp_path, db_url, "--kind", "ca-hai", "--pdf", "-o", str(folder))
    assert run.returncode == 0, run.stderr
    unit, outline = folder / UNIT_DOCX, folder / OUTLINE_DOCX
    assert f"Đã ghi báo cáo: {unit}" in run.stdout
    assert f"Đã ghi báo cáo: {outline}" in run.stdout
    assert "Tổng số điểm thực hiện công tác dân vận chính quyền: 92,5 điểm" in body(unit)
    text = body(outline)
    assert "Tổng số điểm đạt được là 92,5, đề nghị mức xếp loại Tốt." in text
    assert "(số điểm đạt được là 22,5/23 điểm)" in text
    assert ANSWERS["III.8"][1].rstrip(".") in text
    if not libreoffice_available():
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is not installed in CI: .ci/run installs it")
        assert "Chưa cài LibreOffice" in run.stderr
        pytest.skip("LibreOffice (soffice) is not installed here: the PDF part was not checked")
    for docx in (unit, outline):
        pdf = docx.with_suffix(".pdf")
        assert f"Đã ghi bản PDF: {pdf}" in run.stdout
        assert pdf.read_bytes()[:5] == b"%PDF-"


def test_pdf_without_libreoffice_still_writes_the_docx(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'danvan.db'}"
    (tmp_path / "data").mkdir()
    asyncio.run(store_cuu_cao(url))
    target = tmp_path / "bc-tom-tat.docx"
    run = report(
        tmp_path, url, "--kind", "de-cuong", "--pdf", "-o", str(target), SOFFICE="no-such-soffice"
    )
    assert run.returncode == 0, run.stderr
    assert f"Đã ghi báo cáo: {target}" in run.stdout
    assert "Chưa cài LibreOffice nên chưa tạo được bản PDF" in run.stderr
    assert "báo cáo .docx vẫn đã được ghi" in run.stderr
    assert not list(tmp_path.rglob("*.pdf"))
    assert "BÁO CÁO" in body(target) and "Tóm tắt kết quả" in body(target)
    # one report per kind by default; -o FILE.docx with both kinds is refused
    default = report(tmp_path, url)
    assert default.returncode == 0, default.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == [UNIT_DOCX]
    refused = report(tmp_path, url, "--kind", "ca-hai", "-o", str(tmp_path / "x.docx"))
    assert refused.returncode == 2
    assert "-o là một thư mục" in refused.stderr


async def test_service_writes_either_report_or_both(tmp_path: Path, db_url: str) -> None:
    await store_cuu_cao(db_url)
    engine = make_engine(db_url)
    try:
        sessions = make_sessionmaker(engine)
        service = ReportService(sessions, load_rubric, tmp_path / "evidence", tmp_path / "out")
        async with sessions() as s:
            assessment = await repo.find(s, "VG-CUUCAO", 2022)
        assert assessment is not None
        unit, outline = await service.both(assessment.id)
        assert (unit.name, outline.name) == (UNIT_DOCX, OUTLINE_DOCX)
        draft = await service.outline_report(assessment.id, draft=True)
        assert draft.name == "bao-cao-tom-tat-2022-VG-CUUCAO-ban-nhap.docx"
        assert (await service.unit_report(assessment.id)) == unit
        assert "(số điểm đạt được là 9,5/10 điểm)" in body(draft)
    finally:
        await engine.dispose()
