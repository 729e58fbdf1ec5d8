"""Each rule of rubric.validate, on the shipped data with one thing broken."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from rubric.loader import DATA_DIR, load_rubric
from rubric.validate import Problem, validate

FIXTURES = Path(__file__).parent / "fixtures" / "rubrics"


@cache
def _shipped() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "hung-yen-2022.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def raw() -> dict[str, Any]:
    return copy.deepcopy(_shipped())


def crit(raw: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in raw["criteria"] if c["id"] == cid)


def item(raw: dict[str, Any], iid: str) -> dict[str, Any]:
    return next(i for c in raw["criteria"] for i in c["items"] if i["id"] == iid)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_shipped_rubric_is_valid(raw: dict[str, Any]) -> None:
    assert validate(raw) == []
    assert validate(load_rubric("hung-yen-2022")) == []
    assert validate(yaml.safe_load((FIXTURES / "mini.yaml").read_text(encoding="utf-8"))) == []


def test_not_a_mapping() -> None:
    assert only(validate(["a"])).location == "rubric"  # type: ignore[arg-type]


# -- schema errors carry id-based locations ----------------------------------------------


def test_missing_item_label_is_located_by_item_id(raw: dict[str, Any]) -> None:
    del item(raw, "IV.2")["label"]
    p = only(validate(raw))
    assert p.location == "IV.2"
    assert "label" in p.message and "thiếu" in p.message


def test_bad_choice_points_is_located_by_choice_id(raw: dict[str, Any]) -> None:
    item(raw, "IV.1")["choices"][1]["points"] = "ba"
    p = only(validate(raw))
    assert p.location == "IV.1.2"
    assert "points" in p.message and "số" in p.message


def test_unknown_field_and_bad_type(raw: dict[str, Any]) -> None:
    crit(raw, "III")["maxpoints"] = 15
    item(raw, "V.1")["type"] = "text"
    raw["ratings"]["confirmed"] = "có lẽ"
    locations = {p.location for p in validate(raw)}
    assert locations == {"criteria[III]", "V.1", "ratings"}


def test_missing_top_level_section(raw: dict[str, Any]) -> None:
    del raw["document"]
    p = only(validate(raw))
    assert p.location == "rubric" and "document" in p.message


def test_item_without_id_falls_back_to_index(raw: dict[str, Any]) -> None:
    del item(raw, "II.2")["id"]
    problems = validate(raw)
    assert [p.location for p in problems] == ["criteria[II].items[1]"]


# -- rules ---------------------------------------------------------------------------------


def test_item_points_must_add_up(raw: dict[str, Any]) -> None:
    item(raw, "IV.3")["max_points"] = 6
    item(raw, "IV.3")["constraint_message"] = "Điểm phải từ 0 đến 6, bước 0,5 điểm."
    p = only(validate(raw))
    assert p.location == "criteria[IV]"
    assert p.message == "Tiêu chí IV: tổng điểm các mục là 22 nhưng thang điểm tiêu chí là 23."


def test_criteria_must_add_up_to_total(raw: dict[str, Any]) -> None:
    raw["total_points"] = 99
    p = only(validate(raw))
    assert p.location == "rubric" and "100" in p.message and "99" in p.message


def test_duplicate_ids(raw: dict[str, Any]) -> None:
    crit(raw, "VIII")["id"] = "VII"
    problems = validate(raw)
    assert Problem("criteria[VII]", "Mã tiêu chí 'VII' bị trùng.") in problems
    # VIII.1 and VIII.2 no longer start with their criterion's id.
    assert {p.location for p in problems if "phải bắt đầu" in p.message} == {"VIII.1", "VIII.2"}


def test_duplicate_item_and_choice_ids(raw: dict[str, Any]) -> None:
    item(raw, "I.2")["id"] = "I.1"
    item(raw, "V.2")["choices"][2]["id"] = "V.2.1"
    problems = validate(raw)
    assert Problem("I.1", "Mã mục 'I.1' bị trùng.") in problems
    assert Problem("V.2.1", "Mã mức chấm 'V.2.1' bị trùng.") in problems
    assert len(problems) == 2


def test_item_id_prefix(raw: dict[str, Any]) -> None:
    item(raw, "II.1")["id"] = "III.9"
    p = only(validate(raw))
    assert p.location == "III.9" and "'II.'" in p.message


def test_choice_id_prefix(raw: dict[str, Any]) -> None:
    item(raw, "IV.4")["choices"][0]["id"] = "IV.1.9"
    p = only(validate(raw))
    assert p.location == "IV.1.9" and "'IV.4.'" in p.message


def test_tiered_needs_two_choices(raw: dict[str, Any]) -> None:
    item(raw, "V.2")["choices"] = item(raw, "V.2")["choices"][:1]
    p = only(validate(raw))
    assert p.location == "V.2" and "ít nhất 2" in p.message


def test_best_choice_equals_max(raw: dict[str, Any]) -> None:
    item(raw, "VIII.2")["choices"][0]["points"] = 4
    p = only(validate(raw))
    assert p.location == "VIII.2" and "4" in p.message and "5" in p.message


def test_choice_within_range_and_step(raw: dict[str, Any]) -> None:
    item(raw, "IV.1")["choices"][1]["points"] = 8
    item(raw, "IV.1")["choices"][2]["points"] = -1
    item(raw, "IV.4")["choices"][1]["points"] = "2.25"
    problems = validate(raw)
    locations = [p.location for p in problems]
    assert "IV.1.2" in locations and "IV.1.3" in locations and "IV.4.2" in locations
    # 8 is also the best choice now, above the item's maximum of 7.
    assert "IV.1" in locations


def test_decimal_item_has_no_choices(raw: dict[str, Any]) -> None:
    item(raw, "I.1")["choices"] = copy.deepcopy(item(raw, "IV.1")["choices"])
    problems = validate(raw)
    assert any(p.location == "I.1" and "không được có mức chấm" in p.message for p in problems)


def test_max_points_on_step(raw: dict[str, Any]) -> None:
    raw["score_step"] = 1
    item(raw, "III.1")["max_points"] = 1.5
    item(raw, "III.2")["max_points"] = 2.5
    problems = validate(raw)
    assert {p.location for p in problems} == {"III.1", "III.2"}
    assert all("bước" in p.message for p in problems)


def test_nonpositive_step(raw: dict[str, Any]) -> None:
    raw["score_step"] = 0
    assert only(validate(raw)).location == "rubric"


def test_bands_ordered_best_to_worst(raw: dict[str, Any]) -> None:
    bands = raw["ratings"]["bands"]
    bands[0], bands[1] = bands[1], bands[0]
    p = only(validate(raw))
    assert p.location == "ratings" and "cao xuống thấp" in p.message


def test_bands_cover_zero_to_total(raw: dict[str, Any]) -> None:
    raw["ratings"]["bands"][-1]["min_points"] = 10
    raw["ratings"]["bands"][0]["min_points"] = 101
    messages = [p.message for p in validate(raw)]
    assert len(messages) == 2
    assert any("từ 0 điểm" in m for m in messages)
    assert any("101" in m and "100" in m for m in messages)


def test_duplicate_band_codes_and_narratives(raw: dict[str, Any]) -> None:
    raw["ratings"]["bands"][1]["code"] = "tot"
    raw["narratives"][1]["name"] = "strengths"
    locations = {p.location for p in validate(raw)}
    assert locations == {"ratings.bands[tot]", "narratives[strengths]"}


def test_an_unknown_field_is_a_problem(raw: dict[str, Any]) -> None:
    item(raw, "VI.1")["scored_by"] = "authority"  # a field the rubric files do not have
    assert only(validate(raw)).location == "VI.1"


def test_reports_every_problem(raw: dict[str, Any]) -> None:
    del item(raw, "I.1")["label"]  # schema
    item(raw, "II.1")["max_points"] = 4  # II adds up to 9
    item(raw, "V.2")["choices"][0]["points"] = 4  # best tier below max
    raw["ratings"]["bands"][-1]["min_points"] = 5  # no band from 0
    raw["narratives"][0]["name"] = "shortcomings"  # duplicate
    raw["total_points"] = 90  # criteria add up to 100
    locations = [p.location for p in validate(raw)]
    assert locations == [
        "I.1",
        "criteria[II]",
        "V.2",
        "rubric",
        "ratings",
        "narratives[shortcomings]",
    ]


def test_problem_str() -> None:
    assert str(Problem("IV.1", "Lỗi.")) == "IV.1: Lỗi."
