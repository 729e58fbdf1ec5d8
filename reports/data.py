"""What a report needs, gathered from storage: a plain view, so reports never query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from reports.letterhead import Issuer, issuer, signature


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
    status: str  # draft | submitted | appraised
    unit_short: str | None = None  # for "Số: .../BC-<short>"
    parent_name: str | None = None  # cơ quan chủ quản, printed above the unit name
    report_number: str | None = None
    report_date: date | None = None
    signer_title: str | None = None  # e.g. "PHÓ CHỦ TỊCH"; None: the template's placeholder
    signer_name: str | None = None
    sign_as: str | None = None  # "tm" | "kt" | "own" (reports.letterhead); None: by the title
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
    # earlier years' results of the unit (or of those it succeeds), as sentences
    earlier: tuple[str, ...] = ()

    @property
    def issuer(self) -> Issuer:
        """The header's issuing body (an office or service unit under its parent)."""
        return issuer(self.unit_name, self.parent_name, governed=self.parent_name is not None)

    @property
    def signature(self) -> tuple[str, ...]:
        return signature(self.signer_title, self.unit_name, self.sign_as)
