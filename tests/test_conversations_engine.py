"""The officer's conversation, driven through the engine on every database backend."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.events import Choice, FileUpload, Sender, Start, Text
from rubric.scoring import fmt
from storage import people
from storage.models import Answer, Assessment, AuditEvent, Role, Status, Unit
from tests.support import Chat, make_engine, rubric, score_key, setup_demo, snapshot

# Scores the officer gives: (item -> points). Tiered items give one tier's points.
SCORES: dict[str, float] = {
    **{f"I.{n}": 2 for n in range(1, 5)},
    "I.5": 5.5,
    "II.1": 5,
    "II.2": 4,
    **{f"III.{n}": 1 for n in range(1, 9)},
    "IV.1": 7,
    "IV.2": 3,
    "IV.3": 6.5,
    "IV.4": 3,
    "V.1": 3,
    "V.2": 2,
    "VI.1": 5,
    "VI.2": 5,
    "VII.1": 4,
    "VII.2": 3,
    "VII.3": 2,
    "VIII.1": 5,
    "VIII.2": 3,
}
TOTAL = Decimal(str(sum(SCORES.values())))


@pytest.fixture
async def chat(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> Chat:
    await setup_demo(sessionmaker)
    chat = Chat(make_engine(sessionmaker, tmp_path))
    await chat.command("start")
    return chat


async def answer_everything(chat: Chat) -> None:
    """From the first question (where /start leads): each score, then its results typed on the
    next question (the item just scored); a criterion's last item's results named ("I.5: …")
    on its strengths question; the shortcomings typed on the question after the strengths."""
    r = rubric()
    for criterion in r.criteria:
        for item in criterion.items:
            await chat.say(score_key(r, item.id, SCORES[item.id]))
            assert chat.text.startswith(f"✔️ {item.id}: "), chat.text  # and the next question
            last = item == criterion.items[-1]
            await chat.say(
                f"{item.id}: Kết quả mục {item.id}" if last else f"Kết quả mục {item.id}"
            )
        assert chat.text == f"✔️ Đã lưu «Kết quả đạt được» (mục {item.id}).", chat.text
        await chat.say(f"Làm tốt tiêu chí {criterion.id}")
        await chat.say(f"Hạn chế tiêu chí {criterion.id}")


async def test_whole_questionnaire_is_answered_reviewed_and_submitted(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answer_everything(chat)
    assert chat.text == "✔️ Đã lưu «Những mặt còn hạn chế» (Tiêu chí số 8)."  # on the review
    await chat.command("xemlai")
    assert chat.last.target == "review"
    assert f"Tổng cộng: {fmt(TOTAL)}/100" in chat.text
    assert [b.label for b in chat.last.buttons[0]] == ["📤 Nộp báo cáo", "✏️ Sửa một mục"]
    assert "Đã chấm đủ 28 mục" in chat.text
    await chat.say("n")  # Nộp báo cáo
    assert chat.last.target == "rating"
    assert "Tốt (gợi ý)" in [b.label for row in chat.last.buttons for b in row]
    await chat.say("1")
    assert chat.last.target == "confirm"
    await chat.say("y")
    documents = [r.document for r in chat.replies if r.document]
    assert len(documents) == 1 and documents[0].exists()
    async with sessionmaker() as s:
        assessment = await s.scalar(select(Assessment))
        assert assessment is not None
        assert assessment.status == Status.SUBMITTED
        assert assessment.proposed_rating == "tot"
        answers = {a.item_id: a for a in await s.scalars(select(Answer))}
    assert len(answers) == 28
    assert sum(a.score for a in answers.values()) == TOTAL
    assert answers["IV.4"].choice_id == "IV.4.2"
    assert answers["I.5"].results_text == "Kết quả mục I.5"


async def test_every_question_shows_progress(chat: Chat) -> None:
    assert "Câu 1/28 · Tiêu chí 1/8" in chat.last.text  # /start: straight to the question
    assert "TIÊU CHÍ SỐ 1/8 (14 điểm)" in chat.text  # the criterion's intro
    assert "· đã chấm 0/28 mục · hạn nộp 15/11/2022" in chat.text  # where the unit stands
    await chat.say("2")
    assert "Câu 2/28 · Tiêu chí 1/8 · Đã chấm 1/28" in chat.last.text  # the next one at once


@pytest.mark.parametrize(
    ("item_id", "typed"),
    [
        ("I.1", "3"),  # above the maximum of 2
        ("I.1", "-1"),  # negative
        ("I.1", "hai"),  # not a number
        ("I.1", "1,3"),  # not on the 0.5 step
        ("I.1", ""),  # empty line
        ("IV.1", "4"),  # a tier that does not exist
        ("IV.1", "0"),
    ],
)
async def test_bad_score_is_explained_and_changes_nothing(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession], item_id: str, typed: str
) -> None:
    if item_id != "I.1":
        await go_to(chat, item_id)
    before = await snapshot(sessionmaker)
    await chat.say(typed)
    assert chat.text.startswith("⚠️"), chat.text
    assert await snapshot(sessionmaker) == before
    assert len(chat.replies) == 1  # the message, no new question


async def go_to(chat: Chat, item_id: str) -> None:
    """Jump to an item through the review screen (edit)."""
    await chat.command("xemlai")
    await chat.say(item_id)
    assert chat.last.target == f"score:{item_id}"


async def test_empty_results_text_is_refused(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await chat.say("2")  # I.1: the blank line below would be its results
    before = await snapshot(sessionmaker)
    await chat.say("   ")
    assert "chưa nhập nội dung" in chat.text
    assert await snapshot(sessionmaker) == before


async def test_back_skip_and_menu(chat: Chat) -> None:
    await chat.say("s")  # skip I.1's score
    assert chat.last.target == "score:I.2"
    await chat.say("b")
    assert chat.last.target == "score:I.1"
    await chat.say("b")  # before the first question: the menu
    assert chat.last.target == "menu"
    await chat.say("1")
    assert chat.last.target == "score:I.1"
    await chat.say("m")
    assert chat.last.target == "menu"


async def test_edit_from_review_returns_to_review(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await go_to(chat, "III.4")
    await chat.say("Đã kiện toàn bộ máy")  # before its score: not yet an answer to attach to
    assert chat.text.startswith("⚠️ Mục III.4 cần chấm điểm trước")
    await chat.say("1,5")
    assert chat.last.target == "review"
    await chat.say("III.4: Đã kiện toàn bộ máy")  # the results, naming the item
    assert chat.text == "✔️ Đã lưu «Kết quả đạt được» (mục III.4)."
    await chat.say("e")
    await chat.say("4")  # Tiêu chí 4
    await chat.say("1")  # IV.1
    await chat.say("2")  # tier 2
    assert chat.last.target == "review"
    async with sessionmaker() as s:
        answers = {a.item_id: a for a in await s.scalars(select(Answer))}
    assert answers["III.4"].score == Decimal("1.5")
    assert (answers["IV.1"].score, answers["IV.1"].choice_id) == (Decimal(3), "IV.1.2")
    assert answers["III.4"].results_text == "Đã kiện toàn bộ máy"


async def test_submission_is_refused_while_items_are_empty(chat: Chat) -> None:
    await chat.say("m")  # ☰ Menu
    await chat.say("3")  # Nộp báo cáo from the menu
    assert "Chưa thể nộp: còn 28 mục" in chat.text
    assert chat.replies[-1].target != "confirm"


async def test_after_submission_everything_is_locked(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answer_everything(chat)
    for key in ("n", "1", "y"):
        await chat.say(key)
    before = await snapshot(sessionmaker)
    for attempt in (
        chat.say("2"),
        chat.press("1", target="score:I.1"),
        chat.command("tieptuc"),
        chat.command("xemlai"),
        chat.say("/huy"),
    ):
        await attempt
        assert "🔒" in chat.text, chat.text
    assert await snapshot(sessionmaker) == before
    await chat.command("baocao")
    assert any(r.document for r in chat.replies)


async def test_old_score_button_still_answers_its_item(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await chat.say("2")  # I.1 = 2, now at I.2
    await chat.press("1", target="score:I.1")  # the old message's button
    assert chat.last.target == "score:I.2"
    before = await snapshot(sessionmaker)
    assert ("I.1", Decimal(1), None, None) in before["answers"]
    await chat.press("x", target="evidence:I.1")  # a step of an earlier version: never valid
    assert chat.replies[0].alert
    assert await snapshot(sessionmaker) == before


async def test_a_new_engine_continues_where_the_person_stopped(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await chat.say("2")
    await chat.say("Đã ban hành kế hoạch")
    restarted = Chat(make_engine(sessionmaker, tmp_path))
    await restarted.command("tieptuc")
    assert restarted.last.target == "score:I.2"
    await restarted.say("Ban hành ngày 10/01")  # still the item just scored
    async with sessionmaker() as s:
        answer = await s.scalar(select(Answer).where(Answer.item_id == "I.1"))
    assert answer is not None and answer.results_text == "Ban hành ngày 10/01"


async def test_files_are_attached_once(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    upload = FileUpload("ab/cd/" + "a" * 64, "a" * 64, 10, "kh.pdf", "application/pdf", "document")
    await chat.say("2")
    await chat.send(upload)  # a file after I.1's score: I.1's
    assert "Đã nhận tệp «kh.pdf» cho mục I.1" in chat.text
    assert len(chat.replies) == 1  # one line; the question asked (I.2) stays open above
    await chat.send(upload)
    assert "đã được đính kèm" in chat.text
    assert len((await snapshot(sessionmaker))["evidence"]) == 1


async def test_strangers_and_invites(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_demo(sessionmaker)
    stranger = Chat(make_engine(sessionmaker, tmp_path), Sender("telegram", "42"))
    await stranger.command("start")
    assert "chưa được cấp quyền" in stranger.text
    await stranger.send(Start("bad-token"))
    assert "Mã mời không hợp lệ" in stranger.text
    async with sessionmaker() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
        assert unit is not None
        token = (await people.create_invite(s, Role.OFFICER, unit.id)).token
    await stranger.send(Start(token))
    assert "Chào mừng đồng chí" in stranger.text
    assert stranger.last.target == "score:I.1"  # straight to the first question
    other = Chat(stranger.engine, Sender("telegram", "43"))
    await other.send(Start(token))  # one-time
    assert "Mã mời không hợp lệ" in other.text
    async with sessionmaker() as s:
        assert await s.scalar(select(AuditEvent)) is None  # nothing answered yet


async def test_a_button_of_another_assessment_changes_nothing(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await snapshot(sessionmaker)
    await chat.send(Choice("2", target="score:I.1", assessment_id=999))
    assert chat.replies[0].alert and len(chat.replies) == 1
    assert await snapshot(sessionmaker) == before


async def test_a_redelivered_update_is_handled_once(
    chat: Chat, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    first = await chat.engine.handle(chat.sender, Text("1"), update_key="77")
    assert first[-1].target == "score:I.2"
    before = await snapshot(sessionmaker)
    again = await chat.engine.handle(chat.sender, Text("2"), update_key="77")
    assert [r.target for r in again] == ["score:I.2"]  # the current question, not silence
    assert again[0].text == first[-1].text
    assert await snapshot(sessionmaker) == before


async def test_a_passed_deadline_is_told_once(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_demo(sessionmaker)  # the 2022 period: submit by 15/11/2022, long past
    chat = Chat(make_engine(sessionmaker, tmp_path))
    await chat.command("start")
    told = [r.text for r in chat.replies if r.text.startswith("⏰")]
    assert len(told) == 1 and "Hạn nộp báo cáo tự đánh giá (15/11/2022) đã qua" in told[0]
    assert "«nộp muộn»" in told[0] and "vẫn hoàn thành và nộp được" in told[0]
    await chat.say("2")
    await chat.command("start")
    restarted = Chat(make_engine(sessionmaker, tmp_path))  # nor after a restart
    await restarted.command("tieptuc")
    assert not any(r.text.startswith("⏰") for r in [*chat.replies, *restarted.replies])
