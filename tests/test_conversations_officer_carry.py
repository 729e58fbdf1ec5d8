"""A new year in the two-level government, end to end: a 2022 report of xã Cửu Cao (old
tree, huyện Văn Giang); Cửu Cao merged into xã Phụng Công under the province; a 2026 rubric
imported from the province's Word table with its items matched to 2022's; a 2026 period; the
new commune's officer starts from the predecessor's report (texts, narratives and files come
over, scores never), confirms every score, and submits."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from bot.app import App
from bot.demo import ensure_demo
from conversations.events import Sender
from rubric.loader import load_rubric
from storage import assessments, people
from storage.filestore import FileStore
from storage.models import (
    Answer,
    Assessment,
    CriterionNote,
    Evidence,
    Period,
    Role,
    Status,
    Unit,
)
from tests.scoring_tables import docx_table
from tests.support import Chat, score_key
from tests.test_bot_cli_units import ROOT, SAMPLE, CliEnv, cli_env
from tests.test_conversations_engine import SCORES

OFFICER = Sender("telegram", "9101", "9101", "Cán bộ xã Phụng Công")
OLD_TEXT = "Năm 2022 đã tổ chức 4 hội nghị quán triệt"
PHOTO = b"\xff\xd8\xff\xe0 not really a photo, stored by content"


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    monkeypatch.setenv("RUBRIC_DIR", str(tmp_path / "rubrics"))
    yield from cli_env(db_url, tmp_path, monkeypatch)


def a_new_year(cli: CliEnv, tmp_path: Path) -> None:
    """Cửu Cao's 2022 report (appraised, rated Yếu) with a results text, a narrative and a file;
    the 2026 tree with Cửu Cao merged into Phụng Công (as is the old Phụng Công); the 2026 rubric
    imported with its items matched to 2022's, and the province's 2026 period."""
    cli.settings.rubric_dir = tmp_path / "rubrics"

    async def the_2022_report(app: App) -> None:
        async with app.sessions() as s, s.begin():
            commune = await ensure_demo(s)  # VG-CUUCAO under VG, with the 2022 period
            a = (await assessments.current(s, commune.id)).assessment
            assert a is not None
            s.add(
                Answer(assessment_id=a.id, item_id="I.1", score=Decimal(2), results_text=OLD_TEXT)
            )
            s.add(CriterionNote(assessment_id=a.id, criterion_id="I", strengths="Làm tốt 2022"))
            stored = await FileStore(app.settings.evidence_dir).put_bytes(PHOTO)
            s.add(
                Evidence(
                    assessment_id=a.id, item_id="I.1", kind="photo", size=stored.size,
                    original_name="I.1-hoi-nghi.jpg", mime_type="image/jpeg",
                    sha256=stored.sha256, storage_key=stored.key,
                )
            )  # fmt: skip
            a.status, a.final_rating = Status.APPRAISED, "yeu"

    cli.app(the_2022_report)
    cli.ok("units", "import", SAMPLE)  # the rest of the old tree
    cli.ok("units", "import", ROOT / "samples" / "units-hung-yen-2026.csv")
    cli.ok("units", "merge", "VG-CUUCAO", "--into", "HY25-PHUNGCONG", "--on", "2025-07-01")
    (tmp_path / "rubrics").mkdir()
    table = docx_table(load_rubric("hung-yen-2022"), tmp_path / "bang-diem-2026.docx")
    said = cli.ok("rubric", "import", table, "--id", "hung-yen-2026", "--year", "2026",
                  "--province", "Hưng Yên", "--authority", "UBND tỉnh Hưng Yên", "--place",
                  "Hưng Yên", "--from", "hung-yen-2022",
                  "-o", tmp_path / "rubrics" / "hung-yen-2026.yaml")  # fmt: skip
    assert "I.1 ← I.1" in said
    cli.ok("period", "create", "--year", "2026", "--rubric", "hung-yen-2026", "--authority",
           "HY25", "--submit-by", "2026-11-15", "--appraise-by", "2026-12-01",
           "--report-by", "2026-12-10")  # fmt: skip


def test_a_merged_commune_starts_2026_from_its_predecessor_s_2022_report(
    cli: CliEnv, tmp_path: Path
) -> None:
    a_new_year(cli, tmp_path)

    async def the_2026_report(app: App) -> None:
        async with app.sessions() as s, s.begin():
            unit = await s.scalar(select(Unit).where(Unit.code == "HY25-PHUNGCONG"))
            assert unit is not None
            person = await people.add_person(s, "Cán bộ xã Phụng Công", "telegram", "9101")
            await people.grant(s, person.id, Role.OFFICER, unit.id)
        chat = Chat(app.engine, OFFICER)
        await chat.command("start")
        menu = [b for row in chat.last.buttons for b in row]
        assert [b.label for b in menu if b.key == "c1"] == ["📋 Dùng lại năm 2022"]
        await chat.press("c1", chat.last.target)
        assert "Đã chép từ báo cáo năm 2022 của UBND xã Cửu Cao: 1 kết quả đạt được, " \
               "1 nhận xét, 1 tệp minh chứng" in chat.text  # fmt: skip
        async with app.sessions() as s:
            (a,) = await s.scalars(
                select(Assessment).join(Period).where(Period.year == 2026,
                Assessment.unit_id == unit.id))  # fmt: skip
            got = {
                x.item_id: x
                for x in await s.scalars(select(Answer).where(Answer.assessment_id == a.id))
            }
            files = list(await s.scalars(select(Evidence).where(Evidence.assessment_id == a.id)))
        assert got["I.1"].results_text == OLD_TEXT and got["I.1"].score is None  # never the score
        assert [f.original_name for f in files] == ["I.1-hoi-nghi.jpg"]
        await chat.press("c1", chat.last.target)  # twice: nothing over what is there
        assert "0 kết quả đạt được, 0 nhận xét, 0 tệp minh chứng" in chat.text

        r = load_rubric("hung-yen-2022")
        await chat.say("1")  # ▶ Tiếp tục
        for criterion in r.criteria:
            for item in criterion.items:
                assert chat.last.target == f"score:{item.id}", chat.text
                await chat.say(score_key(r, item.id, SCORES[item.id]))
                await chat.say("s")  # keep the text (2022's for I.2) or skip
                await chat.say("x")  # no more files
            await chat.say("s" if criterion.id == "I" else f"Làm tốt {criterion.id}")
            await chat.say(f"Hạn chế {criterion.id}")
        assert chat.last.target == "review"
        assert "Năm 2022 (UBND xã Cửu Cao): 2 điểm, Yếu\n" in chat.text  # beside this year's
        await chat.say("n")  # Nộp báo cáo
        steps = {"rating": "1", "signer_name": "Nguyễn Văn Thành", "signer_title": "Chủ tịch"}
        asked = []
        while chat.last.target in steps:  # the new commune's signer is not known yet
            asked.append(chat.last.target)
            await chat.say(steps[chat.last.target or ""])
        assert sorted(asked) == sorted(steps) and chat.last.target == "confirm", chat.text
        await chat.say("y")
        (report,) = [r.document for r in chat.replies if r.document is not None]
        document = Document(str(report))
        cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
        text = "\n".join([*(p.text for p in document.paragraphs), *cells])
        assert "Kết quả năm 2022 (UBND xã Cửu Cao): 2 điểm, xếp loại Yếu." in text
        assert OLD_TEXT in text  # the texts taken over are this year's report's now
        async with app.sessions() as s:
            a = await s.get(Assessment, a.id)
            assert a is not None and a.status == Status.SUBMITTED

    cli.app(the_2026_report)
