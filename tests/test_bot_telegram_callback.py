"""Callback data: short ASCII, round-trips, and anything forged decodes to nothing."""

from __future__ import annotations

import random

import pytest

from bot.telegram import callback
from conversations.events import Choice


def test_round_trip_and_size() -> None:
    data = callback.encode(123456, "edit_criterion:VIII", "n")
    assert data.isascii() and len(data.encode()) <= 64
    assert callback.decode(data) == Choice("n", "edit_criterion:VIII", 123456)
    assert callback.decode(callback.encode(7, "score:IV.1", "3")) == Choice("3", "score:IV.1", 7)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "2|1|score:I.1|2",  # unknown format version
        "1|x|score:I.1|2",
        "1|1|score:I.1|",
        "1|1|score:I.1|2|extra",
        "1|1|SCORE:I.1|2",
        "1|1|score:I.1;drop|2",
        "1|" + "9" * 70 + "|menu|1",
        random.Random(7).randbytes(64).decode("latin-1"),  # fixed: same ids on every worker
    ],
)
def test_forged_data_is_refused(data: str | None) -> None:
    assert callback.decode(data) is None


def test_unencodable_buttons_fail_loudly() -> None:
    with pytest.raises(ValueError):
        callback.encode(1, "score:I.1", "quá dài và có dấu")
