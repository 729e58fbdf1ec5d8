"""A province's table with a bonus, a penalty and an item only the appraising body scores, end
to end: imported from Word, a 2026 period on it; the commune's officer is never asked the
appraiser's item, is asked the bonus and the penalty after the criteria (no narratives for
them), sees them in the review and in the report; the appraiser scores every item, the
appraiser's own one too, and the total counts the bonus and the penalty within their caps."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from conversations.events import Command, Sender
from reports.district_files import district_files
from rubric.scoring import fmt
from storage import people
from storage.models import Appraisal, Assessment, Role, Status, Unit
from tests.scoring_tables import bonus_rubric, docx_table
from tests.support import Chat, score_key
from tests.test_bot_cli_units import ROOT, SAMPLE, CliEnv, cli_env
from tests.test_conversations_engine import SCORES

OFFICER = Sender("telegram", "9201", "9201", "Cán bộ xã Phụng Công")
BOSS = Sender("telegram", "9209", "9209", "Sở Nội vụ")
EXTRA = {"IX.1": 2, "IX.2": 3, "X.1": 0, "X.2": 0, "X.3": 2}  # 5 of bonus, 2 taken off
OWN = {k: v for k, v in SCORES.items() if k != "VIII.2"} | EXTRA
# the criteria without VIII.2, plus the bonus (5, its cap), less the penalty (2)
SELF_TOTAL = Decimal(str(sum(v for k, v in SCORES.items() if k != "VIII.2"))) + 5 - 2


def pts(value: Decimal) -> str:
    return fmt(value)


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    monkeypatch.setenv("RUBRIC_DIR", str(tmp_path / "rubrics"))
    yield from cli_env(db_url, tmp_path, monkeypatch)


def test_bonus_penalty_and_the_appraiser_s_own_item(cli: CliEnv, tmp_path: Path) -> None:
    cli.settings.rubric_dir = tmp_path / "rubrics"
    (tmp_path / "rubrics").mkdir()
    cli.ok("units", "import", SAMPLE)  # the 2022 tree the 2026 one merges
    cli.ok("units", "import", ROOT / "samples" / "units-hung-yen-2026.csv")
    table = docx_table(bonus_rubric(), tmp_path / "bang-diem-2026.docx")
    cli.ok("rubric", "import", table, "--id", "hung-yen-2026", "--year", "2026",
           "--province", "Hưng Yên", "--authority", "UBND tỉnh Hưng Yên", "--place", "Hưng Yên",
           "-o", tmp_path / "rubrics" / "hung-yen-2026.yaml")  # fmt: skip
    cli.ok("period", "create", "--year", "2026", "--rubric", "hung-yen-2026", "--authority",
           "HY25", "--submit-by", "2026-11-15", "--appraise-by", "2026-12-01",
           "--report-by", "2026-12-10")  # fmt: skip
    r = bonus_rubric()

    async def the_year(app: App) -> None:
        async with app.sessions() as s, s.begin():
            unit = await s.scalar(select(Unit).where(Unit.code == "HY25-PHUNGCONG"))
            province = await s.scalar(select(Unit).where(Unit.code == "HY25"))
            assert unit is not None and province is not None
            person = await people.add_person(s, OFFICER.display_name, "telegram", "9201")
            await people.grant(s, person.id, Role.OFFICER, unit.id)
            boss = await people.add_person(s, BOSS.display_name, "telegram", "9209")
            await people.grant(s, boss.id, Role.APPRAISER, province.id)
        chat = Chat(app.engine, OFFICER)
        await chat.command("start")  # straight to the first question
        asked, said = [], []
        while chat.last.target != "review":
            said.append(chat.text)
            kind, _, ref = (chat.last.target or "").partition(":")
            if kind == "score":
                asked.append(ref)
                await chat.say(score_key(r, ref, OWN[ref]))
            else:
                assert kind == "strengths" and ref in [c.id for c in r.scored_criteria()], kind
                await chat.say(f"Nội dung {kind} {ref}")  # a bonus or penalty has none
        assert asked == list(OWN)  # in the table's order, never VIII.2
        shown = "\n".join(said)
        assert "Mục VIII.2 do cơ quan thẩm định chấm, đơn vị không tự chấm." in shown
        assert "ĐIỂM THƯỞNG (tối đa 5 điểm)" in shown and "ĐIỂM TRỪ (tối đa 10 điểm)" in shown
        assert "Đồng chí chọn số điểm bị trừ (0 nếu không vi phạm" in shown
        assert "Câu 32/32 · Điểm trừ · Đã chấm 31/32" in shown  # the last question
        review = chat.text
        assert "IX. Điểm thưởng: +5 (tối đa 5) điểm" in review
        assert "X. Điểm trừ: −2 (tối đa 10) điểm" in review
        assert f"Tổng cộng: {pts(SELF_TOTAL)}/100 điểm" in review
        assert "(Chưa gồm 5 điểm của các mục do cơ quan thẩm định chấm.)" in review
        assert "Đã chấm đủ 32 mục." in review

        await chat.say("n")  # Nộp báo cáo
        steps = {"rating": "1", "signer_name": "Nguyễn Văn Thành", "signer_title": "Chủ tịch"}
        while chat.last.target in steps:
            await chat.say(steps[chat.last.target or ""])
        await chat.say("y")
        (report,) = [x.document for x in chat.replies if x.document is not None]
        document = Document(str(report))
        paragraphs = [p.text for p in document.paragraphs]
        assert "Điểm thưởng (tối đa 5 điểm): (5 điểm)" in paragraphs
        assert "Điểm trừ (tối đa 10 điểm): (−2 điểm)" in paragraphs
        assert "- Không gửi báo cáo đúng thời hạn: −2 điểm." in paragraphs
        assert any("(chưa gồm 5 điểm do cơ quan thẩm định chấm)" in p for p in paragraphs)
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        assert any(c.endswith("(Do cơ quan thẩm định chấm)") for c in cells)

        boss = Chat(app.engine, BOSS)
        await boss.send(Command("donvi"))
        assert f"UBND xã Phụng Công — 🔵 đã nộp · {pts(SELF_TOTAL)} điểm" in boss.text
        (n,) = [ln.split(".")[0] for ln in boss.text.splitlines() if "xã Phụng Công" in ln]
        (key,) = [b.key for row in boss.last.buttons for b in row if b.label == n]
        await boss.press(key, boss.last.target)
        assert "IX. Điểm thưởng: tự chấm +5 (tối đa 5)" in boss.text
        await boss.press("t", boss.last.target)  # ✍️ Thẩm định
        while boss.last.target and boss.last.target.startswith("a_item:"):
            item = boss.last.target.rsplit("-", 1)[1]
            if item == "VIII.2":  # nothing of the unit's own to take
                assert "Đơn vị tự chấm: không (mục do cơ quan thẩm định chấm)" in boss.text
                assert "k" not in [b.key for row in boss.last.buttons for b in row]
                await boss.say("2")  # tier 2: 3 points
            else:
                await boss.press("k", boss.last.target)  # the unit's own score
        assert (
            f"Tổng điểm thẩm định của UBND xã Phụng Công: {pts(SELF_TOTAL + 3)}/100." in boss.text
        )
        async with app.sessions() as s:
            a = await s.scalar(select(Assessment).where(Assessment.unit_id == unit.id))
            given = await s.scalar(
                select(Appraisal).where(
                    Appraisal.assessment_id == a.id, Appraisal.item_id == "VIII.2"
                )
            )
        assert a is not None and a.status == Status.SUBMITTED
        assert a.self_total == SELF_TOTAL  # what the report says, kept for the years after
        assert given is not None and given.score == 3
        await boss.press("1", boss.last.target)  # the suggested rating
        await boss.press("y", boss.last.target)  # ✅ Xác nhận kết quả
        async with app.sessions() as s:
            a = await s.get(Assessment, a.id)
        assert a is not None and a.status == Status.APPRAISED
        assert a.appraised_total == SELF_TOTAL + 3

        # the province's summary: a column for the bonus and for the penalty (taken off)
        paths = await district_files(
            app.sessions, app.engine.rubric_for, a.period_id, tmp_path / "tong-hop"
        )
        (xlsx,) = [p for p in paths if p.suffix == ".xlsx"]
        sheet = load_workbook(xlsx).worksheets[0]
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        head = next(r for r in rows if "Tổng tự chấm" in r)
        (mine,) = [r for r in rows if "UBND xã Phụng Công" in r]
        got = dict(zip(head, mine, strict=False))
        assert (got["Điểm thưởng tự chấm"], got["Điểm trừ tự chấm"]) == (5, -2)
        assert got["Tổng tự chấm"] == float(SELF_TOTAL)
        assert got["Tổng thẩm định"] == float(SELF_TOTAL + 3)
        (docx,) = [p for p in paths if p.suffix == ".docx"]
        cells = [c.text for t in Document(str(docx)).tables for r in t.rows for c in r.cells]
        assert "Thưởng, trừ\n(+5/ −10 đ)" in cells  # on paper, one column for both
        (paper,) = [r for t in Document(str(docx)).tables for r in t.rows
                    if "UBND xã Phụng Công" in r.cells[1].text]  # fmt: skip
        after = 5 + 2 * 8  # STT … Hạn nộp, then eight criteria's pairs: +5 − 2, self and given
        assert [c.text for c in paper.cells][after : after + 4] == [
            "3",
            "3",
            pts(SELF_TOTAL),
            pts(SELF_TOTAL + 3),
        ]

    cli.app(the_year)
