"""rubric.scoring: the Vietnamese number format of scores; totals with a bonus, a penalty and
items only the appraising body scores."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rubric.model import Rubric
from rubric.scoring import fmt, subtotal, total, unanswered
from rubric.validate import validate
from tests.scoring_tables import bonus_rubric


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


# -- bonus, penalty and items only the appraising body scores ------------------
def _full_marks(rubric: Rubric) -> dict[str, Decimal | None]:
    return {i.id: i.max_points for c in rubric.scored_criteria() for i in c.items}


def test_a_bonus_adds_up_to_its_cap_a_penalty_takes_off_up_to_its_cap() -> None:
    r = bonus_rubric()
    scores = {**_full_marks(r), "IX.1": Decimal(2), "IX.2": Decimal(3)}
    bonus, penalty = r.criteria[-2:]
    assert subtotal(bonus, scores) == 5 and total(r, scores) == 105
    scores |= {"X.1": Decimal(5), "X.2": Decimal(5), "X.3": Decimal(2)}  # 12, capped at 10
    assert subtotal(penalty, scores) == 10 and total(r, scores) == 95


def test_a_total_is_never_below_zero() -> None:
    r = bonus_rubric()
    assert total(r, {"X.1": Decimal(5), "X.2": Decimal(5)}) == 0


def test_the_unit_does_not_owe_what_only_the_appraising_body_scores() -> None:
    r = bonus_rubric()
    scores = {i.id: Decimal(0) for i in r.unit_items()}
    assert unanswered(r, scores) == []
    assert [i.id for i in unanswered(r, scores, appraiser=True)] == ["VIII.2"]
    assert r.appraiser_points() == 5 and "VIII.2" not in [i.id for i in r.unit_items()]


def test_the_checker_leaves_a_bonus_out_of_the_total_and_wants_its_cap() -> None:
    data = bonus_rubric().model_dump(mode="json")
    assert validate(data) == []  # 100 points without the bonus's 5
    data["criteria"][-2]["max_points"] = 0
    assert [str(p) for p in validate(data)] == [
        "criteria[IX]: IX: mức tối đa (max_points) của điểm thưởng, điểm trừ phải lớn hơn 0."
    ]
    data["criteria"][-2]["kind"] = "extra"
    assert "phải là một trong các giá trị: 'score', 'bonus' hoặc 'penalty'" in str(validate(data))
