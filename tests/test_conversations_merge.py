"""Notices join the question that follows them; nothing else is merged."""

from __future__ import annotations

from pathlib import Path

from conversations.events import Button, Recipient, Reply
from conversations.merge import merge_notices

QUESTION = Reply("I.2. Câu hỏi", [[Button("1", "1")]], target="score:I.2")


def test_a_notice_travels_with_the_next_question() -> None:
    merged = merge_notices([Reply("✔️ I.1: 2/2 điểm."), QUESTION], 4096)
    assert len(merged) == 1
    assert merged[0].text == "✔️ I.1: 2/2 điểm.\n\nI.2. Câu hỏi"
    assert merged[0].buttons == QUESTION.buttons and merged[0].target == "score:I.2"


def test_what_must_stay_apart_stays_apart() -> None:
    other = Reply("Đơn vị đã nộp.", recipient=Recipient("telegram", "9"))
    document = Reply("Báo cáo", document=Path("a.docx"))
    alert = Reply("Nút đã cũ", alert=True)
    for second in (other, document, alert):
        assert len(merge_notices([Reply("✔️ Đã lưu."), second], 4096)) == 2
    too_long = merge_notices([Reply("x" * 3000), Reply("y" * 2000)], 4096)
    assert [len(r.text) for r in too_long] == [3000, 2000]
    assert merge_notices([Reply("a"), Reply("b")], 4096)[0].text == "a\n\nb"
    assert merge_notices([], 10) == []
