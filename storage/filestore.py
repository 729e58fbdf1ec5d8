"""Content-addressed evidence store (DESIGN.md §3).

A file is stored under ``<root>/<sha[:2]>/<sha[2:4]>/<sha>``: the key is derived from the content
only, never from a name the user chose, and the same content is stored once. Writes go to a
temporary file inside ``<root>/.tmp`` (same file system), are fsynced, then linked into place
atomically, so a crash never leaves a partial file under a final name.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mimetypes
import os
import re
import struct
import time
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
TMP_DIR = ".tmp"
_KEY_RE = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")


class FileTooLarge(ValueError):
    """The content exceeds the store's (or the call's) size limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"file larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str  # "ab/cd/abcd…" (relative path under the root)
    sha256: str
    size: int
    existed: bool  # True when the same content was already stored


def key_for(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class _Writer:
    """Blocking part of a put: a temp file being written and hashed. Run it in a thread."""

    def __init__(self, root: Path, limit: int | None) -> None:
        tmp_dir = root / TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.limit = limit
        self.tmp = tmp_dir / f"{uuid.uuid4().hex}.part"
        self.file: BinaryIO = self.tmp.open("xb")
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            raise FileTooLarge(self.limit)
        self.hash.update(chunk)
        self.file.write(chunk)

    def commit(self) -> StoredFile:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        sha = self.hash.hexdigest()
        key = key_for(sha)
        final = self.root / key
        final.parent.mkdir(parents=True, exist_ok=True)
        existed = _link_into_place(self.tmp, final, self.size)
        self.tmp.unlink(missing_ok=True)
        if not existed:
            _fsync_dir(final.parent)
        return StoredFile(key=key, sha256=sha, size=self.size, existed=existed)

    def abort(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)


def _link_into_place(tmp: Path, final: Path, size: int) -> bool:
    """Publish ``tmp`` as ``final``; return True if identical content was already there."""
    try:
        os.link(tmp, final)  # atomic "create if absent": concurrent puts cannot both win
        return False
    except FileExistsError:
        if final.stat().st_size == size:
            return True
        os.replace(tmp, final)  # a damaged copy (should not happen): heal it
        return False
    except OSError:  # file system without hard links
        if final.exists() and final.stat().st_size == size:
            return True
        os.replace(tmp, final)
        return False


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere (e.g. Windows)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _put_file_sync(root: Path, limit: int | None, src: Path) -> StoredFile:
    writer = _Writer(root, limit)
    try:
        with src.open("rb") as f:
            while chunk := f.read(CHUNK):
                writer.write(chunk)
        return writer.commit()
    except BaseException:
        writer.abort()
        raise


class FileStore:
    """Evidence files by content. Disk work runs in threads (``asyncio.to_thread``)."""

    def __init__(self, root: Path | str, max_size: int | None = None) -> None:
        self.root = Path(root)
        self.max_size = max_size

    def _limit(self, max_size: int | None) -> int | None:
        return self.max_size if max_size is None else max_size

    async def put_bytes(self, data: bytes, *, max_size: int | None = None) -> StoredFile:
        return await self.put_stream(_one(data), max_size=max_size)

    async def put_path(self, path: Path | str, *, max_size: int | None = None) -> StoredFile:
        return await asyncio.to_thread(_put_file_sync, self.root, self._limit(max_size), Path(path))

    async def put_stream(
        self, chunks: AsyncIterable[bytes], *, max_size: int | None = None
    ) -> StoredFile:
        """Store the chunks' concatenation; raise FileTooLarge past the limit (nothing kept)."""
        # Creating the temp file and aborting are quick and stay in the loop, so that even a
        # cancelled put (client gone) leaves no temp file behind.
        writer = _Writer(self.root, self._limit(max_size))
        try:
            async for chunk in chunks:
                if chunk:
                    await asyncio.to_thread(writer.write, chunk)
            return await asyncio.to_thread(writer.commit)
        except BaseException:
            writer.abort()
            raise

    def path(self, key: str) -> Path:
        """The file's path; ValueError for anything that is not a key of this store."""
        m = _KEY_RE.match(key)
        if not m or not m.group(3).startswith(m.group(1) + m.group(2)):
            raise ValueError(f"not a file store key: {key!r}")
        return self.root / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        """Open the stored file for reading (binary); FileNotFoundError if absent."""
        return self.path(key).open("rb")

    async def read_bytes(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path(key).read_bytes)

    async def sweep_temp(self, older_than: float = 3600.0) -> int:
        """Remove temp files left by a crash (older than ``older_than`` seconds); count them."""
        return await asyncio.to_thread(_sweep, self.root / TMP_DIR, older_than)


def _sweep(tmp_dir: Path, older_than: float) -> int:
    if not tmp_dir.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for p in tmp_dir.glob("*.part"):
        with contextlib.suppress(FileNotFoundError):
            if p.stat().st_mtime < cutoff:
                p.unlink()
                removed += 1
    return removed


async def _one(data: bytes) -> AsyncIterable[bytes]:
    yield data


# --- MIME type --------------------------------------------------------------------------------

_OOXML = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OOXML_PARTS = {b"word/": ".docx", b"xl/": ".xlsx", b"ppt/": ".pptx"}
_OLE = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
        ".ppt": "application/vnd.ms-powerpoint"}  # fmt: skip
_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]
OCTET = "application/octet-stream"


def guess_mime(name: str | None, head: bytes) -> str:
    """MIME type from the first bytes (a few KB), else from the name.

    The content wins: the name is user-chosen. A name claiming a format that we recognise by
    its magic number (PDF, images, Office) is not believed when the bytes do not match.
    """
    ext = Path(name or "").suffix.lower()
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    if head.startswith(b"PK\x03\x04"):
        return _zip_mime(ext, head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: legacy Office
        return _OLE.get(ext, "application/x-ole-storage")
    by_name = _OOXML.get(ext) or _OLE.get(ext) or mimetypes.guess_type(f"x{ext}")[0]
    if by_name and by_name not in _SNIFFED:
        return by_name
    if head and _looks_like_text(head):
        return "text/plain"
    return OCTET


_SNIFFED = (
    {m for _, m in _MAGIC}
    | set(_OLE.values())
    | set(_OOXML.values())
    | {"image/webp", "image/heic", "application/zip"}
)


def _zip_mime(ext: str, head: bytes) -> str:
    odf = _odf_mimetype(head)
    if odf:
        return odf
    if ext in _OOXML:
        return _OOXML[ext]
    for part, part_ext in _OOXML_PARTS.items():
        if part in head:
            return _OOXML[part_ext]
    return "application/zip"


def _odf_mimetype(head: bytes) -> str | None:
    """OpenDocument: the first ZIP entry is "mimetype", stored uncompressed."""
    if len(head) < 30:
        return None
    size, _, name_len, extra_len = struct.unpack_from("<IIHH", head, 18)
    start = 30 + name_len + extra_len
    if head[30 : 30 + name_len] != b"mimetype" or size > 100:
        return None
    value = head[start : start + size]
    if not value.startswith(b"application/vnd.oasis.opendocument."):
        return None
    return value.decode("ascii", "replace")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start >= len(head) - 3  # a multi-byte character cut at the end
    return True
