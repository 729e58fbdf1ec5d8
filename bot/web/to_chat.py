"""The upload page's files, through the engine into the officer's assessment, and one message
in the officer's chat for each upload, naming every file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.app import App
from bot.web.links import UploadGrant
from bot.web.upload import Result, UploadRefused
from conversations.events import FileUpload, Reply, Sender
from conversations.texts import msg
from storage.assessments import evidence_counts, evidence_for


class EngineUploads:
    def __init__(self, app: App) -> None:
        self.app = app

    async def attach(self, grant: UploadGrant, upload: FileUpload) -> bool:
        """Attached by the engine (as if sent in the chat, to the link's item). What the engine
        says of each file is not sent: ``announce`` says it once for the whole upload."""
        async with self.app.sessions() as s:
            had = await evidence_for(s, grant.assessment_id, grant.item_id, upload.sha256)
        sender = Sender(grant.channel, grant.user_id, grant.chat_id)
        event = replace(upload, assessment_id=grant.assessment_id)
        replies = await self.app.engine.handle(sender, event)
        for other in (r for r in replies if r.recipient is not None):  # told to someone else
            await self.app.deliver(other.recipient.channel, other.recipient.chat_id, [other])
        async with self.app.sessions() as s:
            kept = await evidence_for(s, grant.assessment_id, grant.item_id, upload.sha256)
        if kept is None:  # locked, another person's or year's link, an unknown item...
            raise UploadRefused(replies[0].text if replies else "")
        return had is None

    async def announce(self, grant: UploadGrant, results: Sequence[Result]) -> None:
        if grant.chat_id is None:
            return
        async with self.app.sessions() as s:
            count = (await evidence_counts(s, grant.assessment_id))[grant.item_id]
        text = msg(
            "web_upload_done",
            item_id=grant.item_id,
            saved=[r.name for r in results if r.outcome == "saved"],
            again=[r.name for r in results if r.outcome == "again"],
            refused=[r.name for r in results if r.outcome in ("refused", "failed")],
            count=count,
        )
        await self.app.deliver(grant.channel, grant.chat_id, [Reply(text)])
