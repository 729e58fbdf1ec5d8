"""Attaching an evidence file (already in the file store) to the item it proves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from conversations.events import FileUpload
from conversations.officer.context import Ctx
from rubric.model import Item
from rubric.vietnam import local
from storage import assessments as repo
from storage.evidence_names import readable_name
from storage.models import Evidence


async def attach(ctx: Ctx, item: Item, upload: FileUpload, via_web: bool = False) -> None:
    """Record the file for the item; the same content twice on one item is kept once."""
    existing = await repo.evidence_for(ctx.s, ctx.assessment.id, item.id, upload.sha256)
    if existing is not None:
        ctx.say_msg("file_duplicate", name=existing.original_name, item=item)
        return
    if not upload.named:  # a phone's photo: after the item and the day, not a file id
        day = local(datetime.now(UTC)).date()
        name = await readable_name(ctx.s, ctx.assessment.id, item.id, upload.original_name, day)
        upload = replace(upload, original_name=name)
    ctx.s.add(
        Evidence(
            assessment_id=ctx.assessment.id,
            item_id=item.id,
            kind=upload.kind,
            original_name=upload.original_name,
            mime_type=upload.mime_type,
            size=upload.size,
            sha256=upload.sha256,
            storage_key=upload.storage_key,
            caption=upload.caption,
            uploaded_by_id=ctx.person.id,
        )
    )
    ctx.evidence[item.id] += 1
    ctx.audit("evidence.add", item.id, None, upload.original_name)
    saved = "web_file_saved" if via_web else "file_saved"
    ctx.say_msg(saved, name=upload.original_name, item=item, count=ctx.evidence[item.id])
