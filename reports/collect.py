"""Gather a stored assessment into the plain ``ReportData`` the documents are made from."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.data import EvidenceRow, ReportData
from rubric.model import Rubric
from rubric.scoring import fmt
from storage import assessments as repo
from storage.earlier import Earlier, earlier_results, names_units
from storage.models import Appraisal, Assessment, Period, Status, Unit, UnitKind
from storage.people import as_utc

GOVERNED = (UnitKind.DEPARTMENT, UnitKind.OFFICE, UnitKind.SERVICE)


def _earlier_line(e: Earlier, rubric: Rubric, named: bool) -> str:
    """ "năm 2022 (UBND xã Cửu Cao): 85 điểm, xếp loại Tốt (kết quả thẩm định)"."""
    who = f" ({e.unit_name})" if named else ""
    rating = f", xếp loại {e.rating_label(rubric)}" if e.rating else ""
    whose = " (kết quả thẩm định)" if e.appraised else ""
    return f"năm {e.year}{who}: {fmt(e.total)} điểm{rating}{whose}"


async def gather(
    s: AsyncSession, assessment: Assessment, rubric: Rubric, evidence_root: Path
) -> ReportData:
    unit = await s.get(Unit, assessment.unit_id)
    period = await s.get(Period, assessment.period_id)
    assert unit is not None and period is not None
    parent = await s.get(Unit, unit.parent_id) if unit.parent_id else None
    answers = await repo.answers(s, assessment.id)
    notes = await repo.notes(s, assessment.id)
    appraisals = list(
        await s.scalars(select(Appraisal).where(Appraisal.assessment_id == assessment.id))
    )
    appraised = assessment.status == Status.APPRAISED
    evidence: dict[str, list[EvidenceRow]] = {}
    for e in await repo.evidence(s, assessment.id):
        evidence.setdefault(e.item_id, []).append(
            EvidenceRow(
                item_id=e.item_id,
                original_name=e.original_name,
                kind=e.kind,
                mime_type=e.mime_type,
                size=e.size,
                sha256=e.sha256,
                uploaded_at=as_utc(e.uploaded_at).astimezone(UTC),
                caption=e.caption,
                path=evidence_root / e.storage_key,
            )
        )
    band = rubric.band(assessment.proposed_rating or "")
    final = rubric.band(assessment.final_rating or "")
    earlier = await earlier_results(s, unit.id, period.year)
    named = names_units(earlier, unit.name)
    return ReportData(
        earlier=tuple(_earlier_line(e, rubric, named) for e in earlier),
        unit_name=unit.name,
        unit_short=unit.short_name,
        # Offices and service units print their governing body above their own name (NĐ 30).
        parent_name=parent.name if parent and unit.kind in GOVERNED else None,
        year=period.year,
        authority=parent.name if parent else rubric.document.authority,
        place=unit.place or rubric.document.place,
        status=assessment.status.value,
        report_number=assessment.report_number,  # the văn thư gives number and date
        report_date=None,
        # the signer as at the submission, else as the unit's row says now
        signer_name=assessment.signer_name or unit.head_name,
        signer_title=assessment.signer_title or unit.head_title,
        sign_as=assessment.sign_as or unit.sign_as,
        self_scores={k: a.score for k, a in answers.items() if a.score is not None},
        self_choices={k: a.choice_id for k, a in answers.items() if a.choice_id},
        results={k: a.results_text for k, a in answers.items() if a.results_text},
        strengths={k: n.strengths for k, n in notes.items() if n.strengths},
        shortcomings={k: n.shortcomings for k, n in notes.items() if n.shortcomings},
        authority_scores=(
            {a.item_id: a.score for a in appraisals if a.score is not None} if appraised else {}
        ),
        authority_choices=(
            {a.item_id: a.choice_id for a in appraisals if a.choice_id} if appraised else {}
        ),
        proposed_rating=band.label if band else None,
        final_rating=final.label if final else None,
        evidence=evidence,
    )
