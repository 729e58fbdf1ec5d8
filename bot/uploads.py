"""Which evidence files are accepted, checked the same way on every channel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conversations.events import FileUpload
from reports.messages import msg
from storage.filestore import FileStore, FileTooLarge, StoredFile, guess_mime

# MIME types an officer may send as evidence (PDF, Word, Excel, JPG, PNG).
ALLOWED = {
    "application/pdf": "document",
    "application/msword": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.ms-excel": "document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document",
    "image/jpeg": "photo",
    "image/png": "photo",
}


@dataclass(frozen=True)
class Rejected:
    message: str  # Vietnamese, ready to show
    too_big: bool = False  # over the chat's limit: the upload page may take it


def too_big(name: str, size: int, limit: int) -> Rejected:
    return Rejected(msg("file_too_big", name=name, size=size, limit=limit), too_big=True)


def upload_of(
    stored: StoredFile, name: str, mime: str, caption: str | None = None, item_id: str | None = None
) -> FileUpload:
    """The engine's event for a checked file now in the store."""
    return FileUpload(
        storage_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        original_name=name,
        mime_type=mime,
        kind=ALLOWED[mime],
        caption=caption,
        item_id=item_id,
    )


def check_type(name: str, head: bytes) -> str | Rejected:
    mime = guess_mime(name, head)
    if mime not in ALLOWED:
        return Rejected(msg("file_bad_type", name=name))
    return mime


async def accept_local_file(
    path: Path, store: FileStore, max_bytes: int, caption: str | None = None
) -> FileUpload | Rejected:
    """A file on this machine (console demo): checked, then copied into the store."""
    if not path.exists():
        return Rejected(msg("file_missing", path=str(path)))
    if path.is_dir():
        return Rejected(msg("file_is_dir", path=str(path)))
    size = path.stat().st_size
    if size > max_bytes:
        return too_big(path.name, size, max_bytes)
    if size == 0:
        return Rejected(msg("file_empty", name=path.name))
    with path.open("rb") as fh:
        head = fh.read(8192)
    mime = check_type(path.name, head)
    if isinstance(mime, Rejected):
        return mime
    try:
        stored = await store.put_path(path, max_size=max_bytes)
    except FileTooLarge:
        return too_big(path.name, size, max_bytes)
    return upload_of(stored, path.name, mime, caption)


async def accept_bytes(
    name: str, data: bytes, store: FileStore, max_bytes: int, caption: str | None = None
) -> FileUpload | Rejected:
    """A file a channel downloaded: size and type (by its bytes) checked, then stored."""
    if len(data) > max_bytes:
        return too_big(name, len(data), max_bytes)
    if not data:
        return Rejected(msg("file_empty", name=name))
    mime = check_type(name, data[:8192])  # the content decides, not the name
    if isinstance(mime, Rejected):
        return mime
    stored = await store.put_bytes(data)
    return upload_of(stored, name, mime, caption)
