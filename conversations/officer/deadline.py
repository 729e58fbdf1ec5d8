"""After the submission deadline: the officer is told once, on the first event after it, that
the deadline has passed and what that means (the report and the district summary say "nộp
muộn", the appraisers see it); the assessment can still be submitted: a period is never closed
to a late unit."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations.officer.context import Ctx
from rubric import vietnam
from storage.models import Status


def tell_once(ctx: Ctx) -> None:
    if ctx.assessment.status != Status.DRAFT or ctx.merged or ctx.position.late_told_at:
        return
    today = vietnam.local(datetime.now(UTC)).date()
    if today <= ctx.period.submit_by:
        return
    ctx.say_msg("deadline_passed", period=ctx.period, days=(today - ctx.period.submit_by).days)
    ctx.position.late_told_at = datetime.now(UTC)
