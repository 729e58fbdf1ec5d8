"""Our rubric file's content from an imported scoring table (rubric/table_import.py): the
table's criteria, items, maxima and tiers, and what a table cannot say left for a person."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rubric.table_import import Imported


def rubric_data(imported: Imported, **meta: Any) -> dict[str, Any]:
    """Our rubric file's content from the table and ``meta`` (id, year, title, province,
    authority, place, legal_basis): what a table cannot say (the Đề cương's guidance, the
    hints, the rating bands' source) is left for a person, marked so."""

    def number(value: Decimal | None) -> int | str | None:
        if value is None:
            return None
        return int(value) if value == value.to_integral_value() else str(value)

    criteria = []
    for c in imported.criteria:
        items = []
        for i in c["items"]:
            item: dict[str, Any] = {
                "id": i["id"],
                "number": i["number"],
                "type": "select_one" if i["tiered"] else "decimal",
                "label": i["label"],
                "max_points": number(i["max_points"]),
            }
            if i.get("by_appraiser"):
                item["scored_by"] = "appraiser"
            if i["tiered"]:
                item["choices"] = [
                    {"id": ch["id"], "number": ch["number"], "label": ch["label"],
                     "points": number(ch["points"])}
                    for ch in i["choices"]
                ]  # fmt: skip
            items.append(item)
        criterion = {
            "id": c["id"],
            "number": c["number"],
            "label": c["label"],
            # the Đề cương's heading: check it
            "outline_heading": c.get("heading", c["label"]).upper(),
            "max_points": number(c["max_points"]),
            "items": items,
        }
        if c.get("kind"):  # a bonus or a penalty
            criterion["kind"] = c["kind"]
        criteria.append(criterion)
    scored = (c for c in imported.criteria if not c.get("kind"))  # a bonus or penalty is apart
    total = sum((c["max_points"] or Decimal(0) for c in scored), Decimal(0))
    return {
        "id": meta["id"],
        "year": meta["year"],
        "title": meta["title"],
        "province": meta["province"],
        "total_points": number(total),
        "score_step": "0.5",
        "document": {
            "authority": meta["authority"],
            "place": meta["place"],
            "legal_basis": meta["legal_basis"],
        },
        "ratings": {
            "confirmed": False,
            "source": meta.get("source") or "Chưa đối chiếu với văn bản quy định xếp loại",
            "note": "Các mức xếp loại là mức mặc định: sửa theo văn bản của tỉnh.",
            "bands": [
                {"code": "tot", "label": "Tốt", "min_points": 80},
                {"code": "kha", "label": "Khá", "min_points": 65},
                {"code": "trung_binh", "label": "Trung bình", "min_points": 50},
                {"code": "yeu", "label": "Yếu", "min_points": 0},
            ],
        },
        "narratives": [
            {"name": "strengths", "label": "Những nội dung đã thực hiện tốt"},
            {"name": "shortcomings", "label": "Những mặt còn hạn chế"},
        ],
        "criteria": criteria,
    }


def propose_carries(data: dict[str, Any], earlier: Any, cutoff: float = 0.6) -> dict[str, str]:
    """This rubric's item -> the earlier rubric's item whose label reads most alike (at least
    ``cutoff`` alike, each earlier item used once): a proposal for a person to check."""
    from difflib import SequenceMatcher

    def words(text: str) -> str:
        return " ".join(text.lower().split())

    olds = {i.id: words(i.label) for i in earlier.items()}
    taken: set[str] = set()
    pairs = {}
    for c in data["criteria"]:
        for item in c["items"]:
            new = words(item["label"])
            scored = sorted(
                ((SequenceMatcher(None, new, old).ratio(), old_id) for old_id, old in olds.items()
                 if old_id not in taken),
                reverse=True,
            )  # fmt: skip
            if scored and scored[0][0] >= cutoff:
                pairs[item["id"]] = scored[0][1]
                taken.add(scored[0][1])
    return pairs
