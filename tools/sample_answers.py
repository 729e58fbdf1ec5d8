"""A unit's answers as its officer might give them, kept as data in ``samples/``.

``samples/answers-cuu-cao-2022.yaml``: per item the points (or the tier's id) and the "Kết quả
đạt được", per criterion the "những nội dung đã thực hiện tốt" and "những mặt còn hạn chế".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from rubric.model import Rubric

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CUU_CAO = "answers-cuu-cao-2022.yaml"


@dataclass(frozen=True)
class SampleAnswers:
    answers: dict[str, tuple[str, str]]  # item id -> (points or tier id, "Kết quả đạt được")
    strengths: dict[str, str]  # criterion id -> text
    shortcomings: dict[str, str]

    def scores_and_choices(self, rubric: Rubric) -> tuple[dict[str, Decimal], dict[str, str]]:
        """Points of every item of ``rubric`` and the tier chosen for each tiered one."""
        scores, choices = {}, {}
        for item in rubric.items():
            value = self.answers[item.id][0]
            if item.is_tiered:
                choices[item.id] = value
                scores[item.id] = item.choice(value).points
            else:
                scores[item.id] = Decimal(value)
        return scores, choices


@cache
def sample_answers(name: str = CUU_CAO) -> SampleAnswers:
    raw = yaml.safe_load((SAMPLES / name).read_text(encoding="utf-8"))
    return SampleAnswers(
        answers={k: (str(v["answer"]), v["results"]) for k, v in raw["items"].items()},
        strengths=dict(raw["strengths"]),
        shortcomings=dict(raw["shortcomings"]),
    )
