"""Evidence from Telegram: photos (largest size) and documents, into the file store."""

from __future__ import annotations

from pathlib import PurePath

from telegram import Message
from telegram.error import BadRequest

from bot.uploads import Rejected, accept_bytes, too_big
from conversations.events import FileUpload
from reports.messages import msg
from storage.filestore import FileStore


def _declared(message: Message) -> tuple[str, str, int | None, str] | None:
    """(file id, name, size, kind) of the message's file, or None when it has none."""
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return photo.file_id, f"anh-{photo.file_unique_id}.jpg", photo.file_size, "photo"
    doc = message.document
    if doc is not None:
        return doc.file_id, doc.file_name or f"tep-{doc.file_unique_id}", doc.file_size, "document"
    return None


def has_file(message: Message) -> bool:
    return _declared(message) is not None


async def receive(message: Message, store: FileStore, max_bytes: int) -> FileUpload | Rejected:
    """Check, download through getFile and store the message's file."""
    declared = _declared(message)
    assert declared is not None
    file_id, name, size, kind = declared
    if size is not None and size > max_bytes:
        return too_big(name, size, max_bytes)
    if kind == "document" and _extension_refused(name):
        return Rejected(msg("file_bad_type", name=name))
    try:
        tg_file = await message.get_bot().get_file(file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except BadRequest:  # "file is too big" for the cloud Bot API
        return too_big(name, size or max_bytes + 1, max_bytes)
    return await accept_bytes(name, data, store, max_bytes, message.caption)


_EXTENSIONS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png"}


def _extension_refused(name: str) -> bool:
    return PurePath(name).suffix.lower() not in _EXTENSIONS
