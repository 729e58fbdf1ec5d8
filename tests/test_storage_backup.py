"""storage.backup and storage.verify on each backend: a snapshot of an installation with
answers and evidence files restores into an empty one, file for file and row for row; a
damaged snapshot, a non-empty target and a failed backup change nothing; verify names a
missing or altered file and a score outside the rubric."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import rubric_loader
from bot.demo import ensure_demo
from bot.settings import Settings
from storage import assessments, migrate, people
from storage.backup import POOL, BackupError, backup, check, prune, restore, snapshots
from storage.db import make_engine, make_sessionmaker
from storage.filestore import FileStore
from storage.models import Answer, Evidence, Role
from storage.verify import verify
from tests import evidence_samples

FILES = {"I.1": evidence_samples.jpeg(3), "II.2": evidence_samples.pdf("Báo cáo")}


async def installation(url: str, evidence: Path) -> None:
    """A migrated database with a unit's answers and two evidence files in ``evidence``."""
    await migrate.upgrade(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            unit = await ensure_demo(s)
            person = await people.add_person(s, "Nguyễn Thị Lan", "telegram", "701")
            await people.grant(s, person.id, Role.OFFICER, unit.id)
            a = (await assessments.current(s, unit.id)).assessment
            assert a is not None
            for item_id, score in (("I.1", "2"), ("I.2", "1.5"), ("II.2", "3")):
                s.add(Answer(assessment_id=a.id, item_id=item_id, score=Decimal(score)))
            for item_id, data in FILES.items():
                stored = await FileStore(evidence).put_bytes(data)
                s.add(
                    Evidence(
                        assessment_id=a.id,
                        item_id=item_id,
                        kind="document",
                        original_name=f"minh-chung-{item_id}.bin",
                        mime_type="application/octet-stream",
                        size=stored.size,
                        sha256=stored.sha256,
                        storage_key=stored.key,
                    )
                )
    finally:
        await engine.dispose()


async def contents(url: str) -> tuple[list[tuple[str, Decimal | None]], list[tuple[str, str]]]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            answers = (
                await s.execute(select(Answer.item_id, Answer.score).order_by(Answer.item_id))
            ).all()
            files = (
                await s.execute(
                    select(Evidence.item_id, Evidence.sha256).order_by(Evidence.item_id)
                )
            ).all()
            return [tuple(r) for r in answers], [tuple(r) for r in files]  # type: ignore[misc]
    finally:
        await engine.dispose()


async def problems_of(url: str, evidence: Path) -> list[str]:
    engine = make_engine(url)
    try:
        rubric_for = rubric_loader(Settings(_env_file=None))
        return await verify(make_sessionmaker(engine), evidence, rubric_for)
    finally:
        await engine.dispose()


async def test_a_snapshot_restores_into_an_empty_installation(
    db_url: str, restore_url: str, tmp_path: Path
) -> None:
    await installation(db_url, tmp_path / "evidence")
    folder = tmp_path / "backups"
    snapshot, manifest = await backup(db_url, tmp_path / "evidence", folder)
    assert manifest.rows["answers"] == 3 and len(manifest.evidence) == 2
    assert manifest.schema == migrate.head()
    assert check(snapshot) == []

    restored = tmp_path / "restored-evidence"
    chosen, _ = await restore(folder, restore_url, restored)
    assert chosen == snapshot
    assert await contents(restore_url) == await contents(db_url)
    for data in FILES.values():  # every file, by content
        assert any(p.read_bytes() == data for p in restored.rglob("*") if p.is_file())
    assert await problems_of(restore_url, restored) == []

    with pytest.raises(BackupError, match="đã có dữ liệu"):  # a second time: not over data
        await restore(folder, restore_url, restored)
    await restore(folder, restore_url, restored, force=True)
    assert await contents(restore_url) == await contents(db_url)


async def test_a_second_backup_copies_only_new_files_and_prune_keeps_what_is_listed(
    db_url: str, tmp_path: Path
) -> None:
    await installation(db_url, tmp_path / "evidence")
    folder = tmp_path / "backups"
    first, _ = await backup(db_url, tmp_path / "evidence", folder)
    pooled = {p: p.stat().st_mtime_ns for p in (folder / POOL).rglob("*") if p.is_file()}
    second, _ = await backup(db_url, tmp_path / "evidence", folder)
    assert snapshots(folder) == [first, second]
    assert {p: p.stat().st_mtime_ns for p in pooled} == pooled  # not copied again
    assert prune(folder, keep=1) == [first]
    assert snapshots(folder) == [second] and check(second) == []


async def test_a_damaged_snapshot_is_refused_and_changes_nothing(
    db_url: str, restore_url: str, tmp_path: Path
) -> None:
    await installation(db_url, tmp_path / "evidence")
    folder = tmp_path / "backups"
    snapshot, manifest = await backup(db_url, tmp_path / "evidence", folder)
    altered, missing = sorted(manifest.evidence)
    (folder / POOL / altered).write_bytes(b"not the file")
    (folder / POOL / missing).unlink()

    restored = tmp_path / "restored-evidence"
    with pytest.raises(BackupError) as refused:
        await restore(folder, restore_url, restored)
    said = "\n".join(refused.value.problems)
    assert f"{snapshot.name} hỏng" in said
    assert altered in said and "bị thay đổi" in said
    assert missing in said and "Thiếu tệp minh chứng" in said
    assert not restored.exists()
    if restore_url.startswith("sqlite"):
        assert not Path(restore_url.split("///", 1)[1]).exists()


async def test_a_failed_backup_leaves_nothing(db_url: str, tmp_path: Path) -> None:
    await installation(db_url, tmp_path / "evidence")
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / POOL).write_text("a file where the evidence folder should be")
    with pytest.raises(OSError):
        await backup(db_url, tmp_path / "evidence", folder)
    assert sorted(p.name for p in folder.iterdir()) == [POOL]  # no snapshot, no partial one


async def test_verify_names_a_missing_or_altered_file_and_a_score_off_the_rubric(
    db_url: str, tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    await installation(db_url, evidence)
    assert await problems_of(db_url, evidence) == []
    store = FileStore(evidence)
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            rows = {e.item_id: e for e in await s.scalars(select(Evidence))}
            store.path(rows["I.1"].storage_key).write_bytes(b"changed")
            store.path(rows["II.2"].storage_key).unlink()
            await s.execute(update(Answer).where(Answer.item_id == "I.2").values(score=9))
    finally:
        await engine.dispose()
    said = "\n".join(await problems_of(db_url, evidence))
    assert "Tệp minh chứng «minh-chung-I.1.bin»" in said and "bị thay đổi" in said
    assert "Thiếu tệp minh chứng «minh-chung-II.2.bin»" in said
    assert "mục I.2: 9 điểm, ngoài thang điểm" in said
