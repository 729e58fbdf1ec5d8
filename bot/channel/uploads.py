"""Which evidence files are accepted, checked the same way on every channel.

A channel knows a file's name and declared size before it downloads it: ``refuse_early``
answers what can be answered then (too big, a name of a type we never take). ``accept`` then
streams the bytes into the store under the size cap, decides the type from the content
(``storage.filetypes.inspect``, on the temp file, before anything is committed) and returns
the engine's ``FileUpload``, or a ``Rejected`` with the Vietnamese reason; a refused file
leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import unicodedata
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import unquote

from conversations.events import FileUpload
from conversations.texts import msg
from storage import filetypes
from storage.filestore import CHUNK, FileStore, FileTooLarge, StoredFile
from storage.filetypes import TOO_MANY_PIXELS, FileType, Refused

MAX_NAME_BYTES = 255  # evidence.original_name is String(255); bytes bound characters too
FALLBACK_NAME = "tep"
MAX_EXTENSION = 16  # bytes; a longer "suffix" is part of the name, not an extension
_EXTENSION = re.compile(r"^\.[^\s.]+$")  # no blank: "Số 12. Biên bản" has no extension

# Refusal reason -> chat.j2 macro (each takes ``name``).
MESSAGES = {
    filetypes.TYPE: "file_bad_type",
    filetypes.DAMAGED: "file_damaged",
    filetypes.TOO_MANY_PIXELS: "file_too_many_pixels",
    filetypes.ZIP_BOMB: "file_unsafe_archive",
    filetypes.MACRO: "file_has_macros",
    filetypes.ENCRYPTED: "file_encrypted",
    filetypes.EMPTY: "file_empty",
}


@dataclass(frozen=True)
class Rejected:
    message: str  # Vietnamese, ready to show
    too_big: bool = False  # over the chat's limit: the upload page may take it


def too_big(name: str, size: int, limit: int) -> Rejected:
    return Rejected(msg("file_too_big", name=name, size=size, limit=limit), too_big=True)


def refused(name: str, reason: str) -> Rejected:
    """The message for a ``filetypes.Refused`` reason."""
    extra = {"megapixels": filetypes.MAX_PIXELS // 1_000_000} if reason == TOO_MANY_PIXELS else {}
    return Rejected(msg(MESSAGES[reason], name=name, **extra))


# -- names -----------------------------------------------------------------------------------------

# Never in a name: control characters and line or paragraph separators (a blank instead), and
# format (bidi overrides, zero-width), surrogate and unassigned (noncharacters) ones (dropped).
# Private use is harmless and kept.
_BREAKS = frozenset({"Cc", "Zl", "Zp"})
_DROPPED = frozenset({"Cf", "Cs", "Cn"})


def clean_name(raw: str | None, fallback: str = FALLBACK_NAME) -> str:
    """A file name fit to show and store: the last part of a path (a browser may send
    ``C:\\x\\y.pdf``), NFC, no control or format character, blanks collapsed, no leading or
    trailing dot, at most 255 bytes in UTF-8 with the extension kept; ``fallback`` if empty."""
    name = _clean(raw)
    if not name:
        name = _clean(fallback) or FALLBACK_NAME
    return _fit(*_split(name))


def _clean(raw: str | None) -> str:
    text = _unquoted(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(_safe(c) for c in text)
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return text.strip(" .")


_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _unquoted(text: str) -> str:
    """A name some phones send URL-encoded ("Bi%C3%AAn%20b%E1%BA%A3n.pdf") as a person reads
    it; a name whose escapes do not decode to UTF-8 ("Tăng 5%AB") is kept as it is."""
    if not _ESCAPE.search(text):
        return text
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        return text


def _safe(char: str) -> str:
    category = unicodedata.category(char)
    return " " if category in _BREAKS else "" if category in _DROPPED else char


def _split(name: str) -> tuple[str, str]:
    """(stem, extension); "Số 12. Biên bản" or "Biên bản.tháng 12 năm 2023" have none."""
    suffix = PurePath(name).suffix
    if _EXTENSION.match(suffix) and len(suffix.encode()) <= MAX_EXTENSION:
        return name[: -len(suffix)], suffix
    return name, ""


def _fit(stem: str, ext: str) -> str:
    """``stem + ext`` within MAX_NAME_BYTES: the stem is cut, on a character boundary."""
    budget = MAX_NAME_BYTES - len(ext.encode())
    if len(stem.encode()) > budget:
        cut = stem.encode()[:budget].decode("utf-8", "ignore")  # drops a split character
        stem = unicodedata.normalize("NFC", cut).rstrip(" .")
        while len(stem.encode()) > budget:  # (NFC never lengthens an NFC prefix; in case)
            stem = stem[:-1]
    return (stem or FALLBACK_NAME) + ext


def named_for(name: str, kind: FileType) -> str:
    """``name`` with an extension that matches the content: kept when it does (".jpeg" for a
    JPEG too), replaced when it claims another accepted type ("bao-cao.docx" holding a PDF is
    "bao-cao.pdf"), added otherwise ("Biên bản 12.2023" -> "Biên bản 12.2023.pdf")."""
    stem, ext = _split(name)
    if ext.lower() in kind.extensions:
        return name
    if ext.lower() in filetypes.EXTENSIONS:
        return _fit(stem, kind.extension)
    return _fit(name, kind.extension)


# -- what a channel knows before downloading -------------------------------------------------------


@dataclass(frozen=True)
class Offered:
    """A file as a channel announces it, before its bytes are read."""

    name: str | None  # as sent (cleaned here)
    size: int | None  # declared; None when unknown
    caption: str | None = None
    item_id: str | None = None  # the item it proves (upload page), None: the current question
    # when it has no usable name: what it is ("anh.jpg", "tep"); such a file is named after
    # its item and day when it is attached (``FileUpload.named``)
    fallback_name: str = FALLBACK_NAME

    @property
    def shown_name(self) -> str:
        return clean_name(self.name, self.fallback_name)

    @property
    def named(self) -> bool:
        return bool(_clean(self.name))


def refuse_early(offered: Offered, max_bytes: int) -> Rejected | None:
    """What can be refused before downloading: a declared size over the limit, an empty file,
    a name whose extension is that of a type we never take (.exe, .zip, .mp4…)."""
    name = offered.shown_name
    if offered.size is not None and offered.size > max_bytes:
        return too_big(name, offered.size, max_bytes)
    if offered.size == 0:
        return refused(name, filetypes.EMPTY)
    if filetypes.names_other_type(name):
        return refused(name, filetypes.TYPE)
    return None


async def accept(
    offered: Offered, chunks: AsyncIterable[bytes], store: FileStore, max_bytes: int
) -> FileUpload | Rejected:
    """Stream the file into the store (at most ``max_bytes``), decide its type from the
    content, and keep it only if it is accepted. Disk errors are raised as they are."""
    name = offered.shown_name
    early = refuse_early(offered, max_bytes)
    if early is not None:
        return early
    try:
        stored, kind = await store.put_checked(chunks, filetypes.inspect, max_size=max_bytes)
    except FileTooLarge:
        declared = offered.size if offered.size and offered.size > max_bytes else max_bytes + 1
        return too_big(name, declared, max_bytes)
    except Refused as no:
        return refused(name, no.reason)
    return _event(stored, named_for(name, kind), kind, offered)


async def accept_path(
    path: Path, store: FileStore, max_bytes: int, caption: str | None = None
) -> FileUpload | Rejected:
    """A file on this machine (console): the same checks, then copied into the store."""
    if not path.exists():
        return Rejected(msg("file_missing", path=str(path)))
    if path.is_dir():
        return Rejected(msg("file_is_dir", path=str(path)))
    offered = Offered(path.name, path.stat().st_size, caption)
    async with contextlib.aclosing(read_chunks(path)) as chunks:
        return await accept(offered, chunks, store, max_bytes)


async def read_chunks(path: Path, size: int = CHUNK) -> AsyncIterator[bytes]:
    """A local file's bytes, read in a thread a chunk at a time."""
    with path.open("rb") as fh:
        while chunk := await asyncio.to_thread(fh.read, size):
            yield chunk


def _event(stored: StoredFile, name: str, kind: FileType, offered: Offered) -> FileUpload:
    return FileUpload(
        storage_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        original_name=name,
        mime_type=kind.mime,
        kind=kind.kind,
        caption=offered.caption,
        item_id=offered.item_id,
        named=offered.named,
    )
