"""Replies as plain Zalo text, and typed answers read back."""

from __future__ import annotations

import pytest

from bot.zalo.render import text_of, typed_key
from conversations.events import Button, Reply

NAV = [Button("b", "◀ Quay lại"), Button("s", "Bỏ qua ▶"), Button("m", "☰ Menu")]


def test_scores_are_one_line_and_navigation_the_last() -> None:
    reply = Reply("Mục I.1", [[Button(k, k) for k in "012"], NAV])
    assert text_of(reply).splitlines()[2:] == [
        "[0]   [1]   [2]",
        "b. ◀ Quay lại · s. Bỏ qua ▶ · m. ☰ Menu",
        "👉 Trả lời 0, 1 hoặc 2",
    ]


def test_choices_are_numbered_lines_and_tiers_lose_their_repeated_number() -> None:
    reply = Reply("Mức", [[Button("1", "1 · 7 điểm"), Button("2", "2 · 3 điểm")], NAV])
    lines = text_of(reply).splitlines()
    assert lines[2:4] == ["1. 7 điểm", "2. 3 điểm"]
    assert lines[-1] == "👉 Trả lời 1 hoặc 2"


def test_letter_choices_that_are_not_navigation_are_offered() -> None:
    reply = Reply("Xem lại", [[Button("1", "▶ Tiếp tục")], [Button("e", "✏️ Sửa"), NAV[2]]])
    assert text_of(reply).splitlines()[-1] == "👉 Trả lời 1 hoặc e"


def test_a_reply_without_choices_is_its_text() -> None:
    assert text_of(Reply("Đã lưu.")) == "Đã lưu."


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("2", "2"),
        ("2.", "2"),
        (" 2 ", "2"),
        ("2)", "2"),
        ("B.", "B"),
        ("4,5", "4,5"),
        ("2 điểm", "2 điểm"),
        ("12/KH-UBND", "12/KH-UBND"),
    ],
)
def test_typed_list_numbers_are_read_as_keys(typed: str, key: str) -> None:
    assert typed_key(typed) == key
