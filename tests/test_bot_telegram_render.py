"""Replies as Telegram messages: keyboards for a phone, long texts split, answers shown."""

from __future__ import annotations

from bot.telegram import callback, render
from conversations.events import Button, Reply


def test_keyboard_rows_and_callback_data() -> None:
    reply = Reply(
        "Chọn điểm",
        [[Button(str(n), str(n)) for n in range(4)], [Button("b", "◀ Quay lại")]],
        target="score:I.5",
        assessment_id=3,
    )
    markup = render.keyboard(reply)
    assert markup is not None
    rows = markup["inline_keyboard"]
    assert [len(r) for r in rows] == [4, 1]
    assert [b["text"] for b in rows[0]] == ["0", "1", "2", "3"]
    assert callback.decode(rows[1][0]["callback_data"]) is not None
    assert render.keyboard(Reply("no buttons")) is None


def test_long_texts_are_split_at_paragraphs() -> None:
    text = "\n\n".join(f"Đoạn {n}: " + "chữ " * 300 for n in range(6))
    parts = render.chunks(text, limit=4096)
    assert all(len(p) <= 4096 for p in parts) and len(parts) > 1
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


def test_chosen_answer_is_appended() -> None:
    assert render.chosen("I.1 …", "2").endswith("➡️ 2")
