"""Application wiring: database, file store, rubric, engine and reports from the settings."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.journal import Journal
from bot.metrics import Metrics
from bot.settings import Settings
from bot.web.links import Links, links_for
from conversations.engine import Engine
from conversations.events import DocumentRefused, Reply
from conversations.texts import msg
from reports.bundle_maker import BundleMaker, BundleTooLarge
from reports.district_files import district_files
from reports.service import ReportService
from reports.workers import ReportWorkers, sweep_reports
from rubric.loader import load_rubric
from rubric.model import Rubric
from storage.db import make_engine, make_sessionmaker
from storage.filestore import FileStore
from storage.migrate import upgrade

log = logging.getLogger(__name__)
# A running channel's sender: (chat id, replies) -> the replies shown in that chat.
Outbox = Callable[[str, list[Reply]], Awaitable[None]]


@dataclass
class App:
    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    files: FileStore
    reports: ReportService
    engine: Engine
    journal: Journal  # updates answered, open questions: written in batches
    links: Links | None = None  # signed web links (needs PUBLIC_BASE_URL)
    metrics: Metrics = field(default_factory=Metrics)  # for /metrics
    outboxes: dict[str, Outbox] = field(default_factory=dict)  # the channels running here

    @property
    def max_upload_bytes(self) -> int:
        return self.settings.max_upload_mb * 1024 * 1024

    @property
    def max_web_upload_bytes(self) -> int:
        return self.settings.max_web_upload_mb * 1024 * 1024

    @property
    def webhook_secret(self) -> str:
        """The secret every channel's webhook call must carry (made up once when unset)."""
        if not self.settings.webhook_secret:
            self.settings.webhook_secret = secrets.token_urlsafe(32)
        return self.settings.webhook_secret

    async def deliver(self, channel: str, chat_id: str, replies: list[Reply]) -> bool:
        """Show replies in a chat of any channel running in this process (notifications)."""
        outbox = self.outboxes.get(channel)
        if outbox is None:
            log.warning("channel %s is not running here; %d replies dropped", channel, len(replies))
            return False
        await outbox(chat_id, replies)
        return True


def rubric_loader(settings: Settings) -> Callable[[str], Rubric]:
    extra = (settings.rubric_dir,) if settings.rubric_dir else ()

    def rubric_for(rubric_id: str) -> Rubric:
        return load_rubric(rubric_id, extra_dirs=extra)

    return rubric_for


@asynccontextmanager
async def open_app(settings: Settings, migrate: bool = True) -> AsyncIterator[App]:
    """Everything the channels need; the database is migrated to the newest schema first."""
    if migrate:
        await upgrade(settings.database_url)
    db = make_engine(settings.database_url)
    sessions = make_sessionmaker(db)
    rubric_for = rubric_loader(settings)
    metrics = Metrics()
    workers = ReportWorkers(settings.report_workers)  # the documents' processes
    metrics.report_queue.set_function(lambda: workers.pending)
    out_dir = Path(settings.output_dir)
    reports = ReportService(sessions, rubric_for, Path(settings.evidence_dir), out_dir, workers)

    async def make_summary(period_id: int) -> list[Path]:
        return await district_files(sessions, rubric_for, period_id, out_dir, workers)

    # a bundle stays as long as the link to it works
    bundles = BundleMaker(reports, keep=timedelta(hours=settings.link_ttl_hours))

    async def make_bundle(kind: str, key: int) -> Path:
        try:
            return await (bundles.district(key) if kind == "district" else bundles.unit(key))
        except BundleTooLarge as big:
            raise DocumentRefused(msg("bundle_too_large", size=big.size, limit=big.limit)) from None

    engine = Engine(
        sessions,
        rubric_for,
        metrics.counting("report", reports.write),
        Path(settings.evidence_dir),
        metrics.counting("summary", make_summary),
        make_bundle=metrics.counting("bundle", make_bundle),
        one_writer=db.dialect.name == "sqlite",
        on_handled=metrics.handled,
    )
    journal = Journal(sessions, writing=engine.writing)
    try:
        files = FileStore(settings.evidence_dir)
        # what a crash left half-written: evidence being received, documents being written
        swept = await files.sweep_temp() + await asyncio.to_thread(sweep_reports, out_dir)
        if swept:
            log.info("removed %d temporary files left by a stopped process", swept)
        if old := await asyncio.to_thread(bundles.sweep):
            log.info("removed %d bundles older than their links", old)
        links = links_for(settings)
        yield App(settings, db, sessions, files, reports, engine, journal, links, metrics=metrics)
    finally:
        try:
            await journal.aclose()
            await workers.aclose()
        finally:
            await db.dispose()
