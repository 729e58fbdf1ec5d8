"""Check a rubric (raw YAML data or a model) and report every problem found.

Messages are shown to admins, hence Vietnamese. Locations name things by their id
where one is known: ``rubric``, ``document``, ``ratings``, ``ratings.bands[tot]``,
``narratives[strengths]``, ``criteria[IV]``, ``IV.1`` (an item), ``IV.1.2`` (a choice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from pydantic import ValidationError

from rubric.model import Rubric
from rubric.scoring import on_step

_RULES = {
    "step": "Bước điểm (score_step) phải là số dương.",
    "no_criteria": "Bảng điểm phải có ít nhất một tiêu chí.",
    "total": "Tổng thang điểm các tiêu chí là {got} nhưng tổng điểm của bảng (total_points) "
    "là {want}.",
    "dup_criterion": "Mã tiêu chí '{id}' bị trùng.",
    "dup_item": "Mã mục '{id}' bị trùng.",
    "dup_choice": "Mã mức chấm '{id}' bị trùng.",
    "dup_band": "Mã xếp loại '{id}' bị trùng.",
    "dup_narrative": "Tên phần nhận xét '{id}' bị trùng.",
    "no_items": "Tiêu chí {id} không có mục nào.",
    "cap_positive": "{id}: mức tối đa (max_points) của điểm thưởng, điểm trừ phải lớn hơn 0.",
    "item_sum": "Tiêu chí {id}: tổng điểm các mục là {got} nhưng thang điểm tiêu chí là {want}.",
    "item_prefix": "Mã mục '{id}' phải bắt đầu bằng mã tiêu chí '{parent}.'.",
    "max_positive": "Mục {id}: thang điểm phải lớn hơn 0.",
    "max_step": "Mục {id}: thang điểm {got} không chia hết cho bước điểm {step}.",
    "decimal_choices": "Mục {id} chấm theo điểm số (decimal) nên không được có mức chấm.",
    "few_choices": "Mục {id} chấm theo mức (select_one) phải có ít nhất 2 mức chấm.",
    "choice_prefix": "Mã mức chấm '{id}' phải bắt đầu bằng mã mục '{parent}.'.",
    "choice_range": "Mức {id}: {got} điểm nằm ngoài khoảng 0 đến {want} điểm của mục.",
    "choice_step": "Mức {id}: {got} điểm không chia hết cho bước điểm {step}.",
    "choice_best": "Mục {id}: mức cao nhất là {got} điểm nhưng thang điểm của mục là {want}.",
    "no_bands": "Phải có ít nhất một mức xếp loại.",
    "band_order": "Các mức xếp loại phải xếp từ cao xuống thấp, điểm tối thiểu giảm dần "
    "(ví dụ Tốt 80, Khá 65, Trung bình 50, Yếu 0).",
    "band_zero": "Mức xếp loại thấp nhất phải bắt đầu từ 0 điểm (hiện là {got}).",
    "band_top": "Mức xếp loại cao nhất yêu cầu {got} điểm, vượt tổng điểm {want}.",
}


@dataclass(frozen=True)
class Problem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


_SCHEMA_MESSAGES = {
    code: text
    for codes, text in [
        ("missing", "thiếu trường bắt buộc"),
        ("extra_forbidden", "trường không có trong mẫu (sai tên?)"),
        ("decimal_parsing decimal_type", "phải là một số"),
        ("int_parsing int_type int_from_float", "phải là số nguyên"),
        ("string_type", "phải là một chuỗi văn bản"),
        ("bool_parsing bool_type", "phải là true hoặc false"),
        ("enum", "phải là một trong các giá trị: {expected}"),
        ("tuple_type list_type", "phải là một danh sách"),
        ("model_type dict_type", "phải là một bảng khóa: giá trị"),
    ]
    for code in codes.split()
}


def validate(data: Mapping[str, Any] | Rubric) -> list[Problem]:
    """Every problem of the rubric (schema first, then rules); empty means valid."""
    if isinstance(data, Rubric):
        raw: Any = data.model_dump()
        problems: list[Problem] = []
    else:
        raw = data
        if not isinstance(raw, Mapping):
            return [Problem("rubric", "Tệp phải chứa một bảng khóa: giá trị ở cấp ngoài cùng.")]
        problems = _schema_problems(raw)
    problems += _semantic_problems(raw)
    return problems


# -- schema -------------------------------------------------------------------


def _schema_problems(raw: Mapping[str, Any]) -> list[Problem]:
    try:
        Rubric.model_validate(dict(raw))
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            where, field = _locate(raw, err["loc"])
            said = {k: str(v).replace(" or ", " hoặc ") for k, v in err.get("ctx", {}).items()}
            known = _SCHEMA_MESSAGES.get(err["type"])
            text = known.format(**said) if known else err["msg"]
            message = f"Trường '{field}': {text}." if field else f"{text[:1].upper()}{text[1:]}."
            out.append(Problem(where, message))
        return out
    return []


def _locate(raw: Any, loc: Sequence[str | int]) -> tuple[str, str]:
    """Turn a pydantic error path into (location named by ids, field name)."""
    where, node, field = "rubric", raw, []
    i = 0
    while i < len(loc):
        key, nxt = loc[i], (loc[i + 1] if i + 1 < len(loc) else None)
        child = _get(node, key)
        if isinstance(key, str) and isinstance(nxt, int):  # an element of a list
            node = _get(child, nxt)
            ident = next((v for k in ("id", "code", "name") if (v := _get(node, k))), None)
            if not isinstance(ident, str):
                where = f"{_prefix(where)}{key}[{nxt}]"
            elif key == "criteria":
                where = f"criteria[{ident}]"
            elif key in ("items", "choices"):
                where = ident  # "IV.1", "IV.1.2"
            else:
                where = f"{_prefix(where)}{key}[{ident}]"
            field, i = [], i + 2
        elif isinstance(key, str) and isinstance(child, Mapping) and nxt is not None:
            where, node, field, i = f"{_prefix(where)}{key}", child, [], i + 1
        else:
            field.append(str(key))
            node, i = child, i + 1
    return where, ".".join(field)


def _prefix(where: str) -> str:
    return "" if where == "rubric" else f"{where}."


def _get(node: Any, key: str | int) -> Any:
    if isinstance(key, int):
        ok = isinstance(node, Sequence) and not isinstance(node, str) and 0 <= key < len(node)
        return node[key] if ok else None
    return node.get(key) if isinstance(node, Mapping) else None


# -- rules the schema cannot express -------------------------------------------


def _fmt(value: Decimal) -> str:
    """A number as Vietnamese admins write it: 22, 4,5, 0,25."""
    return f"{value.normalize():f}".replace(".", ",")


def _num(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _list(value: Any) -> list[Any]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [v for v in value if isinstance(v, Mapping)]
    return []


class _Problems(list[Problem]):
    def add(self, where: object, rule: str, **values: object) -> None:
        shown = {k: _fmt(v) if isinstance(v, Decimal) else v for k, v in values.items()}
        self.append(Problem(str(where), _RULES[rule].format(**shown)))


def _duplicates(values: list[Any]) -> list[Any]:
    counts = Counter(v for v in values if isinstance(v, str))
    return [v for v, n in counts.items() if n > 1]


def _semantic_problems(raw: Mapping[str, Any]) -> list[Problem]:
    out = _Problems()
    step = _num(raw.get("score_step", "0.5"))
    if step is None or step <= 0:
        out.add("rubric", "step")
        step = None
    criteria = _list(raw.get("criteria"))
    if not criteria:
        out.add("rubric", "no_criteria")
    _unique_ids(out, criteria)
    for criterion in criteria:
        _criterion_problems(out, criterion, step)
    total = _num(raw.get("total_points"))
    got = _sum([_num(c.get("max_points")) for c in criteria if _scored(c)])
    if total is not None and criteria and got is not None and got != total:
        out.add("rubric", "total", got=got, want=total)
    ratings = raw.get("ratings")
    if isinstance(ratings, Mapping):
        _band_problems(out, _list(ratings.get("bands")), total)
    for name in _duplicates([n.get("name") for n in _list(raw.get("narratives"))]):
        out.add(f"narratives[{name}]", "dup_narrative", id=name)
    return out


def _sum(values: list[Decimal | None]) -> Decimal | None:
    """The sum, or None when a value is missing (already reported by the schema)."""
    return None if None in values else sum(values, Decimal(0))  # type: ignore[arg-type]


def _unique_ids(out: _Problems, criteria: list[Mapping[str, Any]]) -> None:
    for cid in _duplicates([c.get("id") for c in criteria]):
        out.add(f"criteria[{cid}]", "dup_criterion", id=cid)
    items = [i for c in criteria for i in _list(c.get("items"))]
    for iid in _duplicates([i.get("id") for i in items]):
        out.add(iid, "dup_item", id=iid)
    choices = [ch for i in items for ch in _list(i.get("choices"))]
    for chid in _duplicates([ch.get("id") for ch in choices]):
        out.add(chid, "dup_choice", id=chid)


def _criterion_problems(out: _Problems, crit: Mapping[str, Any], step: Decimal | None) -> None:
    cid = crit.get("id")
    items = _list(crit.get("items"))
    if not items:
        out.add(f"criteria[{cid}]", "no_items", id=cid)
    for item in items:
        _item_problems(out, item, cid, step)
    want, got = _num(crit.get("max_points")), _sum([_num(i.get("max_points")) for i in items])
    if not _scored(crit):  # a bonus or penalty: its items may add up past its cap
        if want is not None and want <= 0:
            out.add(f"criteria[{cid}]", "cap_positive", id=cid)
    elif want is not None and items and got is not None and got != want:
        out.add(f"criteria[{cid}]", "item_sum", id=cid, got=got, want=want)


def _scored(crit: Mapping[str, Any]) -> bool:
    """A criterion proper (its maximum counts in the total), not a bonus or a penalty."""
    return crit.get("kind", "score") not in ("bonus", "penalty")


def _item_problems(out: _Problems, item: Mapping[str, Any], cid: Any, step: Decimal | None) -> None:
    iid = item.get("id")
    if isinstance(iid, str) and isinstance(cid, str) and not iid.startswith(f"{cid}."):
        out.add(iid, "item_prefix", id=iid, parent=cid)
    top = _num(item.get("max_points"))
    if top is not None and top <= 0:
        out.add(iid, "max_positive", id=iid)
    elif top is not None and step is not None and not on_step(top, step):
        out.add(iid, "max_step", id=iid, got=top, step=step)
    choices = _list(item.get("choices"))
    kind = str(item.get("type"))
    if kind == "decimal" and choices:
        out.add(iid, "decimal_choices", id=iid)
    elif kind == "select_one":
        _choice_problems(out, iid, choices, top, step)


def _choice_problems(
    out: _Problems,
    iid: Any,
    choices: list[Mapping[str, Any]],
    top: Decimal | None,
    step: Decimal | None,
) -> None:
    if len(choices) < 2:
        out.add(iid, "few_choices", id=iid)
    points: list[Decimal] = []
    for choice in choices:
        chid, value = choice.get("id"), _num(choice.get("points"))
        if isinstance(chid, str) and isinstance(iid, str) and not chid.startswith(f"{iid}."):
            out.add(chid, "choice_prefix", id=chid, parent=iid)
        if value is None:
            continue
        points.append(value)
        if top is not None and not Decimal(0) <= value <= top:
            out.add(chid, "choice_range", id=chid, got=value, want=top)
        elif step is not None and not on_step(value, step):
            out.add(chid, "choice_step", id=chid, got=value, step=step)
    if points and top is not None and max(points) != top:
        out.add(iid, "choice_best", id=iid, got=max(points), want=top)


def _band_problems(out: _Problems, bands: list[Mapping[str, Any]], total: Decimal | None) -> None:
    if not bands:
        out.add("ratings", "no_bands")
        return
    for code in _duplicates([b.get("code") for b in bands]):
        out.add(f"ratings.bands[{code}]", "dup_band", id=code)
    mins = [m for b in bands if (m := _num(b.get("min_points"))) is not None]
    if len(mins) < len(bands):
        return  # a missing or malformed minimum is reported by the schema
    if any(a <= b for a, b in pairwise(mins)):
        out.add("ratings", "band_order")
    if min(mins) != 0:
        out.add("ratings", "band_zero", got=min(mins))
    if total is not None and max(mins) > total:
        out.add("ratings", "band_top", got=max(mins), want=total)
