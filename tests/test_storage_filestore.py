"""storage.filestore: content-addressed, atomic, deduplicating evidence store."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import time
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.filestore import TMP_DIR, FileStore, FileTooLarge, guess_mime, key_for


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def temp_files(store: FileStore) -> list[Path]:
    tmp = store.root / TMP_DIR
    return list(tmp.iterdir()) if tmp.exists() else []


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def test_put_bytes_stores_under_sha_path(filestore: FileStore) -> None:
    data = b"bien ban hop dan"
    sha = hashlib.sha256(data).hexdigest()
    stored = await filestore.put_bytes(data)
    assert stored.sha256 == sha
    assert stored.size == len(data)
    assert stored.key == f"{sha[:2]}/{sha[2:4]}/{sha}" == key_for(sha)
    assert not stored.existed
    assert filestore.path(stored.key) == filestore.root / sha[:2] / sha[2:4] / sha
    assert filestore.exists(stored.key)
    with filestore.open(stored.key) as f:
        assert f.read() == data
    assert await filestore.read_bytes(stored.key) == data


async def test_same_content_stored_once(filestore: FileStore, tmp_path: Path) -> None:
    data = os.urandom(5000)
    src = tmp_path / "Báo cáo (bản cuối).pdf"
    src.write_bytes(data)
    first = await filestore.put_bytes(data)
    second = await filestore.put_path(src)
    third = await filestore.put_stream(chunks_of(data, 7))
    assert first.key == second.key == third.key
    assert (first.existed, second.existed, third.existed) == (False, True, True)
    assert files_under(filestore.root) == [filestore.path(first.key)]


async def test_key_independent_of_name(filestore: FileStore, tmp_path: Path) -> None:
    data = b"same bytes"
    keys = set()
    for name in ("a.pdf", "../../etc/passwd", "ảnh chụp.jpg"):
        p = tmp_path / "src" / name.replace("/", "_")
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        stored = await filestore.put_path(p)
        keys.add(stored.key)
        assert "passwd" not in stored.key and "pdf" not in stored.key
    assert len(keys) == 1


async def test_large_streamed_file_hashed_right(filestore: FileStore) -> None:
    block = hashlib.sha512(b"seed").digest() * 1024  # 64 KiB
    expected = hashlib.sha256()
    total = 25 * 1024 * 1024

    async def stream() -> AsyncIterator[bytes]:
        sent = 0
        i = 0
        while sent < total:
            chunk = bytes([i % 251]) + block[1:]
            expected.update(chunk)
            sent += len(chunk)
            i += 1
            yield chunk

    stored = await filestore.put_stream(stream())
    assert stored.size == total
    assert stored.sha256 == expected.hexdigest()
    assert filestore.path(stored.key).stat().st_size == total
    assert temp_files(filestore) == []


async def test_too_large_keeps_nothing(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "ev", max_size=1000)
    with pytest.raises(FileTooLarge) as err:
        await store.put_bytes(b"x" * 1001)
    assert err.value.limit == 1000
    with pytest.raises(FileTooLarge):
        await store.put_stream(chunks_of(b"y" * 5000, 300))
    src = tmp_path / "big.bin"
    src.write_bytes(b"z" * 2000)
    with pytest.raises(FileTooLarge):
        await store.put_path(src)
    assert files_under(store.root) == []
    # Exactly at the limit is fine; a per-call limit overrides the store's.
    assert (await store.put_bytes(b"x" * 1000)).size == 1000
    assert (await store.put_path(src, max_size=2000)).size == 2000
    with pytest.raises(FileTooLarge):
        await store.put_bytes(b"x" * 11, max_size=10)


async def test_failed_stream_leaves_no_temp_file(filestore: FileStore) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"part one"
        raise ConnectionError("download interrupted")

    with pytest.raises(ConnectionError):
        await filestore.put_stream(broken())
    assert temp_files(filestore) == []
    assert files_under(filestore.root) == []


async def test_cancelled_put_leaves_no_temp_file(filestore: FileStore) -> None:
    started = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b"first"
        started.set()
        await asyncio.sleep(60)
        yield b"never"

    task = asyncio.create_task(filestore.put_stream(slow()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert files_under(filestore.root) == []


async def test_no_temp_files_after_success(filestore: FileStore) -> None:
    await filestore.put_bytes(b"one")
    await filestore.put_bytes(b"one")
    await filestore.put_bytes(b"two")
    assert temp_files(filestore) == []
    assert len(files_under(filestore.root)) == 2


async def test_concurrent_puts_of_same_content(filestore: FileStore) -> None:
    data = os.urandom(300_000)
    results = await asyncio.gather(
        *(filestore.put_stream(chunks_of(data, 4096)) for _ in range(12))
    )
    assert len({r.key for r in results}) == 1
    assert sum(not r.existed for r in results) == 1
    assert files_under(filestore.root) == [filestore.path(results[0].key)]
    assert filestore.path(results[0].key).read_bytes() == data


async def test_empty_file(filestore: FileStore) -> None:
    stored = await filestore.put_bytes(b"")
    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert stored.size == 0
    assert filestore.path(stored.key).read_bytes() == b""


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "ab/cd/" + "0" * 64,  # prefix does not match the hash
        "/abs/path",
        "AB/CD/" + "ab" * 32,
        "",
    ],
)
def test_path_rejects_non_keys(filestore: FileStore, key: str) -> None:
    with pytest.raises(ValueError):
        filestore.path(key)


async def test_sweep_temp_removes_only_old_leftovers(filestore: FileStore) -> None:
    tmp = filestore.root / TMP_DIR
    tmp.mkdir(parents=True)
    old, fresh = tmp / "old.part", tmp / "fresh.part"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    an_hour_ago = time.time() - 7200
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert await filestore.sweep_temp(older_than=3600) == 1
    assert not old.exists() and fresh.exists()


# --- guess_mime -------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes], first_stored: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, data) in enumerate(entries.items()):
            kind = zipfile.ZIP_STORED if first_stored and i == 0 else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=kind)
    return buf.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    ("name", "head", "mime"),
    [
        ("bao_cao.pdf", b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
        ("scan.PDF", b"%PDF-1.4", "application/pdf"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        ("IMG_0001.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        ("anh", b"\xff\xd8\xff\xe1", "image/jpeg"),  # no extension: content decides
        ("photo.png", b"\xff\xd8\xff\xe0", "image/jpeg"),  # wrong name: content wins
        ("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("bao_cao.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b""}), DOCX),
        ("bang.xlsx", _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b""}), XLSX),
        ("no_ext", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b""}), DOCX),
        ("archive.zip", _zip({"a.txt": b"hello"}), "application/zip"),
        (
            "van_ban.odt",
            _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "c.xml": b""}, True),
            "application/vnd.oasis.opendocument.text",
        ),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "application/msword"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "application/vnd.ms-excel"),
        ("fake.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "application/octet-stream"),  # exe as pdf
        ("fake.docx", "Xin chào".encode(), "text/plain"),
        ("ghi_chu.txt", "Nội dung".encode(), "text/plain"),
        ("cut.txt", "Nội dung ả".encode()[:-1], "text/plain"),  # character cut by the head
        ("data.csv", b"a,b\n1,2\n", "text/csv"),
        (None, b"\x00\x01\x02", "application/octet-stream"),
        ("empty.pdf", b"", "application/octet-stream"),
    ],
)
def test_guess_mime(name: str | None, head: bytes, mime: str) -> None:
    assert guess_mime(name, head) == mime
