"""Backups of an installation: the database and the evidence files, consistent, in one folder.

    <folder>/evidence/ab/cd/<sha256>        the evidence files, by content (shared by snapshots:
                                            a backup copies only files the folder lacks)
    <folder>/20261207T021500Z/database.sqlite | database.pgdump
    <folder>/20261207T021500Z/manifest.json the schema revision, the rows per table, the
                                            database file's SHA-256 and every evidence file

The database is copied while the bot runs: SQLite through its online backup API (one read
transaction: a snapshot), PostgreSQL with ``pg_dump`` inside a repeatable-read snapshot that
also lists the rows and the evidence files, so the manifest describes exactly the dump. A
snapshot is written under a hidden name and renamed when complete: a failed backup (a full
disk) leaves nothing behind. Restoring checks the whole snapshot first (every file's hash) and
changes nothing when anything is missing or differs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from storage import migrate
from storage.filestore import TMP_DIR
from storage.models import Base

POOL = "evidence"
MANIFEST = "manifest.json"
Progress = Callable[[int, int], None]  # (files done, files in all)


class BackupError(RuntimeError):
    """What is wrong, line by line (Vietnamese, for the person at the terminal)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Manifest:
    created_at: str
    backend: str  # "sqlite" | "postgresql"
    schema: str | None  # the Alembic revision of the copied database
    database: str  # the file's name in the snapshot
    database_sha256: str
    database_size: int
    rows: dict[str, int]  # table -> rows
    evidence: dict[str, int] = field(default_factory=dict)  # store key -> size

    @classmethod
    def read(cls, snapshot: Path) -> Manifest:
        return cls(**json.loads((snapshot / MANIFEST).read_text(encoding="utf-8")))

    def write(self, snapshot: Path) -> None:
        text = json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True)
        (snapshot / MANIFEST).write_text(text + "\n", encoding="utf-8")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]


# -- the database ---------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError([f"Không sao lưu được cơ sở dữ liệu trong bộ nhớ ({url})."])
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup, in one step: a consistent copy while others read and write."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one file (the bot turns WAL on again)


def _sqlite_data(db: Path) -> int:
    """Units and people in a SQLite file (0: an empty installation)."""
    if not db.is_file():
        return 0
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"units", "persons"} <= names:
            return 0
        return sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("units", "persons"))  # fmt: skip


def _sqlite_contents(db: Path) -> tuple[str | None, dict[str, int], dict[str, int]]:
    """(revision, rows per table, evidence key -> size) of a SQLite file."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rows = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in _tables() if t in names}  # fmt: skip
        revision = None
        if "alembic_version" in names:
            found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
        files = dict(conn.execute("SELECT storage_key, max(size) FROM evidence GROUP BY 1"))
    return revision, rows, files


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL for pg_dump/pg_restore, and the environment carrying its password (not on
    the command line, where any user of the machine could read it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


async def _run(*argv: str, env: dict[str, str]) -> None:
    proc = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()[-5:]
        raise BackupError([f"{Path(argv[0]).name} thất bại (mã {proc.returncode}):", *lines])


async def _connect(url: URL) -> asyncpg.Connection:
    return await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host,
        port=url.port,
        database=url.database,
    )


async def _pg_dump(url: URL, target: Path) -> tuple[str | None, dict[str, int], dict[str, int]]:
    """pg_dump inside a snapshot this connection exports: the rows and the evidence files it
    lists are exactly those of the dump."""
    conn = await _connect(url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            schema = await conn.fetchval("SELECT current_schema()")
            libpq, env = _libpq(url)
            dump = _run("pg_dump", "-Fc", "--no-owner", "--no-privileges",
                        f"--schema={schema}", f"--snapshot={snapshot}",
                        "-f", str(target), "-d", libpq, env=env)  # fmt: skip
            rows = {t: await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in _tables()}
            revision = await conn.fetchval("SELECT version_num FROM alembic_version")
            files = dict(await conn.fetch("SELECT storage_key, max(size) FROM evidence GROUP BY 1"))
            await dump  # the snapshot lives as long as this transaction
    finally:
        await conn.close()
    return revision, rows, files


async def _pg_data(url: URL) -> int:
    """Units and people in the database (0: an empty installation)."""
    conn = await _connect(url)
    try:
        if await conn.fetchval(
            "SELECT to_regclass('units') IS NULL OR to_regclass('persons') IS NULL"
        ):
            return 0
        return await conn.fetchval(
            "SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM persons)"
        )
    finally:
        await conn.close()


# -- evidence files -------------------------------------------------------------------------


def _copy_checked(source: Path, target: Path, sha256: str) -> None:
    """Copy under a temporary name, check the hash, then rename: never a partial file under a
    final name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, part)
    if sha256_of(part) != sha256:
        part.unlink()
        raise BackupError([f"Tệp {source} không khớp mã băm khi sao chép."])
    part.replace(target)


def _copy_files(
    keys: dict[str, int], source_root: Path, target_root: Path, progress: Progress | None
) -> list[str]:
    """Copy the files the target lacks; the keys whose source is missing."""
    missing = []
    for done, key in enumerate(sorted(keys), start=1):
        target = target_root / key
        if not target.is_file():
            source = source_root / key
            if source.is_file():
                _copy_checked(source, target, key.rsplit("/", 1)[-1])
            else:
                missing.append(key)
        if progress is not None:
            progress(done, len(keys))
    return missing


# -- backup ---------------------------------------------------------------------------------


async def backup(
    database_url: str, evidence_root: Path, folder: Path, *, progress: Progress | None = None
) -> tuple[Path, Manifest]:
    """A new snapshot of the installation in ``folder``; its path and manifest."""
    url = make_url(database_url)
    now = datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    name, n = now.strftime("%Y%m%dT%H%M%SZ"), 1
    while (folder / name).exists() or (folder / f".{name}.partial").exists():
        n += 1
        name = f"{now:%Y%m%dT%H%M%SZ}-{n}"  # a second backup within the same second
    partial = folder / f".{name}.partial"
    partial.mkdir()
    try:
        if url.get_backend_name() == "sqlite":
            database = "database.sqlite"
            await asyncio.to_thread(_sqlite_copy, _sqlite_path(url), partial / database)
            revision, rows, files = await asyncio.to_thread(_sqlite_contents, partial / database)
        else:
            database = "database.pgdump"
            revision, rows, files = await _pg_dump(url, partial / database)
        missing = await asyncio.to_thread(
            _copy_files, files, evidence_root, folder / POOL, progress
        )
        if missing:
            raise BackupError(
                [f"Thiếu {len(missing)} tệp minh chứng trong kho {evidence_root}:", *missing[:20]]
            )
        path = partial / database
        manifest = Manifest(
            created_at=now.isoformat(),
            backend=url.get_backend_name(),
            schema=revision,
            database=database,
            database_sha256=await asyncio.to_thread(sha256_of, path),
            database_size=path.stat().st_size,
            rows=rows,
            evidence=files,
        )
        manifest.write(partial)
        snapshot = folder / name
        partial.rename(snapshot)
        return snapshot, manifest
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def snapshots(folder: Path) -> list[Path]:
    """The complete snapshots in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / MANIFEST).is_file())


def prune(folder: Path, keep: int) -> list[Path]:
    """Keep the newest ``keep`` snapshots, and only the evidence files they list; the removed
    snapshots."""
    every = snapshots(folder)
    gone = every[: max(len(every) - keep, 0)]
    for snapshot in gone:
        shutil.rmtree(snapshot)
    wanted: set[str] = set()
    for snapshot in every[len(gone) :]:
        wanted.update(Manifest.read(snapshot).evidence)
    pool = folder / POOL
    if pool.is_dir():
        for path in pool.glob("*/*/*"):
            if path.is_file() and path.relative_to(pool).as_posix() not in wanted:
                path.unlink()
    return gone


# -- restore --------------------------------------------------------------------------------


def check(snapshot: Path) -> list[str]:
    """What is missing or differs in a snapshot (nothing: it can be restored)."""
    try:
        manifest = Manifest.read(snapshot)
    except (OSError, ValueError, TypeError) as exc:
        return [f"Không đọc được {snapshot / MANIFEST}: {exc}"]
    problems = []
    database = snapshot / manifest.database
    if not database.is_file():
        problems.append(f"Thiếu tệp cơ sở dữ liệu {database}.")
    elif sha256_of(database) != manifest.database_sha256:
        problems.append(f"Tệp cơ sở dữ liệu {database} đã bị thay đổi (mã băm khác).")
    pool = snapshot.parent / POOL
    for key, size in sorted(manifest.evidence.items()):
        path = pool / key
        if not path.is_file():
            problems.append(f"Thiếu tệp minh chứng {path}.")
        elif path.stat().st_size != size or sha256_of(path) != key.rsplit("/", 1)[-1]:
            problems.append(f"Tệp minh chứng {path} đã bị thay đổi (mã băm khác).")
    return problems


def _evidence_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.rglob("*") if p.is_file() and TMP_DIR not in p.parts]


async def restore(
    folder: Path,
    database_url: str,
    evidence_root: Path,
    *,
    snapshot: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> tuple[Path, Manifest]:
    """Restore a snapshot (the newest, or the one named) into this installation; refuse a
    damaged snapshot, and an installation that holds data unless ``force``."""
    every = snapshots(folder)
    chosen = folder / snapshot if snapshot else (every[-1] if every else None)
    if chosen is None or chosen not in every:
        named = f"«{snapshot}» " if snapshot else ""
        raise BackupError([f"Không có bản sao lưu {named}trong {folder}."])
    problems = await asyncio.to_thread(check, chosen)
    if problems:
        raise BackupError([f"Bản sao lưu {chosen.name} hỏng, không khôi phục:", *problems])
    manifest = Manifest.read(chosen)
    url = make_url(database_url)
    if manifest.backend != url.get_backend_name():
        raise BackupError([
            f"Bản sao lưu là của {manifest.backend}, cơ sở dữ liệu đích là "
            f"{url.get_backend_name()}."
        ])  # fmt: skip
    sqlite = url.get_backend_name() == "sqlite"
    target = _sqlite_path(url) if sqlite else None
    data = _sqlite_data(target) if target is not None else await _pg_data(url)
    if (data or _evidence_files(evidence_root)) and not force:
        raise BackupError([
            "Nơi khôi phục đã có dữ liệu (cơ sở dữ liệu hoặc kho minh chứng); không ghi đè.",
            "Nếu chắc chắn muốn thay bằng bản sao lưu, chạy lại với --force.",
        ])  # fmt: skip
    source = chosen / manifest.database
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        await asyncio.to_thread(_sqlite_copy, source, target)
    else:
        libpq, env = _libpq(url)
        # --clean: an installation made by `danvan db upgrade` has the tables, empty
        await _run("pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
                   "--clean", "--if-exists", "-d", libpq, str(source), env=env)  # fmt: skip
    await asyncio.to_thread(_copy_files, manifest.evidence, folder / POOL, evidence_root, progress)
    await migrate.upgrade(database_url)  # a snapshot of an older release: brought up to date
    return chosen, manifest
