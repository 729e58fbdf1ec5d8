"""A database made by the previous release (schema 0001) is upgraded by ``danvan db upgrade``:
every row is kept (or moved where it lives now), the new columns are there and empty, and the
conversation goes on where it stopped.

The fixture was made by the previous release's own code: tests/fixtures/README.md.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import open_app
from bot.settings import Settings
from conversations.events import Command, Sender, Text
from storage import migrate

pytestmark = pytest.mark.slow  # three `danvan db` processes

FIXTURE = Path(__file__).with_name("fixtures") / "release-2026-11-stop1.sqlite"
DANVAN = [sys.executable, "-m", "bot"]
DEMO = Sender("console", "demo", "demo", "Cán bộ demo")  # the release's `danvan demo` officer
TOWN_OFFICER = Sender("telegram", "1001", "1001", "Nguyễn Thị Bình")  # submitted everything
# what the migrations since 0001 add, drop and move
NEW_COLUMNS = {
    "invites": {"person_id"},
    "identities": {"open_prompt"},
    "units": {"sign_as"},
    "assessments": {"signer_title", "sign_as", "self_total", "appraised_total"},  # 0004; 0008
}
# cursor and return_to: into positions (0003); report_key: never written, dropped (0005)
MOVED_COLUMNS = {"assessments": {"cursor", "return_to", "report_key"}}
NEW_TABLES = {"positions", "inbox", "unit_successions", "desk_sessions"}  # 0003; 0007; 0011
MOVED_TABLES = {"processed_updates"}  # into inbox (0003)

Rows = dict[str, list[tuple[object, ...]]]


def dump(path: Path) -> tuple[Rows, dict[str, list[str]]]:
    """Every row of every table (ordered by rowid) and the tables' columns."""
    db = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name != 'alembic_version' ORDER BY name"
            )
        ]
        columns = {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in tables}
        rows = {t: db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
        return rows, columns
    finally:
        db.close()


def without(rows: Rows, columns: dict[str, list[str]], left_out: dict[str, set[str]]) -> Rows:
    """Every table's rows without the ``left_out`` columns."""
    kept = {}
    for table, table_rows in rows.items():
        keep = [i for i, name in enumerate(columns[table]) if name not in left_out.get(table, ())]
        kept[table] = [tuple(row[i] for i in keep) for row in table_rows]
    return kept


def danvan(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return subprocess.run(
        [*DANVAN, *args], capture_output=True, text=True, cwd=tmp, env=env, timeout=120
    )


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "danvan.db"
    shutil.copyfile(FIXTURE, path)
    return path


def test_the_fixture_is_small_and_at_the_previous_revision() -> None:
    assert FIXTURE.stat().st_size < 512 * 1024
    rows, _ = dump(FIXTURE)
    counts = {table: len(r) for table, r in rows.items()}
    # what the previous release's commands left (tests/fixtures/README.md)
    assert counts["units"] == 28 and counts["periods"] == 1 and counts["assessments"] == 26
    assert counts["persons"] == 3 and counts["identities"] == 3 and counts["invites"] == 4
    assert counts["answers"] == 8 + 28 and counts["criterion_notes"] == 2 + 8
    assert counts["evidence"] == 2 and counts["audit_events"] and counts["processed_updates"]


async def test_danvan_db_upgrade_keeps_every_row_and_the_conversation_goes_on(
    old_db: Path, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{old_db}"
    assert await migrate.current(url) == "0001"
    before, old_columns = dump(old_db)

    behind = danvan(tmp_path, "db", "current", "--url", url)
    assert behind.returncode == 1 and "danvan db upgrade" in behind.stderr
    run = danvan(tmp_path, "db", "upgrade", "--url", url)
    assert run.returncode == 0, run.stderr
    assert f"phiên bản {migrate.head()} (mới nhất)" in run.stdout
    assert await migrate.current(url) == migrate.head()
    assert danvan(tmp_path, "db", "current", "--url", url).returncode == 0

    after, new_columns = dump(old_db)
    assert set(after) == (set(before) - MOVED_TABLES) | NEW_TABLES
    for table, names in old_columns.items():
        if table in MOVED_TABLES:
            continue
        assert set(new_columns[table]) - set(names) == NEW_COLUMNS.get(table, set()), table
        assert set(names) - set(new_columns[table]) == MOVED_COLUMNS.get(table, set()), table
    kept = {t: r for t, r in before.items() if t not in MOVED_TABLES}
    assert {t: len(after[t]) for t in kept} == {t: len(r) for t, r in kept.items()}
    now = {t: r for t, r in without(after, new_columns, NEW_COLUMNS).items() if t in kept}
    assert now == {  # every value, verbatim
        t: r for t, r in without(before, old_columns, MOVED_COLUMNS).items() if t in kept
    }
    person_id = new_columns["invites"].index("person_id")
    assert [row[person_id] for row in after["invites"]] == [None] * 4
    # each officer of a unit now has the place its assessment had
    cursor = old_columns["assessments"].index("cursor")
    had = sorted(row[cursor] for row in before["assessments"] if row[cursor])
    places = [new_columns["positions"].index(c) for c in ("cursor", "person_id")]
    assert sorted(row[places[0]] for row in after["positions"]) == had
    # every processed update id is a handled (and answered) update of the inbox
    update_id = old_columns["processed_updates"].index("update_id")
    key, handled = (new_columns["inbox"].index(c) for c in ("update_key", "handled_at"))
    assert sorted(r[key] for r in after["inbox"]) == sorted(
        r[update_id] for r in before["processed_updates"]
    )
    assert all(r[handled] for r in after["inbox"])

    db = sqlite3.connect(old_db)
    try:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        answers = dict(
            db.execute(
                "SELECT item_id, results_text FROM answers JOIN assessments a"
                " ON a.id = answers.assessment_id JOIN units u ON u.id = a.unit_id"
                " WHERE u.code = 'VG-CUUCAO'"
            ).fetchall()
        )
    finally:
        db.close()
    assert answers["I.1"] == "Đã ban hành Kế hoạch số 12/KH-UBND"
    assert answers["I.2"] == "Tổ chức hội nghị quán triệt"
    assert answers["III.1"] == "KQ III.1"

    settings = Settings(
        _env_file=None,
        database_url=url,
        data_dir=tmp_path / "data",
        evidence_dir=tmp_path / "evidence",
        output_dir=tmp_path / "out",
    )
    async with open_app(settings) as app:
        *told, progress = await app.engine.handle(DEMO, Command("tiendo"))
        assert [r.text[:10] for r in told] == ["⏰ Hạn nộp "]  # 2022's deadline: passed, told once
        assert "Đã chấm 8/28 mục · 2 tệp minh chứng · Tạm tính 22/100 điểm" in progress.text
        # the demo stopped at III.1's files, a step the flow no longer has: it goes on at
        # III.1's question, its answer kept; skipping it leads to III.2
        replies = await app.engine.handle(DEMO, Command("tieptuc"))
        assert replies[-1].target == "score:III.1", [r.text for r in replies]
        assert "Câu 8/28 · Tiêu chí 3/8 · Đã chấm 8/28" in replies[-1].text
        assert "Kết quả đạt được: «KQ III.1»" in replies[-1].text
        replies = await app.engine.handle(DEMO, Text("s"))
        assert replies[-1].target == "score:III.2", [r.text for r in replies]
        assert "Câu 9/28 · Tiêu chí 3/8 · Đã chấm 8/28" in replies[-1].text
        replies = await app.engine.handle(DEMO, Text("1"), update_key="9001")
        assert "III.2: 1/2 điểm" in "\n".join(r.text for r in replies)
        (submitted,) = await app.engine.handle(TOWN_OFFICER, Command("tiendo"))
        assert "Đã chấm 28/28 mục" in submitted.text
        # a redelivered update of the old release is still recognised (now in the inbox):
        # it changes nothing and the officer sees where they are
        (again,) = await app.engine.handle(TOWN_OFFICER, Text("1"), update_key="101")
        assert "đã nộp" in again.text

    rows, _ = dump(old_db)
    assert len(rows["answers"]) == len(before["answers"]) + 1
