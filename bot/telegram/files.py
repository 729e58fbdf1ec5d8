"""Evidence from Telegram: photos (largest size) and documents, into the file store through the
one acceptance path (``bot.channel.uploads``). Sizes are checked before any download: the message's
``file_size``, else the one ``getFile`` reports."""

from __future__ import annotations

from telegram import Message
from telegram.error import BadRequest

from bot.channel.uploads import Offered, Rejected, accept, refuse_early, too_big
from conversations.events import FileUpload
from storage.filestore import FileStore


def _declared(message: Message) -> tuple[str, Offered] | None:
    """(file id, what is known of the file) of the message's file; None when it has none."""
    caption = message.caption
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return photo.file_id, Offered(None, photo.file_size, caption, fallback_name="anh.jpg")
    doc = message.document
    if doc is not None:
        return doc.file_id, Offered(doc.file_name, doc.file_size, caption, fallback_name="tep")
    return None


def has_file(message: Message) -> bool:
    return _declared(message) is not None


async def receive(message: Message, store: FileStore, max_bytes: int) -> FileUpload | Rejected:
    """Check what the message declares, then download through getFile and accept the file."""
    declared = _declared(message)
    assert declared is not None
    file_id, offered = declared
    early = refuse_early(offered, max_bytes)
    if early is not None:
        return early
    try:
        tg_file = await message.get_bot().get_file(file_id)
    except BadRequest:  # "file is too big" for the cloud Bot API
        return too_big(offered.shown_name, offered.size or max_bytes + 1, max_bytes)
    if tg_file.file_size is not None and tg_file.file_size > max_bytes:
        return too_big(offered.shown_name, tg_file.file_size, max_bytes)
    data = bytes(await tg_file.download_as_bytearray())  # at most max_bytes, as declared
    return await accept(offered, _once(data), store, max_bytes)


async def _once(data: bytes):  # type: ignore[no-untyped-def]
    yield data
