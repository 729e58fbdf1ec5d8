"""storage.filestore: content-addressed, atomic, deduplicating evidence store."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import tempfiles
from storage.filestore import TMP_DIR, FileStore, FileTooLarge, key_for


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


# --- checked puts -------------------------------------------------------------------------------


async def test_put_checked_checks_the_whole_file_before_storing_it(filestore: FileStore) -> None:
    data = os.urandom(300_000)
    seen: list[tuple[Path, bytes, list[Path]]] = []

    def check(path: Path) -> str:
        seen.append((path, path.read_bytes(), files_under(filestore.root)))
        return "ok"

    stored, result = await filestore.put_checked(chunks_of(data, 7000), check)
    assert result == "ok"
    ((path, content, present),) = seen
    assert content == data
    assert present == [path]  # only the temp file: nothing under its key yet
    assert path.parent == filestore.root / TMP_DIR
    assert files_under(filestore.root) == [filestore.path(stored.key)]


async def test_put_checked_keeps_nothing_when_the_check_refuses(filestore: FileStore) -> None:
    class Refused(Exception):
        pass

    def refuse(path: Path) -> None:
        raise Refused(path.name)

    with pytest.raises(Refused):
        await filestore.put_checked(chunks_of(b"MZ not a pdf"), refuse)
    with pytest.raises(FileTooLarge):
        await filestore.put_checked(chunks_of(b"x" * 5000, 100), refuse, max_size=1000)
    assert files_under(filestore.root) == []


async def test_put_checked_cancelled_during_the_check(filestore: FileStore) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(path: Path) -> None:
        started.set()
        release.wait(10)

    task = asyncio.create_task(filestore.put_checked(chunks_of(b"%PDF-1.7"), slow))
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert files_under(filestore.root) == []


# --- temp files: named for their host and process ------------------------------------------------


async def test_temp_files_carry_host_and_pid(filestore: FileStore) -> None:
    names: list[str] = []

    def check(path: Path) -> None:
        names.append(path.name)

    await filestore.put_checked(chunks_of(b"abc"), check)
    (name,) = names
    assert name.startswith(f"{tempfiles.HOST}~{os.getpid()}~") and name.endswith(".part")
    assert tempfiles.owner_of(name) == tempfiles.Owner(tempfiles.HOST, os.getpid())


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


async def test_sweep_temp_removes_orphans_at_once(filestore: FileStore) -> None:
    tmp = filestore.root / TMP_DIR
    tmp.mkdir(parents=True)
    host = tempfiles.HOST
    token = "0123456789abcdef0123456789abcdef"
    names = {
        "orphan": f"{host}~{dead_pid()}~{token}.part",  # this host, process gone
        "ours": f"{host}~{os.getpid()}~{token}.part",  # a write in progress here
        "alive": f"{host}~{os.getppid()}~{token}.part",  # another live process of this host
        "other_host": f"autre-may.example~{dead_pid()}~{token}.part",  # cannot tell: wait
        "old_other_host": f"autre-may~{dead_pid()}~{token}.part",
        "legacy": f"{token}.part",  # before names told their owner
    }
    for name in names.values():
        (tmp / name).write_bytes(b"half")
    two_hours_ago = time.time() - 7200
    for old in ("old_other_host", "legacy"):
        os.utime(tmp / names[old], (two_hours_ago, two_hours_ago))
    assert await filestore.sweep_temp(older_than=3600) == 3
    left = {p.name for p in tmp.iterdir()}
    assert left == {names["ours"], names["alive"], names["other_host"]}


def test_temp_names_with_a_prefix() -> None:
    name = tempfiles.temp_name(".docx", prefix=".bao~cao.2022")
    assert name.startswith(f".bao~cao.2022~{tempfiles.HOST}~{os.getpid()}~")
    assert name.endswith(".docx")
    assert tempfiles.owner_of(name) == tempfiles.Owner(tempfiles.HOST, os.getpid())
    assert not tempfiles.is_orphan(name)
    for other in ("bao-cao.docx", "a~b.part", "host~12~xyz.part", "host~pid~0123abcd.part"):
        assert tempfiles.owner_of(other) is None
        assert not tempfiles.is_orphan(other)


def test_sweep_of_a_report_folder_touches_only_temp_names(tmp_path: Path) -> None:
    report = tmp_path / "bao-cao.docx"
    orphan = tmp_path / tempfiles.temp_name(".docx", prefix=".bao-cao").replace(
        f"~{os.getpid()}~", f"~{dead_pid()}~"
    )
    for p in (report, orphan):
        p.write_bytes(b"PK")
    candidates = [p for p in tmp_path.iterdir() if tempfiles.owner_of(p.name)]
    assert tempfiles.sweep(candidates) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["bao-cao.docx"]
