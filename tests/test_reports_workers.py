"""The worker processes that write the documents: real processes, real reports."""

from __future__ import annotations

import asyncio
import gc
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
from sqlalchemy import select

from bot.app import open_app
from bot.settings import Settings
from reports.unit_report import write_unit_report
from reports.workers import WORKER_NICENESS, ReportWorkers
from storage.models import Assessment
from tests.test_reports_district import build_district, district_specs, rubric
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


def settings(tmp_path: Path, report_workers: int = 1) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 't.db'}",
        data_dir=tmp_path / "data",
        evidence_dir=tmp_path / "evidence",
        output_dir=tmp_path / "out",
        report_workers=report_workers,
    )


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
    assert "a report worker died; trying <built-in function _exit> again" in caplog.text
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


async def test_workers_yield_the_cpu_to_the_bot() -> None:
    workers = ReportWorkers(1)
    try:
        niceness = await workers.run(os.nice, 0)  # os.nice(0): the current niceness
    finally:
        await workers.aclose()
    assert niceness == min(19, os.nice(0) + WORKER_NICENESS)  # 19: the lowest priority


def _write_text(text: str, fail: bool, path: Path) -> None:
    assert path.suffix == ".docx" and path.name.startswith(".")  # same type, hidden meanwhile
    path.write_text(text[: len(text) // 2], encoding="utf-8")  # half of it so far
    if fail:
        raise OSError("disk full")
    path.write_text(text, encoding="utf-8")


async def test_a_file_lands_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "bao-cao-tu-danh-gia-2022-VG-CUUCAO.docx"
    workers = ReportWorkers(1)
    try:
        assert await workers.write(target, _write_text, "bản mới", False) == target
        assert target.read_text(encoding="utf-8") == "bản mới"
        with pytest.raises(OSError, match="disk full"):
            await workers.write(target, _write_text, "bản hỏng giữa chừng", True)
    finally:
        await workers.aclose()
    assert target.read_text(encoding="utf-8") == "bản mới"  # the previous file, whole
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no part file left behind


async def test_without_workers_jobs_run_in_a_thread_here() -> None:
    workers = ReportWorkers(0)
    assert await workers.run(os.getpid) == os.getpid()
    assert await workers.run(threading.get_ident) != threading.get_ident()
    await workers.aclose()
    assert multiprocessing.active_children() == []
    with pytest.raises(ValueError):
        ReportWorkers(-1)


async def test_open_app_stops_its_workers_on_exit(tmp_path: Path) -> None:
    async with open_app(settings(tmp_path)) as app:
        pid = await app.reports.workers.run(os.getpid)
        assert pid != os.getpid()
        assert pid in [p.pid for p in multiprocessing.active_children()]
    assert multiprocessing.active_children() == []
    assert not Path(f"/proc/{pid}").exists()


async def test_the_event_loop_stays_free_while_reports_are_written(tmp_path: Path) -> None:
    """Unit reports and a district summary through the app's own wiring, with a ticker on the
    event loop meanwhile.

    - No tick waits over 200 ms (~15 ms measured): writing on the loop itself stops it for
      seconds (the summary's chart alone takes ~2 s).
    - The writing's CPU is not spent in this process: its threads other than the loop's use
      under a quarter of the time (< 1 % measured). In threads (REPORT_WORKERS=0, as before)
      they write the documents all the time, holding the GIL the loop needs: ticks are late
      by 110-175 ms (not a reliable failure), and under load every officer's answer waits
      its turn for the GIL.
    """
    async with open_app(settings(tmp_path)) as app:
        async with app.sessions() as s, s.begin():
            period = await build_district(s, district_specs(rubric()))
        async with app.sessions() as s:
            assessments = select(Assessment.id).where(Assessment.period_id == period.id)
            aid = (await s.scalars(assessments)).first()
        assert aid is not None
        await app.reports.workers.run(os.getpid)  # the worker has started: not measured
        gc.collect()  # no full collection of the test process's heap on the loop meanwhile
        gaps: list[float] = []
        ticker = asyncio.create_task(_tick(gaps))
        wall, cpu, loop_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        for _ in range(3):
            await app.reports.both(aid)
        await app.engine.make_summary(period.id)
        wall = time.perf_counter() - wall
        others_cpu = time.process_time() - cpu - (time.thread_time() - loop_cpu)
        ticker.cancel()
        assert await app.reports.workers.run(eval, "'openpyxl' in __import__('sys').modules")
    assert len(gaps) > 50
    assert max(gaps) < 0.2, f"the event loop stopped for {max(gaps) * 1000:.0f} ms"
    assert others_cpu < 0.25 * wall, f"{others_cpu:.2f} s of {wall:.2f} s in other threads"


async def _tick(gaps: list[float]) -> None:
    loop = asyncio.get_running_loop()
    last = loop.time()
    while True:
        await asyncio.sleep(0.01)
        now = loop.time()
        gaps.append(now - last)
        last = now
