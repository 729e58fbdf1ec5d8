"""What a report needs, gathered from storage: a plain view, so reports never query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class EvidenceRow:
    item_id: str
    original_name: str
    kind: str  # "photo" | "document"
    mime_type: str
    size: int  # bytes
    sha256: str
    uploaded_at: datetime
    caption: str | None = None
    path: Path | None = None  # the stored file, for thumbnails


@dataclass(frozen=True)
class ReportData:
    unit_name: str  # "UBND xã Cửu Cao"
    year: int
    authority: str  # "UBND huyện Văn Giang" (Kính gửi)
    place: str  # địa danh for the date line
    status: str  # draft | submitted | appraised | finalized
    unit_short: str | None = None  # for "Số: .../BC-<short>"
    parent_name: str | None = None  # cơ quan chủ quản, printed above the unit name
    report_number: str | None = None
    report_date: date | None = None
    signer_title: str = "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"
    signer_name: str | None = None
    self_scores: dict[str, Decimal] = field(default_factory=dict)  # item id -> points
    self_choices: dict[str, str] = field(default_factory=dict)  # item id -> choice id
    results: dict[str, str] = field(default_factory=dict)  # item id -> results text
    strengths: dict[str, str] = field(default_factory=dict)  # criterion id -> text
    shortcomings: dict[str, str] = field(default_factory=dict)
    authority_scores: dict[str, Decimal] = field(default_factory=dict)  # empty until appraised
    authority_choices: dict[str, str] = field(default_factory=dict)
    proposed_rating: str | None = None  # band label, e.g. "Tốt"
    final_rating: str | None = None
    evidence: dict[str, list[EvidenceRow]] = field(default_factory=dict)  # item id -> files
