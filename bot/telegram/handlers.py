"""Telegram updates → engine events → messages. Handlers stay thin: no flow logic here."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.app import App
from bot.telegram import callback, files, render
from bot.telegram.send import quietly, retrying
from bot.upload_offer import offer
from bot.uploads import Rejected
from conversations.events import Command, Event, Reply, Sender, Start, Text
from conversations.merge import merge_notices
from reports.messages import msg

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
CHANNEL = "telegram"


def sender_of(update: Update) -> Sender:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Sender(CHANNEL, str(user.id), str(chat.id), user.full_name)


class TelegramChannel:
    def __init__(self, app: App) -> None:
        self.app = app
        self.last_prompt: dict[int, int] = {}  # chat id -> message id of the open question

    # -- handlers ------------------------------------------------------------
    async def on_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        head, _, arg = message.text.strip().partition(" ")
        name = head[1:].split("@")[0].lower()
        event: Event = Start(arg.strip() or None) if name == "start" else Command(name)
        await self.process(update, context, event)

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await self.process(update, context, Text(message.text))

    async def on_file(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        upload = await files.receive(message, self.app.files, self.app.max_upload_bytes)
        if isinstance(upload, Rejected):
            replies = [Reply(upload.message)]
            if upload.too_big and self.app.links is not None:  # the upload page takes it
                more = await offer(self.app, sender_of(update), "big_file_upload_link")
                replies.extend([more] if more else [])
            await self.send(context, message.chat_id, replies)
            return
        await self.process(update, context, upload)

    async def on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        choice = callback.decode(query.data)
        if choice is None:
            await quietly(lambda: query.answer(msg("stale_button"), show_alert=True))
            return
        chat_id = update.effective_chat.id if update.effective_chat else None
        replies = await self.app.engine.handle(
            sender_of(update),
            choice,
            update_key=str(update.update_id),
            busy=self._busy(context, chat_id),
        )
        alert = next((r for r in replies if r.alert), None)
        await quietly(
            lambda: query.answer(alert.text if alert else None, show_alert=alert is not None)
        )
        message = query.message
        if isinstance(message, Message) and replies:
            label = _label(message.reply_markup, query.data) if alert is None else None
            await self._close_question(message, label)
        if chat_id is not None:
            await self.send(context, chat_id, [r for r in replies if not r.alert])

    # -- helpers -------------------------------------------------------------
    async def process(self, update: Update, context: Context, event: Event) -> None:
        chat = update.effective_chat
        assert chat is not None
        replies = await self.app.engine.handle(
            sender_of(update),
            event,
            update_key=str(update.update_id),
            busy=self._busy(context, chat.id),
        )
        await self.send(context, chat.id, replies)

    def _busy(self, context: Context, chat_id: int | None) -> Any:
        async def busy() -> None:
            if chat_id is not None:
                await quietly(
                    lambda: context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
                )

        return busy

    async def send(self, context: Context, own_chat: int, replies: list[Reply]) -> None:
        for reply in merge_notices(replies, render.TEXT_LIMIT):
            chat_id = own_chat
            if reply.recipient is not None:  # a notification to someone else
                if reply.recipient.channel != CHANNEL:  # reaches them on their own channel
                    await self.app.deliver(
                        reply.recipient.channel, reply.recipient.chat_id, [reply]
                    )
                    continue
                chat_id = int(reply.recipient.chat_id)
            try:
                await self._send_one(context, chat_id, reply)
            except Forbidden:
                if reply.recipient is None:
                    raise
                log.warning("chat %s blocked the bot; notification not delivered", chat_id)

    async def _send_one(self, context: Context, chat_id: int, reply: Reply) -> None:
        if reply.document is not None:
            await self._send_document(context, chat_id, reply)
            return
        markup = render.keyboard(reply)
        parts = render.chunks(reply.text)
        for part in parts[:-1]:
            await self._send_text(context, chat_id, part, None)
        sent = await self._send_text(context, chat_id, parts[-1], markup)
        if markup is not None:
            await self._open_question(context, chat_id, sent.message_id)

    @staticmethod
    async def _send_text(
        context: Context, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        return await retrying(lambda: context.bot.send_message(chat_id, text, reply_markup=markup))

    @staticmethod
    async def _send_document(context: Context, chat_id: int, reply: Reply) -> None:
        path = reply.document
        assert path is not None
        data = path.read_bytes()
        caption, name = reply.text[:1024], reply.filename or path.name
        await retrying(
            lambda: context.bot.send_document(chat_id, data, filename=name, caption=caption)
        )

    async def _open_question(self, context: Context, chat_id: int, message_id: int) -> None:
        """The new question is the chat's open one; the previous question's buttons go.

        Read and replaced at once (no await in between): a chat's own update and a notification
        to it (e.g. from the upload page) may ask at the same time, and each then retires the
        question it replaced, so only the last one asked keeps its buttons."""
        previous = self.last_prompt.get(chat_id)
        self.last_prompt[chat_id] = message_id
        if previous is not None and previous != message_id:
            await quietly(
                lambda: context.bot.edit_message_reply_markup(chat_id, previous, reply_markup=None)
            )

    async def _close_question(self, message: Message, label: str | None) -> None:
        """Show the chosen answer in the pressed question and remove its buttons."""
        if self.last_prompt.get(message.chat_id) == message.message_id:
            del self.last_prompt[message.chat_id]
        if label is not None and message.text:
            text = render.chosen(message.text, label)
            await quietly(lambda: message.edit_text(text, reply_markup=None))
        else:
            await quietly(lambda: message.edit_reply_markup(reply_markup=None))


def _label(markup: InlineKeyboardMarkup | None, data: str | None) -> str | None:
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


async def on_error(update: object, context: Context) -> None:
    """One failing update never stops the bot: log it and tell the person, politely."""
    log.exception("update failed: %s", update, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        chat_id = update.effective_chat.id
        try:
            await quietly(lambda: context.bot.send_message(chat_id, msg("oops")))
        except TelegramError:
            log.warning("could not tell chat %s about the failure", chat_id)
