"""Typed model of a scoring rubric (one YAML file per rubric version).

Vocabulary follows XLSForm where it fits: ``type`` (``decimal`` for a score,
``select_one`` for "chấm 1 trong 3"), ``label``, ``hint``, ``required``,
``constraint_message`` and ``choices``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ItemType(StrEnum):
    DECIMAL = "decimal"  # scored from 0 to max_points on the rubric's step
    SELECT_ONE = "select_one"  # tiered: pick exactly one choice, get its points


class ScoredBy(StrEnum):
    UNIT = "unit"  # the unit scores itself, the appraising body checks it
    APPRAISER = "appraiser"  # only the appraising body scores it ("do cơ quan thẩm định chấm")


class Kind(StrEnum):
    """What a criterion's points do to the total."""

    SCORE = "score"  # a criterion of the table: its items add up to its maximum
    BONUS = "bonus"  # "Điểm thưởng": added, at most max_points in all
    PENALTY = "penalty"  # "Điểm trừ": taken off, at most max_points in all


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    """One tier of a ``select_one`` item (e.g. IV.1.2)."""

    id: str  # full id, e.g. "IV.1.2"
    number: str  # as printed in the STT column, e.g. "1.2"
    label: str
    points: Decimal


class Item(_Strict):
    id: str  # e.g. "IV.1"
    number: str  # as printed in the STT column, e.g. "1"
    type: ItemType
    label: str
    max_points: Decimal
    hint: str | None = None
    required: bool = True
    constraint_message: str | None = None
    choices: tuple[Choice, ...] = ()
    scored_by: ScoredBy = ScoredBy.UNIT

    @property
    def is_tiered(self) -> bool:
        return self.type is ItemType.SELECT_ONE

    @property
    def by_unit(self) -> bool:
        """The unit scores it (else only the appraising body does)."""
        return self.scored_by is ScoredBy.UNIT

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


class Narrative(_Strict):
    """A free-text field of a criterion (strengths, shortcomings)."""

    name: str  # "strengths" | "shortcomings"
    label: str
    hint: str | None = None
    required: bool = False


class Criterion(_Strict):
    id: str  # Roman numeral, e.g. "IV"
    number: int  # 1..8 ("Tiêu chí số 4")
    label: str  # title as in the Bảng chấm điểm
    outline_heading: str  # section heading of the Đề cương, as printed
    max_points: Decimal  # a bonus's or penalty's cap
    guidance: tuple[str, ...] = ()  # the Đề cương bullets
    items: tuple[Item, ...]
    kind: Kind = Kind.SCORE

    @property
    def scored(self) -> bool:
        """A criterion of the table proper (not a bonus or a penalty)."""
        return self.kind is Kind.SCORE

    @property
    def title(self) -> str:
        """How texts name it: "Tiêu chí số 4", or the bonus's or penalty's own label."""
        return f"Tiêu chí số {self.number}" if self.scored else self.label

    @property
    def short(self) -> str:
        """The short name of lists: "Tiêu chí 4", or the bonus's or penalty's label."""
        return f"Tiêu chí {self.number}" if self.scored else self.label

    @property
    def sign(self) -> str:
        """How its points are written: "−2" for a penalty."""
        return "−" if self.kind is Kind.PENALTY else ""

    def unit_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.by_unit)


class RatingBand(_Strict):
    code: str  # e.g. "tot"
    label: str  # e.g. "Tốt"
    min_points: Decimal  # inclusive lower bound


class Ratings(_Strict):
    confirmed: bool  # True when taken from the deciding document itself
    source: str  # which document sets (or should set) the bands
    note: str | None = None
    bands: tuple[RatingBand, ...]  # ordered from best to worst


class Document(_Strict):
    """Fixed texts of the reports that differ between rubric versions."""

    authority: str  # "UBND huyện Văn Giang"
    place: str  # "Văn Giang" (địa danh)
    legal_basis: str  # the "Căn cứ ..." paragraph, with {unit} placeholder
    tier_instruction: str = "Chấm 1 trong 3 tiêu chí sau"


class CarriesFrom(_Strict):
    """Which item of an earlier rubric each item of this one continues: what an officer may take
    over from last year's report (results, narratives, evidence; never the score)."""

    rubric: str  # the earlier rubric's id, e.g. "hung-yen-2022"
    # this rubric's item -> the earlier one's (written as a mapping; kept as pairs: a rubric is
    # hashable, the conversations cache what they derive from it)
    items: tuple[tuple[str, str], ...] = ()

    @field_validator("items", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        return tuple(value.items()) if isinstance(value, dict) else value


class Rubric(_Strict):
    id: str  # e.g. "hung-yen-2022"
    year: int
    title: str
    province: str
    total_points: Decimal
    score_step: Decimal = Field(default=Decimal("0.5"))
    document: Document
    ratings: Ratings
    narratives: tuple[Narrative, ...]  # asked at the end of every criterion
    criteria: tuple[Criterion, ...]
    carries_from: CarriesFrom | None = None

    def __hash__(self) -> int:
        """By id: a rubric keys caches of what is derived from it (``questionnaire``), and
        pydantic's own hash of a frozen model hashes every field, every event. Equal rubrics
        still compare field by field."""
        return hash(self.id)

    # -- lookups -------------------------------------------------------------
    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def carried_items(self, earlier: str) -> dict[str, str]:
        """This rubric's item -> the item of rubric ``earlier`` it continues (the same ids for
        the same rubric; none for a rubric this one does not map)."""
        if earlier == self.id:
            return {i.id: i.id for i in self.items()}
        if self.carries_from is not None and self.carries_from.rubric == earlier:
            return dict(self.carries_from.items)
        return {}

    def item(self, item_id: str) -> Item | None:
        return next((i for c in self.criteria for i in c.items if i.id == item_id), None)

    def items(self) -> list[Item]:
        return [i for c in self.criteria for i in c.items]

    def unit_items(self) -> list[Item]:
        """The items the unit scores itself: its questionnaire (the appraiser scores all)."""
        return [i for i in self.items() if i.by_unit]

    def appraiser_points(self) -> Decimal:
        """The points of the criteria's items only the appraising body scores."""
        items = (i for c in self.scored_criteria() for i in c.items if not i.by_unit)
        return sum((i.max_points for i in items), Decimal(0))

    def scored_criteria(self) -> list[Criterion]:
        """The criteria proper, without the bonus and penalty: "Tiêu chí 3/8"."""
        return [c for c in self.criteria if c.scored]

    def criterion_of(self, item_id: str) -> Criterion:
        for c in self.criteria:
            if any(i.id == item_id for i in c.items):
                return c
        raise KeyError(item_id)

    def band_for(self, total: Decimal) -> RatingBand:
        for band in self.ratings.bands:
            if total >= band.min_points:
                return band
        return self.ratings.bands[-1]

    def band(self, code: str) -> RatingBand | None:
        return next((b for b in self.ratings.bands if b.code == code), None)
