"""A new year in the two-level government, end to end: a 2022 report of xã Cửu Cao (old
tree, huyện Văn Giang); Cửu Cao merged into xã Phụng Công under the province; a 2026 rubric
imported from the province's Word table with its items matched to 2022's; a 2026 period; the
new commune's officer starts from the predecessor's report (texts, narratives and files come
over, scores never), confirms every score, and submits. Or takes over one item at a time, on
the item's results step."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from docx import Document
from sqlalchemy import select

from bot.app import App
from bot.demo import ensure_demo
from conversations.events import Reply, Sender
from conversations.texts import msg
from rubric.loader import load_rubric
from storage import assessments, people
from storage.carry import ItemSource, Source
from storage.filestore import FileStore
from storage.models import (
    Answer,
    Assessment,
    AuditEvent,
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
from tests.test_conversations_statements import OFFICER_SCORE_PRESS, counted

OFFICER = Sender("telegram", "9101", "9101", "Cán bộ xã Phụng Công")
OLD_TEXT = "Năm 2022 đã tổ chức 4 hội nghị quán triệt"
PC_TEXT = "Phụng Công năm 2022 ban hành 2 kế hoạch: " + ", ".join(
    f"hội nghị đối thoại lần {n} với nhân dân về thủ tục hành chính" for n in range(1, 8)
)  # longer than a phone screen: shown shortened
PHOTO = b"\xff\xd8\xff\xe0 not really a photo, stored by content: "


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    monkeypatch.setenv("RUBRIC_DIR", str(tmp_path / "rubrics"))
    yield from cli_env(db_url, tmp_path, monkeypatch)


async def report_2022(app: App, code: str, text: str, file_name: str) -> None:
    """Unit ``code``'s 2022 report, appraised: I.1 scored 2, with ``text``, a photo (stored by
    its content, so each unit's differs) and a strength of criterion I."""
    async with app.sessions() as s, s.begin():
        demo = await ensure_demo(s)  # VG-CUUCAO under VG, with the 2022 period
        unit = demo if code == demo.code else await s.scalar(select(Unit).where(Unit.code == code))
        assert unit is not None
        a = (await assessments.current(s, unit.id)).assessment
        assert a is not None
        s.add(Answer(assessment_id=a.id, item_id="I.1", score=Decimal(2), results_text=text))
        s.add(CriterionNote(assessment_id=a.id, criterion_id="I", strengths="Làm tốt 2022"))
        stored = await FileStore(app.settings.evidence_dir).put_bytes(PHOTO + code.encode())
        s.add(
            Evidence(
                assessment_id=a.id, item_id="I.1", kind="photo", size=stored.size,
                original_name=file_name, mime_type="image/jpeg",
                sha256=stored.sha256, storage_key=stored.key,
            )
        )  # fmt: skip
        a.status, a.final_rating = Status.APPRAISED, "yeu"


def a_new_year(
    cli: CliEnv, tmp_path: Path, *, phung_cong: bool = False, unmapped: tuple[str, ...] = ()
) -> None:
    """Cửu Cao's 2022 report (and Phụng Công's, ``phung_cong``); the 2026 tree, Cửu Cao
    merged into the new xã Phụng Công (which succeeds the old one too); the 2026 rubric
    imported from the province's Word table with its items matched to 2022's (but
    ``unmapped``); the 2026 period."""
    cli.settings.rubric_dir = tmp_path / "rubrics"
    cli.app(lambda app: report_2022(app, "VG-CUUCAO", OLD_TEXT, "I.1-hoi-nghi.jpg"))
    cli.ok("units", "import", SAMPLE)  # the rest of the old tree
    if phung_cong:
        cli.app(lambda app: report_2022(app, "VG-PHUNGCONG", PC_TEXT, "I.1-phung-cong.jpg"))
    cli.ok("units", "import", ROOT / "samples" / "units-hung-yen-2026.csv")
    cli.ok("units", "merge", "VG-CUUCAO", "--into", "HY25-PHUNGCONG", "--on", "2025-07-01")
    (tmp_path / "rubrics").mkdir()
    table = docx_table(load_rubric("hung-yen-2022"), tmp_path / "bang-diem-2026.docx")
    made = tmp_path / "rubrics" / "hung-yen-2026.yaml"
    said = cli.ok("rubric", "import", table, "--id", "hung-yen-2026", "--year", "2026",
                  "--province", "Hưng Yên", "--authority", "UBND tỉnh Hưng Yên", "--place",
                  "Hưng Yên", "--from", "hung-yen-2022", "-o", made)  # fmt: skip
    assert "I.1 ← I.1" in said
    if unmapped:  # the province's table changed these items: they continue none of 2022's
        data = yaml.safe_load(made.read_text(encoding="utf-8"))
        for item_id in unmapped:
            del data["carries_from"]["items"][item_id]
        made.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cli.ok("period", "create", "--year", "2026", "--rubric", "hung-yen-2026", "--authority",
           "HY25", "--submit-by", "2026-11-15", "--appraise-by", "2026-12-01",
           "--report-by", "2026-12-10")  # fmt: skip


async def officer_of_phung_cong(app: App) -> Chat:
    """The new commune's officer, at the first question (where /start leads)."""
    async with app.sessions() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == "HY25-PHUNGCONG"))
        assert unit is not None
        person = await people.add_person(s, "Cán bộ xã Phụng Công", "telegram", "9101")
        await people.grant(s, person.id, Role.OFFICER, unit.id)
    chat = Chat(app.engine, OFFICER)
    await chat.command("start")
    return chat


async def draft_2026(app: App) -> Assessment:
    async with app.sessions() as s:
        (a,) = await s.scalars(
            select(Assessment).join(Period).join(Unit, Unit.id == Assessment.unit_id)
            .where(Period.year == 2026, Unit.code == "HY25-PHUNGCONG"))  # fmt: skip
        return a


def test_a_merged_commune_starts_2026_from_its_predecessor_s_2022_report(
    cli: CliEnv, tmp_path: Path
) -> None:
    a_new_year(cli, tmp_path)

    async def the_2026_report(app: App) -> None:
        chat = await officer_of_phung_cong(app)
        await chat.say("m")  # ☰ Menu
        menu = [b for row in chat.last.buttons for b in row]
        assert [b.label for b in menu if b.key == "c1"] == ["📋 Dùng lại năm 2022"]
        await chat.press("c1", chat.last.target)
        assert "Đã chép từ báo cáo năm 2022 của UBND xã Cửu Cao: 1 kết quả đạt được, " \
               "1 nhận xét, 1 tệp minh chứng" in chat.text  # fmt: skip
        a = await draft_2026(app)
        async with app.sessions() as s:
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
                await chat.say(score_key(r, item.id, SCORES[item.id]))
            assert chat.last.target == f"strengths:{criterion.id}", chat.text
            await chat.say("s" if criterion.id == "I" else f"Làm tốt {criterion.id}")  # I: 2022's
            await chat.say(f"Hạn chế {criterion.id}")  # on the question after
        await chat.command("xemlai")
        assert "quy định)\nNăm 2022 (UBND xã Cửu Cao): 2 điểm, Yếu\n" in chat.text  # own line
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


# -- one item at a time, on its question ------------------------------------------------
def buttons(reply: Reply) -> dict[str, str]:
    return {b.key: b.label for row in reply.buttons for b in row}


async def draft(app: App) -> dict[str, list[tuple[object, ...]]]:
    """What the 2026 draft holds: answers, narratives, files, the audit trail."""
    a = await draft_2026(app)
    queries = {
        "answers": select(Answer.item_id, Answer.score, Answer.results_text)
        .where(Answer.assessment_id == a.id)
        .order_by(Answer.item_id),
        "notes": select(CriterionNote.criterion_id, CriterionNote.strengths).where(
            CriterionNote.assessment_id == a.id
        ),
        "files": select(Evidence.item_id, Evidence.original_name, Evidence.sha256)
        .where(Evidence.assessment_id == a.id)
        .order_by(Evidence.id),
        "audit": select(AuditEvent.action, AuditEvent.target, AuditEvent.new)
        .where(AuditEvent.assessment_id == a.id)
        .order_by(AuditEvent.id),
    }
    async with app.sessions() as s:
        return {name: [tuple(row) for row in await s.execute(q)] for name, q in queries.items()}


async def set_status(app: App, status: Status) -> None:
    a = await draft_2026(app)
    async with app.sessions() as s, s.begin():
        found = await s.get(Assessment, a.id)
        assert found is not None
        found.status = status


def test_the_item_s_question_offers_its_answer_of_last_year(cli: CliEnv, tmp_path: Path) -> None:
    a_new_year(cli, tmp_path)

    async def one_item(app: App) -> None:
        chat = await officer_of_phung_cong(app)  # the first item's question
        assert chat.last.target == "score:I.1", chat.text
        assert "📋 Năm 2022 (UBND xã Cửu Cao) đã nêu: «Năm 2022 đã tổ chức 4 hội nghị quán " \
               "triệt», kèm 1 tệp minh chứng." in chat.last.text  # fmt: skip
        assert buttons(chat.last)["c1"] == "📋 Dùng lại năm 2022"
        before = await draft(app)

        await set_status(app, Status.SUBMITTED)  # meanwhile submitted (another officer)
        await chat.press("c1", "score:I.1")
        assert "đã nộp nên không thể thay đổi" in chat.text
        await set_status(app, Status.DRAFT)
        assert await draft(app) == before

        await chat.press("c1", "score:I.1")
        assert chat.text == (
            "📋 Đã chép sang mục I.1 từ báo cáo năm 2022 của UBND xã Cửu Cao: kết quả đạt được "
            "và 1 tệp minh chứng (điểm không chép)."
        )  # one line: the question, still open above, wants the score
        copied = await draft(app)
        assert copied["answers"] == [("I.1", None, OLD_TEXT)]  # never the score
        assert [f[:2] for f in copied["files"]] == [("I.1", "I.1-hoi-nghi.jpg")]
        assert copied["notes"] == []  # the criterion's narratives: from the menu only
        assert copied["audit"][len(before["audit"]) :] == [
            ("answer.results", "I.1", OLD_TEXT),
            ("assessment.carry", "I.1", "2022: UBND xã Cửu Cao"),
        ]
        await chat.press("c1", "score:I.1")  # the same button again: no longer offered
        assert chat.last.alert and "không còn hiệu lực" in chat.text
        assert await draft(app) == copied

        with counted(app.db) as statements:
            await chat.say("1")  # 1 point (2022's was 2); the next item's question
        assert chat.last.target == "score:I.2", chat.text
        # the next question's earlier answers cost one statement
        assert sum("lineage" in statement for statement in statements) == 1
        assert len(statements) <= OFFICER_SCORE_PRESS + 1, "\n".join(statements)
        after = await draft(app)
        assert after["answers"] == [("I.1", Decimal(1), OLD_TEXT)]  # the officer's score
        await chat.say("b")  # back to I.1: the officer's text now, no offer
        assert chat.last.target == "score:I.1" and "đã nêu" not in chat.last.text
        assert "c1" not in buttons(chat.last)
        await chat.press("c1", "score:I.1")  # forged: the screen has no such button
        assert chat.last.alert and "không còn hiệu lực" in chat.text
        assert await draft(app) == after

    cli.app(one_item)
    trail = cli.ok("audit", "--unit", "HY25-PHUNGCONG")
    (line,) = [x for x in trail.splitlines() if "dùng lại năm trước" in x]
    assert "I.1" in line and line.endswith("2022: UBND xã Cửu Cao")


def test_a_commune_of_two_predecessors_gets_a_button_for_each(cli: CliEnv, tmp_path: Path) -> None:
    a_new_year(cli, tmp_path, phung_cong=True)

    async def one_item(app: App) -> None:
        chat = await officer_of_phung_cong(app)  # the first item's question
        assert chat.last.target == "score:I.1", chat.text
        shown = chat.last.text
        assert "📋 Năm 2022 (UBND xã Cửu Cao) đã nêu: «Năm 2022 đã tổ chức 4 hội nghị quán " \
               "triệt», kèm 1 tệp minh chứng." in shown  # fmt: skip
        (line,) = [x for x in shown.splitlines() if "(UBND xã Phụng Công) đã nêu" in x]
        excerpt = line.split("«")[1].split("»")[0]
        assert PC_TEXT.startswith(excerpt.removesuffix("…")) and excerpt.endswith("…")
        assert len(excerpt) <= 300 < len(PC_TEXT)  # shortened for a phone
        offered = {k: v for k, v in buttons(chat.last).items() if k.startswith("c")}
        assert offered == {
            "c1": "📋 Dùng lại năm 2022: Cửu Cao",
            "c2": "📋 Dùng lại năm 2022: Phụng Công",
        }
        before = await draft(app)
        await chat.press("c3", "score:I.1")  # forged: two reports, two buttons
        assert chat.last.alert and "không còn hiệu lực" in chat.text
        assert await draft(app) == before

        await chat.press("c2", "score:I.1")
        assert "từ báo cáo năm 2022 của UBND xã Phụng Công: kết quả đạt được và 1 tệp" in chat.text
        after = await draft(app)
        assert after["answers"] == [("I.1", None, PC_TEXT)]  # the whole text; no score
        assert [f[:2] for f in after["files"]] == [("I.1", "I.1-phung-cong.jpg")]

    cli.app(one_item)


def test_an_item_matched_to_none_of_last_year_s_offers_nothing(cli: CliEnv, tmp_path: Path) -> None:
    a_new_year(cli, tmp_path, unmapped=("I.1",))

    async def one_item(app: App) -> None:
        chat = await officer_of_phung_cong(app)  # the first item's question
        assert chat.last.target == "score:I.1", chat.text
        assert "đã nêu" not in chat.last.text and OLD_TEXT not in chat.last.text
        assert "c1" not in buttons(chat.last)
        await chat.say("m")
        assert buttons(chat.last)["c1"] == "📋 Dùng lại năm 2022"  # the report is there
        await chat.say("1")  # ▶ Tiếp tục
        before = await draft(app)
        await chat.press("c1", "score:I.1")  # forged
        assert chat.last.alert and "không còn hiệu lực" in chat.text
        assert await draft(app) == before and before["answers"] == []

    cli.app(one_item)


def test_a_report_with_files_only_offers_its_files() -> None:
    item = load_rubric("hung-yen-2022").item("I.1")
    source = Source(1, "UBND xã Cửu Cao", 2022, "hung-yen-2022")
    offers = [ItemSource(source, None, 2), ItemSource(source, "Đã tổ chức\n  2 hội nghị", 0)]
    shown = msg("carry_item_offer", offers=offers, named=False, item=item).splitlines()
    assert shown[:2] == [
        "📋 Năm 2022 có 2 tệp minh chứng (không ghi kết quả đạt được).",
        "📋 Năm 2022 đã nêu: «Đã tổ chức 2 hội nghị».",  # on one line
    ]
