"""Telegram updates → engine events → messages. Handlers stay thin: no flow logic here."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.app import App
from bot.channel.upload_offer import document_name, download_line, offer, with_desk_link
from bot.channel.uploads import Rejected
from bot.journal import UNKNOWN
from bot.logs import update_kind
from bot.telegram import callback, calls, files, render
from bot.telegram.busy import Busy
from bot.telegram.intake import Intake, sender_of
from bot.telegram.send import quietly, retrying
from conversations.events import Command, Event, Reply, Start, Text
from conversations.merge import merge_notices
from conversations.texts import MESSAGE_LIMIT, msg

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
CHANNEL = "telegram"
DOCUMENT_LIMIT = 50 * 1024 * 1024  # what a bot may send (Bot API sendDocument); beyond: a link
LINK, NO_LINK = "document_link", "document_too_big"  # the chat texts of that link
UPLOAD_TIMEOUT = 600.0  # seconds to send a document (the library's 20 s fit about 6 MB on 3G)


class TelegramChannel:
    def __init__(self, app: App, intake: Intake) -> None:
        self.app = app
        self.intake = intake

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
        message, sender = update.effective_message, sender_of(update)
        assert message is not None and sender is not None
        refused = await self.app.engine.refuse_file(sender)  # who, before any download
        if refused is not None:
            await self.send(context, message.chat_id, [refused])
            return
        upload = await files.receive(message, self.app.files, self.app.max_upload_bytes)
        if isinstance(upload, Rejected):
            replies = [Reply(upload.message)]
            if upload.too_big and self.app.links is not None:  # the upload page takes it
                more = await offer(self.app, sender, "big_file_upload_link")
                replies.extend([more] if more else [])
            await self.send(context, message.chat_id, replies)
            return
        await self.process(update, context, upload)

    async def on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        choice, sender = callback.decode(query.data), sender_of(update)
        if choice is None or sender is None or sender.chat_id is None:  # forged; inline message
            await quietly(lambda: query.answer(msg("stale_button"), show_alert=True))
            return
        chat_id, answered = int(sender.chat_id), False

        async def answer(replies: list[Reply], closes: bool) -> None:
            nonlocal answered
            if not answered:  # once, at the first replies
                answered = True
                await self._answer(query, replies, closes)

        async def ready(replies: list[Reply]) -> None:  # before a document: sent at once
            await answer(replies, True)
            await self.send(context, chat_id, [r for r in replies if not r.alert])
            await busy()

        async with Busy(context.bot, chat_id) as busy:
            replies = await self.app.engine.handle(
                sender, choice, update_key=self.intake.key(update), busy=ready
            )
        await answer(replies, bool(replies))
        await self.send(context, chat_id, [r for r in replies if not r.alert])

    async def _answer(self, query: CallbackQuery, replies: list[Reply], closes: bool) -> None:
        """The button's spinner stops (an alert shown); an answered question shows the choice
        and loses its buttons (``closes``: the press has an answer)."""
        alert = next((r for r in replies if r.alert), None)
        await quietly(
            lambda: query.answer(alert.text if alert else None, show_alert=alert is not None)
        )
        message = query.message
        if not isinstance(message, Message) or not closes:
            return
        if alert is None:
            await self._close_question(message, _label(message.reply_markup, query.data))
        elif not await self._is_open(message):  # a stale question's buttons go; the open
            await quietly(  # one's stay
                lambda: calls.drop_buttons(message.get_bot(), message.chat_id, message.message_id)
            )

    # -- helpers -------------------------------------------------------------
    async def process(self, update: Update, context: Context, event: Event) -> None:
        sender = sender_of(update)
        if sender is None or sender.chat_id is None:
            return
        chat_id = int(sender.chat_id)

        async def ready(replies: list[Reply]) -> None:  # before a document: sent at once
            await self.send(context, chat_id, replies)
            await busy()

        async with Busy(context.bot, chat_id) as busy:
            replies = await self.app.engine.handle(
                sender, event, update_key=self.intake.key(update), busy=ready
            )
        await self.send(context, chat_id, replies)

    async def send(self, context: Context, own_chat: int, replies: list[Reply]) -> None:
        for reply in merge_notices(replies, MESSAGE_LIMIT):
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
        parts = render.chunks(with_desk_link(self.app, reply))
        for part in parts[:-1]:
            await self._send_text(context, chat_id, part, None)
        sent = await self._send_text(context, chat_id, parts[-1], markup)
        if markup is not None:
            await self._open_question(context, chat_id, sent)

    @staticmethod
    async def _send_text(
        context: Context, chat_id: int, text: str, markup: render.Markup | None
    ) -> int:
        return await retrying(lambda: calls.send_text(context.bot, chat_id, text, markup))

    async def _send_document(self, context: Context, chat_id: int, reply: Reply) -> None:
        path = reply.document
        assert path is not None
        caption, name = reply.text[:1024], document_name(self.app, reply)
        if path.stat().st_size > DOCUMENT_LIMIT:  # a bundle: through a signed link instead
            await self._send_text(
                context,
                chat_id,
                f"{reply.text}\n\n{download_line(self.app, path, name, LINK, NO_LINK)}",
                None,
            )
            return
        data = path.read_bytes()
        await retrying(
            lambda: context.bot.send_document(
                chat_id, data, filename=name, caption=caption, write_timeout=UPLOAD_TIMEOUT
            )
        )

    async def _open_question(self, context: Context, chat_id: int, message_id: int) -> None:
        """The new question is the chat's open one; the previous question's buttons go, also
        when it was asked before a restart (the journal keeps it in the database).

        Read and replaced at once (no await in between): a chat's own update and a notification
        to it (e.g. from the upload page) may ask at the same time, and each then retires the
        question it replaced, so only the last one asked keeps its buttons."""
        journal = self.app.journal
        previous = journal.swap_prompt(CHANNEL, str(chat_id), str(message_id))
        if previous is UNKNOWN:
            previous = await journal.stored_prompt(CHANNEL, str(chat_id))
        if isinstance(previous, str) and previous != str(message_id):
            old = int(previous)
            await quietly(lambda: calls.drop_buttons(context.bot, chat_id, old))

    async def _is_open(self, message: Message) -> bool:
        """Does the message hold the chat's open question?"""
        current = await self.app.journal.open_prompt(CHANNEL, str(message.chat_id))
        return current == str(message.message_id)

    async def _close_question(self, message: Message, label: str | None) -> None:
        """Show the chosen answer in the pressed question and remove its buttons."""
        chat_id, message_id, bot = message.chat_id, message.message_id, message.get_bot()
        self.app.journal.close_prompt(CHANNEL, str(chat_id), str(message_id))
        if label is not None and message.text:
            text = render.chosen(message.text, label)
            await quietly(lambda: calls.edit_text(bot, chat_id, message_id, text))
        else:
            await quietly(lambda: calls.drop_buttons(bot, chat_id, message_id))


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
    log.exception(
        "update failed: %s",
        update,
        exc_info=context.error,
        extra={"update_kind": update_kind(update)},
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        chat_id = update.effective_chat.id
        try:
            await quietly(lambda: calls.send_text(context.bot, chat_id, msg("oops")))
        except TelegramError:
            log.warning("could not tell chat %s about the failure", chat_id)
