"""The daily backup beside ``danvan run`` (BACKUP_DIR set): at BACKUP_AT, Việt Nam time, a
snapshot (storage/backup.py) into BACKUP_DIR, keeping the newest BACKUP_KEEP. A failed backup
is logged and tried again the next day; the bot goes on. Set BACKUP_DIR on one process only
when several run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.settings import Settings
from rubric import vietnam
from storage import backup as backups

log = logging.getLogger(__name__)


def next_at(after: datetime, at: time, zone: str) -> datetime:
    """The first moment strictly after ``after`` (UTC) when the wall clock in ``zone`` shows
    ``at``, in UTC."""
    local = vietnam.local(after, vietnam.zone(zone))
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)


class DailyBackup:
    def __init__(
        self,
        settings: Settings,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        assert settings.backup_dir is not None
        self.settings, self.folder = settings, Path(settings.backup_dir)
        self.now, self.sleep = now, sleep
        self.made: list[Path] = []  # the snapshots made so far

    async def once(self) -> Path:
        settings = self.settings
        snapshot, _ = await backups.backup(
            settings.database_url, Path(settings.evidence_dir), self.folder
        )
        self.made.append(snapshot)
        for gone in backups.prune(self.folder, settings.backup_keep):
            log.info("old backup %s removed", gone.name)
        return snapshot

    async def run(self) -> None:
        at = time.fromisoformat(self.settings.backup_at)
        while True:
            now = self.now()
            await self.sleep((next_at(now, at, self.settings.timezone) - now).total_seconds())
            try:
                log.info("backup made: %s", await self.once())
            except Exception:
                log.exception("the daily backup failed; tried again tomorrow")


@asynccontextmanager
async def backups_running(settings: Settings) -> AsyncIterator[DailyBackup | None]:
    """The daily backup while inside, when BACKUP_DIR is set."""
    if settings.backup_dir is None:
        yield None
        return
    daily = DailyBackup(settings)
    task = asyncio.create_task(daily.run())
    try:
        yield daily
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
