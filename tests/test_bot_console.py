"""``danvan demo`` as a person uses it: a real process, lines on stdin, a .docx at the end."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from tests import evidence_samples
from tests.support import rubric, score_key
from tests.test_conversations_engine import SCORES, TOTAL

pytestmark = pytest.mark.slow
DANVAN = [sys.executable, "-m", "bot"]


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'data' / 'danvan.db'}",
        EVIDENCE_DIR=str(tmp / "data" / "evidence"),
        OUTPUT_DIR=str(tmp / "out"),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    return env


def demo(tmp: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DANVAN, "demo", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=tmp,
        env=_env(tmp),
        timeout=120,
    )


def whole_session(evidence: Path) -> list[str]:
    """From the first question (where the demo starts): each score; I.1's files (paths) and
    each item's results typed on the next question (a criterion's last item's naming it on the
    strengths question); the strengths, and the shortcomings typed after them; then, on the
    review, submit with the suggested rating."""
    lines: list[str] = []
    for criterion in rubric().criteria:
        for item in criterion.items:
            lines.append(score_key(rubric(), item.id, SCORES[item.id]))
            if item.id == "I.1":  # on I.2's question: files for the item just scored
                lines += [str(evidence.parent / "missing.pdf"), str(evidence.parent), str(evidence)]
            last = item == criterion.items[-1]
            lines.append(f"{item.id}: KQ {item.id}" if last else f"KQ {item.id}")
        lines += [f"Tốt {criterion.id}", f"Hạn chế {criterion.id}"]
    return [*lines, "n", "1", "y"]


def scoring_table(doc: Document):  # type: ignore[no-untyped-def]
    return next(t for t in doc.tables if len(t.columns) == 6)


def test_a_piped_session_writes_the_report(tmp_path: Path) -> None:
    evidence = tmp_path / "ke-hoach.pdf"
    evidence.write_bytes(evidence_samples.pdf("A plan"))
    run = demo(tmp_path, whole_session(evidence))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "Không tìm thấy tệp" in run.stdout
    assert "là một thư mục" in run.stdout
    assert "Đã nhận tệp «ke-hoach.pdf» cho mục I.1" in run.stdout
    (report,) = (tmp_path / "out").glob("*.docx")
    assert f"Đã lưu báo cáo tại: {report}" in run.stdout
    assert "Báo cáo đã được nộp" in run.stdout

    doc = Document(str(report))
    table = scoring_table(doc)
    rows = [[c.text.strip() for c in row.cells] for row in table.rows]
    criteria = {r[0]: r for r in rows if r[0] in {c.id for c in rubric().criteria}}
    assert [int(criteria[c.id][2]) for c in rubric().criteria] == [14, 10, 15, 23, 8, 10, 10, 10]
    for c in rubric().criteria:
        expected = sum(Decimal(str(SCORES[i.id])) for i in c.items)
        assert Decimal(criteria[c.id][3].replace(",", ".")) == expected
    total = next(r for r in rows if r[1] == "Tổng điểm")
    assert total[2] == "100" and Decimal(total[3].replace(",", ".")) == TOTAL
    iv = rows[[r[0] for r in rows].index("IV") :]
    tiers = [r[3] for r in iv if r[0] in ("1.1", "1.2", "1.3", "4.1", "4.2", "4.3")]
    assert tiers == ["✓", "", "", "", "✓", ""]  # IV.1 tier 1, IV.4 tier 2
    item_i1 = rows[2]
    assert item_i1[3] == "2" and "KQ I.1" in item_i1[5] and "ke-hoach.pdf" in item_i1[5]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Tốt IV" in body and "Hạn chế VIII" in body
    assert "Đề nghị mức xếp loại: Tốt" in body


def test_the_input_may_end_anywhere(tmp_path: Path) -> None:
    run = demo(tmp_path, ["2"])  # I.1 (the demo starts at the first question)
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert "Mọi câu trả lời đã được lưu" in run.stdout
    again = demo(tmp_path, [])
    assert again.returncode == 0
    assert "Đã chấm 1/28" in again.stdout


def test_a_killed_demo_continues_at_the_next_question(tmp_path: Path) -> None:
    with subprocess.Popen(
        [*DANVAN, "demo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for line in ["2", "KQ I.1", "1,5"]:  # I.1, its results (typed on I.2), I.2
            proc.stdin.write(line + "\n")
        proc.stdin.flush()
        seen, deadline = "", time.monotonic() + 60
        while "Câu 3/28" not in seen and time.monotonic() < deadline:
            seen += proc.stdout.readline()
        assert "Câu 3/28" in seen
        proc.send_signal(signal.SIGKILL)  # no goodbye, no clean shutdown
        proc.wait(timeout=10)

    again = demo(tmp_path, [])  # straight to the open question
    assert again.returncode == 0
    assert "Câu 3/28" in again.stdout and "I.3." in again.stdout
    db = sqlite3.connect(tmp_path / "data" / "danvan.db")
    answers = dict(db.execute("SELECT item_id, score FROM answers").fetchall())
    db.close()
    assert answers == {"I.1": 2, "I.2": 1.5}


def test_reset_starts_over(tmp_path: Path) -> None:
    demo(tmp_path, ["2"])
    again = demo(tmp_path, [], "--reset")
    assert "Đã chấm 0/28" in again.stdout


def test_report_command_writes_any_stored_assessment(tmp_path: Path) -> None:
    demo(tmp_path, ["2", "Đã ban hành kế hoạch"])  # I.1, and its results on I.2
    target = tmp_path / "bc.docx"
    run = subprocess.run(
        [*DANVAN, "report", "--unit", "VG-CUUCAO", "--year", "2022", "-o", str(target)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    rows = [[c.text for c in r.cells] for r in scoring_table(Document(str(target))).rows]
    assert rows[2][3] == "2" and "Đã ban hành kế hoạch" in rows[2][5]
    missing = subprocess.run(
        [*DANVAN, "report", "--unit", "KHONG-CO", "--year", "2022"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=60,
    )
    assert missing.returncode == 1
    assert "Không có bài tự đánh giá của đơn vị KHONG-CO năm 2022" in missing.stderr
