"""conversations.officer.questions and the texts it shows: every question of both rubrics and
every criterion's opening fits a phone (at most 1,000 characters; long tiers come in full just
above their question, in messages that fit too); a text naming its item ("I.5: …") is read as
that item's results whatever else it says."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.events import Text
from conversations.officer.questions import addressed
from conversations.states import SCORE, State
from conversations.texts import MESSAGE_LIMIT, msg, packed, tier_lines, tiers_apart
from rubric.loader import load_rubric
from rubric.model import Rubric
from tests.fuzzing import fuzz
from tests.scoring_tables import bonus_rubric

RUBRICS = [load_rubric("hung-yen-2022"), bonus_rubric()]


def _question(rubric: Rubric, item_id: str, channel: str) -> str:
    item = rubric.item(item_id)
    assert item is not None
    c = rubric.criterion_of(item_id)
    n = len(rubric.unit_items())
    pos = {"item_no": n, "n_items": n, "c": c, "criteria": 8, "answered": n - 1}
    just_scored = State(SCORE, rubric.unit_items()[0].id)
    return msg("ask_score", pos=pos, item=item, answer=None, by=None, earlier=None,
               target=just_scored, target_c=None, channel=channel)  # fmt: skip


@pytest.mark.parametrize("rubric", RUBRICS, ids=lambda r: r.id)
@pytest.mark.parametrize("channel", ["telegram", "zalo"])
def test_every_question_and_opening_fits_a_phone(rubric: Rubric, channel: str) -> None:
    for c in rubric.criteria:
        assert len(msg("criterion_intro", c=c, count=8)) <= MESSAGE_LIMIT, c.id
        for item in c.items:
            text = _question(rubric, item.id, channel)
            assert len(text) <= MESSAGE_LIMIT, (item.id, len(text))
            if tiers_apart(item):  # in full above, in messages that fit
                parts = packed([msg("tiers_heading", item=item), *tier_lines(item)])
                assert all(len(p) <= MESSAGE_LIMIT for p in parts)
                assert all(c.label.split()[-1] in "".join(parts) for c in item.choices)
                assert "nội dung đầy đủ ở tin nhắn ngay trên" in text
            elif item.is_tiered:  # in full, in the question
                assert all(" ".join(c.label.split())[-30:] in text for c in item.choices)
            assert ("tệp" in text) == (channel != "zalo"), text  # Zalo carries photos only


@pytest.mark.parametrize("rubric", RUBRICS, ids=lambda r: r.id)
def test_the_item_s_text_and_its_scale_are_lines_of_their_own(rubric: Rubric) -> None:
    scale = ("Thang điểm: ", "Thưởng tối đa: ", "Trừ tối đa: ")
    for item in rubric.unit_items():
        lines = _question(rubric, item.id, "telegram").splitlines()
        (heading,) = [line for line in lines if line.startswith(f"{item.id}. ")]
        assert not any(s in heading for s in scale), heading[-80:]
        assert lines[lines.index(heading) + 1].startswith(scale), item.id


def test_long_tiers_say_once_what_they_share() -> None:
    item = load_rubric("hung-yen-2022").item("VIII.2")
    assert item is not None and tiers_apart(item)
    lines = tier_lines(item)
    assert [line[:3] for line in lines] == ["1) ", "2) ", "3) "]
    assert lines[2].endswith("→ 0 điểm")


def _ctx() -> SimpleNamespace:
    return SimpleNamespace(rubric=RUBRICS[1])


@fuzz(300)
@given(st.text(max_size=60))
def test_any_text_is_named_or_not_never_misread(text: str) -> None:
    found = addressed(_ctx(), Text(text))  # type: ignore[arg-type]
    if found is not None:
        state, body = found
        item = RUBRICS[1].item(state.ref or "")
        assert state.kind == SCORE and item is not None and item.by_unit
        assert body and body == body.strip() and body in text


@fuzz(200)
@given(
    st.sampled_from([i.id for i in RUBRICS[1].unit_items()]),
    st.sampled_from([":", " :", " - ", "–"]),
    st.text(min_size=1, max_size=40).filter(lambda t: t.strip()),
)
def test_a_text_naming_its_item_is_that_item_s(item_id: str, sep: str, body: str) -> None:
    typed = f"{item_id.lower() if len(body) % 2 else item_id}{sep} {body}"
    assert addressed(_ctx(), Text(typed)) == (State(SCORE, item_id), body.strip())


def test_an_item_only_the_appraisers_score_is_not_the_unit_s() -> None:
    assert addressed(_ctx(), Text("VIII.2: đã ban hành quy chế")) is None  # scored_by appraiser
    assert addressed(_ctx(), Text("IX.9: không có mục này")) is None
