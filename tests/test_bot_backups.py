"""The daily backup beside ``danvan run``: when it runs (Việt Nam time), and that a day's run
makes a snapshot and keeps only the newest BACKUP_KEEP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.backups import DailyBackup, backups_running, next_at
from bot.settings import Settings
from storage import migrate
from storage.backup import snapshots

ZONE = "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (datetime(2026, 11, 14, 18, 0, tzinfo=UTC), datetime(2026, 11, 14, 19, 0, tzinfo=UTC)),
        (datetime(2026, 11, 14, 19, 0, tzinfo=UTC), datetime(2026, 11, 15, 19, 0, tzinfo=UTC)),
        (datetime(2026, 11, 14, 20, 0, tzinfo=UTC), datetime(2026, 11, 15, 19, 0, tzinfo=UTC)),
        (datetime(2026, 12, 31, 19, 30, tzinfo=UTC), datetime(2027, 1, 1, 19, 0, tzinfo=UTC)),
    ],
)
def test_the_next_backup_is_at_two_in_the_morning_in_viet_nam(
    after: datetime, expected: datetime
) -> None:
    assert next_at(after, time(2, 0), ZONE) == expected  # 02:00 +07 is 19:00 UTC the day before


async def test_each_day_s_run_makes_a_snapshot_and_keeps_the_newest(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"
    await migrate.upgrade(url)
    settings = Settings(
        _env_file=None,
        database_url=url,
        evidence_dir=tmp_path / "evidence",
        backup_dir=tmp_path / "backups",
        backup_keep=2,
    )
    clock = [datetime(2026, 11, 14, 12, 0, tzinfo=UTC)]
    waits: list[float] = []
    day_done = asyncio.Event()

    async def sleep(seconds: float) -> None:  # a day passes at once; the test sees each
        waits.append(seconds)
        clock[0] = next_at(clock[0], time(2, 0), ZONE)
        if len(waits) > 3:
            day_done.set()
            await asyncio.Event().wait()  # the fourth day never comes

    daily = DailyBackup(settings, now=lambda: clock[0], sleep=sleep)
    task = asyncio.create_task(daily.run())
    await day_done.wait()
    task.cancel()
    assert waits[0] == 7 * 3600  # 12:00 UTC -> 19:00 UTC
    assert waits[1:] == [24 * 3600] * 3
    assert len(daily.made) == 3
    assert snapshots(tmp_path / "backups") == daily.made[1:]  # the newest two kept


async def test_no_backup_dir_no_backups() -> None:
    async with backups_running(Settings(_env_file=None)) as daily:
        assert daily is None
