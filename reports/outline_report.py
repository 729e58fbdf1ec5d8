"""The unit's "Báo cáo tóm tắt kết quả thực hiện công tác dân vận chính quyền" as DOCX.

The seed's Đề cương filled in: the same header, title and closing blocks as the unit's
self-assessment report, then sections I–VIII with their Đề cương headings and points, and
under each heading the Đề cương's bullets, each answered from what the officer gave.

Bullets and items are paired by their wording, in order (``pair_items``): the shipped rubric
has one bullet per item except in section III, where the Đề cương adds a preamble bullet and
two numbered sub-headings ("1. Đánh giá kết quả…", "2. Đánh giá chỉ số hài lòng…"). A bullet
without an item is printed as it is; an item without a bullet (another rubric) is answered
under "Kết quả cụ thể:" after the bullets. A tiered item lists its tiers, the Đề cương's "+"
sub-bullets when they match the tiers one to one, as ☒/☐ options with the chosen one in bold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from docx.document import Document

from reports import docx_base as b
from reports import layout as nd
from reports.data import ReportData
from reports.unit_report import (
    BY_APPRAISER,
    DOTS,
    chosen_tier,
    criterion_points,
    narratives,
    opening,
)
from rubric.model import Criterion, Item, Rubric
from rubric.scoring import effective_scores, fmt, total

CHOSEN, NOT_CHOSEN = "☒", "☐"
MIN_OVERLAP = 0.5  # share of an item's word pairs found in a bullet for them to be paired
_NUMBERED = re.compile(r"^\d+\.\s")


@dataclass(frozen=True)
class Bullet:
    text: str  # without its leading "- "
    tiers: tuple[str, ...] = ()  # the "+ " sub-bullets, without the "+ "
    numbered: bool = False  # a numbered sub-heading such as "1. Đánh giá …"


def render_outline_report(rubric: Rubric, data: ReportData) -> bytes:
    """The report as DOCX bytes."""
    doc = nd.new_document()
    subject = f"Tóm tắt kết quả thực hiện công tác dân vận chính quyền năm {data.year}"
    # The number is the văn thư's to give: the self-assessment report has its own.
    opening(doc, rubric, replace(data, report_number=None), subject)
    scores = effective_scores(rubric, data.self_scores, data.self_choices)
    for c in rubric.criteria:
        _section(doc, rubric, data, c, scores)
    grand = fmt(total(rubric, scores)) if scores else DOTS
    authority = b.clean(data.authority).rstrip(". ")
    closing = [
        f"Trên đây là báo cáo công tác dân vận chính quyền năm {data.year}. ",
        f"Tổng số điểm đạt được là {grand}, đề nghị mức xếp loại {data.proposed_rating or DOTS}. ",
        f"{data.unit_name} trân trọng báo cáo {authority} để xem xét đánh giá công tác dân vận ",
        f"chính quyền năm {data.year}./.",
    ]
    b.par(doc, "".join(closing), keep_next=True)
    signer = {"signature": data.signature, "signer_name": data.signer_name}
    width = b.text_width(doc.sections[0])
    nd.closing_block(doc, width, recipients=("- Như kính gửi;", "- Lưu: VT."), **signer)
    return b.to_bytes(doc)


def write_outline_report(rubric: Rubric, data: ReportData, path: Path) -> Path:
    return b.write_file(path, render_outline_report(rubric, data))


# -- bullets and items --------------------------------------------------------


def bullets(criterion: Criterion) -> list[Bullet]:
    """The Đề cương bullets of a criterion, each with its "+" sub-bullets."""
    out: list[Bullet] = []
    for text in criterion.guidance:
        text = " ".join(text.split())
        if text.startswith("+") and out:
            out[-1] = replace(out[-1], tiers=(*out[-1].tiers, text.lstrip("+ ")))
        else:
            out.append(Bullet(text.lstrip("- "), numbered=bool(_NUMBERED.match(text))))
    return out


def _pairs(text: str) -> set[tuple[str, str]]:
    words = re.findall(r"\w+", text.lower())
    return set(pairwise(words))


def _overlap(item: Item, bullet: Bullet) -> float:
    mine = _pairs(" ".join([item.label, *(c.label for c in item.choices)]))
    theirs = _pairs(" ".join([bullet.text, *bullet.tiers]))
    return len(mine & theirs) / len(mine) if mine else 0.0


def pair_items(criterion: Criterion, found: list[Bullet]) -> dict[int, Item]:
    """Bullet index -> item: the pairing in order with the most words in common."""
    items = criterion.items
    n, m = len(items), len(found)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best[i][j] = max(best[i - 1][j], best[i][j - 1])
            score = _overlap(items[i - 1], found[j - 1])
            if score >= MIN_OVERLAP:
                best[i][j] = max(best[i][j], best[i - 1][j - 1] + score)
    paired: dict[int, Item] = {}
    i, j = n, m
    while i and j:
        if best[i][j] == best[i - 1][j]:
            i -= 1
        elif best[i][j] == best[i][j - 1]:
            j -= 1
        else:
            paired[j - 1] = items[i - 1]
            i, j = i - 1, j - 1
    return paired


# -- one section --------------------------------------------------------------


def _section(
    doc: Document, rubric: Rubric, data: ReportData, c: Criterion, scores: dict[str, Decimal]
) -> None:
    if c.scored:
        points = f"số điểm đạt được là {criterion_points(c, scores)}/{fmt(c.max_points)} điểm"
    else:  # a bonus or a penalty
        points = f"{criterion_points(c, scores)} điểm, tối đa {fmt(c.max_points)} điểm"
    heading = f"{c.id}. {c.outline_heading} ({points})"
    b.par(doc, heading, bold=True, keep_next=True, before=6)
    found = bullets(c)
    paired = pair_items(c, found)
    for k, bullet in enumerate(found):
        item = paired.get(k)
        text = bullet.text if bullet.numbered else f"- {bullet.text}"
        b.par(doc, text, italic=True, keep_next=bool(item and item.is_tiered))  # with its tiers
        if item is not None:
            _answer(doc, data, item, bullet, scores)
    rest = [i for i in c.items if i not in paired.values()]
    if rest:
        b.par(doc, "Kết quả cụ thể:", italic=True, keep_next=True)
    for item in rest:
        b.par(doc, f"- {item.label}", italic=True, keep_next=item.is_tiered)
        _answer(doc, data, item, None, scores)
    if c.scored:  # a bonus or penalty has no narratives
        narratives(doc, rubric, data, c)


def _answer(
    doc: Document,
    data: ReportData,
    item: Item,
    bullet: Bullet | None,
    scores: dict[str, Decimal],
) -> None:
    """The tiers (if any) with the chosen one marked, then "Kết quả đạt được: … (x/max điểm)"."""
    chosen = chosen_tier(item, scores, data.self_choices) if item.is_tiered else None
    if item.is_tiered:
        own = bullet is not None and len(bullet.tiers) == len(item.choices)
        texts = bullet.tiers if own else tuple(ch.label for ch in item.choices)
        last = len(item.choices) - 1
        for k, (choice, text) in enumerate(zip(item.choices, texts, strict=True)):
            line = f"{text.rstrip(' ;.')} ({fmt(choice.points)} điểm)"
            # Only the last tier stays with the result: tiers held together all the way from
            # the question moved whole and left half a page empty before them.
            keep = k == last
            if choice.id == chosen:
                b.par(doc, [f"{CHOSEN} ", (line, {"bold": True})], keep_next=keep)
            else:
                b.par(doc, f"{NOT_CHOSEN} {line}", keep_next=keep)
    text = b.clean(data.results.get(item.id))
    if not text.strip() and chosen is not None:
        text = item.choice(chosen).label  # the chosen tier says what was achieved
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()] or [DOTS]
    # "(1,5/2 điểm)" never breaks across lines: a no-break space before "điểm"
    points = f"({fmt(scores.get(item.id)) or DOTS}/{fmt(item.max_points)}\u00a0điểm)"
    if not item.by_unit:
        points = f"({BY_APPRAISER.lower()})"
    label = ("Kết quả đạt được", {"bold": True})
    if len(lines) == 1:
        first = lines[0] if lines[0] == DOTS else lines[0].rstrip(" .;")
        b.par(doc, [label, (": ", {"bold": True}), f"{first} ", (points, {"bold": True}), "."])
        return
    b.par(doc, [label, (f" {points}:", {"bold": True})], keep_next=True)
    for line in lines:
        b.par(doc, line if line[0] in "-+•" else f"+ {line}")
