"""The worker processes that write the documents: real processes, real reports."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from docx import Document

from reports.unit_report import write_unit_report
from reports.workers import ReportWorkers
from tests.test_reports_unit_report import filled, shipped_rubric

MODULES = "sorted(__import__('sys').modules)"  # eval'd in a worker: what it has imported


@pytest.fixture
async def workers() -> AsyncIterator[ReportWorkers]:
    pool = ReportWorkers(1)
    try:
        yield pool
    finally:
        await pool.aclose()
    assert multiprocessing.active_children() == []


def all_text(path: Path) -> str:
    doc = Document(str(path))
    cells = (c.text for t in doc.tables for row in t.rows for c in row.cells)
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])


async def test_a_worker_writes_a_unit_report_that_opens_again(
    workers: ReportWorkers, tmp_path: Path
) -> None:
    r = shipped_rubric()
    data = filled(r, tmp_path)  # with photos, which the worker reads for the thumbnails
    path = await workers.run(write_unit_report, r, data, tmp_path / "bao-cao.docx")
    assert path == tmp_path / "bao-cao.docx"
    assert "UBND xã Cửu Cao" in all_text(path)
    assert "anh-hoi-nghi.png" in all_text(path)
    assert await workers.run(os.getpid) != os.getpid()


async def test_a_worker_imports_only_what_the_documents_need(
    workers: ReportWorkers, tmp_path: Path
) -> None:
    r = shipped_rubric()
    await workers.run(write_unit_report, r, filled(r, tmp_path), tmp_path / "bao-cao.docx")
    loaded = {name.split(".")[0] for name in await workers.run(eval, MODULES)}
    assert {"reports", "rubric", "docx"} <= loaded
    # not the parent's main module (pytest here, the `danvan` script in production) and what
    # it imports: the bot, its database, its channels
    unwanted = {"bot", "conversations", "storage", "sqlalchemy", "telegram", "pytest", "tests"}
    assert loaded & unwanted == set()


async def test_a_dead_worker_is_replaced_and_its_job_tried_once_more(
    workers: ReportWorkers, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "reports.workers"), pytest.raises(BrokenProcessPool):
        await workers.run(os._exit, 1)  # kills its worker, and the new one when tried again
    assert "a report worker died; retrying" in caplog.text
    pid = await workers.run(os.getpid)  # a new pool works
    job = asyncio.create_task(workers.run(time.sleep, 0.5))
    await asyncio.sleep(0.1)
    os.kill(pid, signal.SIGKILL)  # under a job that did nothing wrong: done by a new worker
    assert await job is None
    assert await workers.run(os.getpid) not in (pid, os.getpid())


async def test_workers_are_replaced_after_their_share_of_jobs() -> None:
    workers = ReportWorkers(1, jobs_per_pool=2)
    try:
        pids = [await workers.run(os.getpid) for _ in range(5)]
    finally:
        await workers.aclose()
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert multiprocessing.active_children() == []


async def test_without_workers_jobs_run_in_a_thread_here() -> None:
    workers = ReportWorkers(0)
    assert await workers.run(os.getpid) == os.getpid()
    assert await workers.run(threading.get_ident) != threading.get_ident()
    await workers.aclose()
    assert multiprocessing.active_children() == []
    with pytest.raises(ValueError):
        ReportWorkers(-1)
