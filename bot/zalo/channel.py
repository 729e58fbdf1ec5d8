"""Zalo updates → engine events → plain-text messages, with web links where Zalo cannot carry a
file: the upload page at the evidence step, a download link for every document."""

from __future__ import annotations

import logging

import httpx

from bot.app import App
from bot.channel.upload_offer import desk_line, document_name, download_line, upload_line
from bot.channel.uploads import Offered, Rejected, accept, too_big
from bot.console import parse_line
from bot.zalo import render
from bot.zalo.client import DownloadTooLarge, ZaloClient, ZaloError, split_text
from bot.zalo.updates import (
    IMAGE_RECEIVED,
    STICKER_RECEIVED,
    TEXT_RECEIVED,
    UNSUPPORTED_RECEIVED,
    ZaloUpdate,
)
from conversations.events import Event, Reply, Sender, Text
from conversations.merge import merge_notices
from conversations.texts import MESSAGE_LIMIT, msg

log = logging.getLogger(__name__)
CHANNEL = "zalo"


def sender_of(update: ZaloUpdate) -> Sender:
    return Sender(CHANNEL, update.user_id, update.chat_id, update.display_name)


def event_of_text(text: str) -> Event:
    """ "/tieptuc" is a command, "/start CODE" an invite; "2." is the key "2"; the rest as typed."""
    if text.strip().startswith("/"):
        return parse_line(text)
    return Text(render.typed_key(text))


class ZaloChannel:
    def __init__(self, app: App, client: ZaloClient) -> None:
        self.app = app
        self.client = client

    async def handle(self, update: ZaloUpdate) -> None:
        """One update, start to finish (the caller keeps one chat's updates in order); the
        journal then knows it answered."""
        try:
            await self._handle(update)
        finally:
            self.app.journal.answered(CHANNEL, update.key)

    async def _handle(self, update: ZaloUpdate) -> None:
        sender = sender_of(update)
        if update.event_name == TEXT_RECEIVED and update.text is not None:
            event: Event | Rejected = event_of_text(update.text)
        elif update.event_name == IMAGE_RECEIVED and update.photo_url:
            refused = await self.app.engine.refuse_file(sender)  # who, before any download
            if refused is not None:
                await self.show(sender, [refused])
                return
            event = await self._photo(update)
        elif update.event_name in (UNSUPPORTED_RECEIVED, STICKER_RECEIVED):
            await self._cannot_read(update, sender)
            return
        else:
            log.info("Zalo update %s ignored", update.event_name)
            return
        if isinstance(event, Rejected):
            await self.show(sender, [Reply(event.message)])
            return
        replies = await self.app.engine.handle(
            sender, event, update_key=update.key, busy=lambda ready: self.show(sender, ready)
        )  # what comes before a document is sent while it is made
        await self.show(sender, replies)

    async def _photo(self, update: ZaloUpdate) -> Event | Rejected:
        assert update.photo_url is not None
        limit = self.app.max_upload_bytes
        offered = Offered(None, None, update.caption, fallback_name="anh.jpg")
        try:  # streamed: refused as soon as it passes the limit
            data = await self.client.download(update.photo_url, limit)
        except DownloadTooLarge:
            return too_big(offered.shown_name, limit + 1, limit)
        except (ZaloError, httpx.HTTPError):
            log.warning("photo of Zalo message %s could not be fetched", update.message_id)
            return Rejected(msg("photo_download_failed"))
        return await accept(offered, _once(data), self.app.files, limit)

    async def _cannot_read(self, update: ZaloUpdate, sender: Sender) -> None:
        """A file, voice or sticker: Zalo does not hand it over. At the evidence step the
        upload link is the way; elsewhere a short explanation and the question again."""
        prompt = await self.app.engine.peek(sender)
        name = "zalo_sticker" if update.event_name == STICKER_RECEIVED else "zalo_unsupported"
        replies = [Reply(msg(name))]
        if prompt is not None:
            replies.append(prompt)
        await self.show(sender, replies)

    # -- sending -------------------------------------------------------------
    async def show(self, sender: Sender, replies: list[Reply]) -> None:
        """Replies to the sender's chat; notifications go to their own recipients."""
        for reply in merge_notices(replies, MESSAGE_LIMIT, render.text_of):
            if reply.recipient is not None:
                await self.app.deliver(reply.recipient.channel, reply.recipient.chat_id, [reply])
            else:
                await self._send(sender.chat_id or sender.user_id, reply, sender)

    async def outbox(self, chat_id: str, replies: list[Reply]) -> None:
        """Messages to a Zalo chat from elsewhere (another channel, the web app)."""
        for reply in replies:
            await self._send(chat_id, reply, None)

    async def _send(self, chat_id: str, reply: Reply, sender: Sender | None) -> None:
        text = render.text_of(reply)
        extra = self._links(reply, sender)
        together = f"{text}\n\n{extra}" if extra else text
        if extra and len(together) > MESSAGE_LIMIT:  # a screenful each: the link on its own
            parts = [*split_text(text), extra]
        else:
            parts = split_text(together)
        for part in parts:
            await self.client.send_message(chat_id, part)

    def _links(self, reply: Reply, sender: Sender | None) -> str:
        if reply.document is not None:
            name = document_name(self.app, reply)
            return download_line(
                self.app, reply.document, name, "zalo_download_link", "zalo_no_download_link"
            )
        if reply.desk_for is not None:
            return desk_line(self.app, reply.desk_for)
        if sender is None:
            return ""
        return upload_line(self.app, sender, reply, "zalo_upload_link") or ""


async def _once(data: bytes):  # type: ignore[no-untyped-def]
    yield data
