"""Content-addressed evidence store.

A file is stored under ``<root>/<sha[:2]>/<sha[2:4]>/<sha>``: the key is derived from the content
only, never from a name the user chose, and the same content is stored once. Writes go to a
temporary file inside ``<root>/.tmp`` (same file system), named for this host and process
(``storage.tempfiles``), are fsynced, optionally checked (``put_checked``), then linked into
place atomically, so a crash never leaves a partial file under a final name, and a file that
fails its check is never stored at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from storage import tempfiles

CHUNK = 1024 * 1024
TMP_DIR = ".tmp"
_KEY_RE = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
T = TypeVar("T")


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
        self.tmp = tmp_dir / tempfiles.temp_name(".part")
        self.file: BinaryIO = self.tmp.open("xb")
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            raise FileTooLarge(self.limit)
        self.hash.update(chunk)
        self.file.write(chunk)

    def seal(self) -> None:
        """All written: on disk and closed (a check may read ``tmp`` now)."""
        if not self.file.closed:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()

    def commit(self) -> StoredFile:
        self.seal()
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
        stored, _ = await self.put_checked(chunks, _no_check, max_size=max_size)
        return stored

    async def put_checked(
        self,
        chunks: AsyncIterable[bytes],
        check: Callable[[Path], T],
        *,
        max_size: int | None = None,
    ) -> tuple[StoredFile, T]:
        """Write the chunks to a temp file (FileTooLarge past the limit), run ``check`` on it in
        a thread, and store it only if the check returns: its result comes back with the stored
        file. Whatever the check raises is raised here, and nothing is kept, as on any failure
        or cancellation."""
        # Creating the temp file and aborting are quick and stay in the loop, so that even a
        # cancelled put (client gone) leaves no temp file behind.
        writer = _Writer(self.root, self._limit(max_size))
        try:
            async for chunk in chunks:
                if chunk:
                    await asyncio.to_thread(writer.write, chunk)
            await asyncio.to_thread(writer.seal)
            checked = await asyncio.to_thread(check, writer.tmp)
            return await asyncio.to_thread(writer.commit), checked
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
        """Remove temp files left by a crash: at once those of this host whose process is gone,
        and any older than ``older_than`` seconds (another host's, or a pid now reused); count
        them. A live process's writes in progress are left alone."""
        return await asyncio.to_thread(_sweep, self.root / TMP_DIR, older_than)


def _sweep(tmp_dir: Path, older_than: float) -> int:
    if not tmp_dir.is_dir():
        return 0
    return tempfiles.sweep(tmp_dir.glob("*.part"), older_than)


def _no_check(path: Path) -> None:
    return None


async def _one(data: bytes) -> AsyncIterable[bytes]:
    yield data
