"""rubric.scoring: the Vietnamese number format of scores."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rubric.scoring import fmt


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("4.5"), "4,5"),
        (Decimal("12.00"), "12"),
        (Decimal("100"), "100"),
        (0, "0"),  # a template's sum over nothing scored
        (7, "7"),
        (None, ""),
    ],
)
def test_fmt(value: Decimal | int | None, shown: str) -> None:
    assert fmt(value) == shown
