"""What the authority decides about a unit's assessment, one way for the chat and the desk:
an item's score (a pressed button or a typed score, ``score_input``), a comment on it, the
return to the unit with a reason, and the rating. Each changes the unit's file (``UnitFile``,
loaded in the caller's transaction) and returns what the unit's officers are told, if
anything; the score and rating changes are audited by the database (``storage.audit_triggers``),
the rest here."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.events import Recipient, Reply
from conversations.states import REVIEW
from rubric.model import Item, RatingBand, Rubric
from rubric.scoring import total
from storage import assessments
from storage.appraisal import UnitFile
from storage.models import Appraisal, Status

RETURNABLE = (Status.SUBMITTED, Status.APPRAISED)


def _row(s: AsyncSession, f: UnitFile, item: Item) -> Appraisal:
    row = f.given.get(item.id)
    if row is None:
        row = f.given[item.id] = Appraisal(assessment_id=f.a.id, item_id=item.id)
        s.add(row)
    return row


def give_score(
    s: AsyncSession, f: UnitFile, item: Item, person_id: int, score: Decimal, choice: str | None
) -> None:
    """The authority's score for the item (audited by the database, in this person's name)."""
    row = _row(s, f, item)
    row.score, row.choice_id, row.appraiser_id = score, choice, person_id


def add_comment(s: AsyncSession, f: UnitFile, item: Item, person_id: int, comment: str) -> None:
    """A comment on the item, dated and appended: an earlier one is never overwritten."""
    row = _row(s, f, item)
    stamp = datetime.now(UTC).strftime("%d/%m/%Y")
    row.comment = "\n".join(filter(None, [row.comment, f"[{stamp}] {comment}"]))
    row.appraiser_id = person_id
    assessments.audit(s, f.a, person_id, "appraisal.comment", item.id, None, comment)


def missing(f: UnitFile, rubric: Rubric) -> list[Item]:
    """The items the authority has not scored yet (a rating needs them all)."""
    return [i for i in rubric.items() if i.id not in f.given]


async def return_to_unit(s: AsyncSession, f: UnitFile, person_id: int, reason: str) -> None:
    """Back to the unit to correct and submit again; its officers start at the review."""
    a = f.a
    assessments.audit(s, a, person_id, "assessment.return", None, a.status.value, reason)
    a.status, a.returned_reason = Status.DRAFT, reason
    await assessments.reset_positions(s, a.id, REVIEW)


def rate(f: UnitFile, person_id: int, band: RatingBand) -> None:
    """The rating chosen (audited by the database), not yet confirmed."""
    f.a.final_rating, f.a.appraised_by_id = band.code, person_id


def confirm(s: AsyncSession, f: UnitFile, rubric: Rubric, person_id: int) -> None:
    """The rating decided: the assessment is appraised, with the authority's total."""
    a = f.a
    assessments.audit(s, a, person_id, "assessment.appraise", None, a.status.value,
                      Status.APPRAISED.value)  # fmt: skip
    a.status, a.appraised_at, a.appraised_by_id = Status.APPRAISED, datetime.now(UTC), person_id
    a.appraised_total = total(rubric, f.given_scores())


def to_unit(f: UnitFile, reply: Reply) -> list[Reply]:
    """``reply`` for each chat of the unit's officers."""
    return [
        Reply(reply.text, report_for=reply.report_for, recipient=Recipient(channel, chat_id))
        for channel, chat_id in f.chats
    ]
