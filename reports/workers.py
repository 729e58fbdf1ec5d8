"""The worker processes that write the documents, off the bot's event loop and its GIL.

python-docx and matplotlib are pure-Python CPU work: in a thread of the bot they hold the GIL
for seconds, so other officers' answers wait, and the memory of the documents stays in the bot.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import connection, context, popen_spawn_posix, spawn
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

JOBS_PER_POOL = 50  # then new workers take over and the old ones exit, with their memory


def sweep_reports(folder: Path, older_than: float | None = 3600.0) -> int:
    """Remove the half-written documents in ``folder`` whose writer is gone (a crash, a killed
    worker), and any older than ``older_than`` seconds; count them."""
    from storage.tempfiles import SEP, sweep  # here: a worker process needs none of storage

    if not folder.is_dir():
        return 0
    return sweep(folder.glob(f".*{SEP}*{SEP}*"), older_than)


class ReportWorkers:
    """Runs ``fn(*args)`` in a worker process (``workers`` of them, started on first use);
    ``workers=0``: in a thread of this process, as before (tests, debugging). ``fn``, its
    arguments and its result must pickle: top-level functions, plain data, paths."""

    def __init__(self, workers: int = 1, jobs_per_pool: int = JOBS_PER_POOL) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, not {workers}")
        self.workers = workers
        self.jobs_per_pool = jobs_per_pool
        self._pool: ProcessPoolExecutor | None = None
        self._jobs = 0  # given to the current pool
        self._closing: set[asyncio.Future[None]] = set()  # retired pools finishing their jobs

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.workers == 0:
            return await asyncio.to_thread(fn, *args)
        try:
            return await self._submit(fn, args)
        except BrokenProcessPool:  # a worker died (killed, out of memory): once more, anew
            log.warning("a report worker died; trying %r again in a new one", fn)
        return await self._submit(fn, args)

    async def write(self, path: Path, fn: Callable[..., object], *args: Any) -> Path:
        """``fn(*args, a_path)`` writes a file; it lands at ``path`` in one step (written beside
        it under a temporary name, then renamed): two requests for the same report at once, or
        a reader sending the file meanwhile, see the old file or the new one, never half."""
        from storage.tempfiles import temp_name  # here: a worker process needs none of storage

        part = path.with_name(temp_name(suffix=path.suffix, prefix=f".{path.stem}"))
        try:
            await self.run(fn, *args, part)
            os.replace(part, path)
        except BaseException:
            await asyncio.to_thread(sweep_reports, path.parent)  # and what dead workers left
            raise
        finally:
            part.unlink(missing_ok=True)
        return path

    async def aclose(self) -> None:
        """Stop the workers once their jobs are done (jobs not yet started are dropped); a
        later ``run`` would start new ones."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
        await asyncio.gather(*self._closing)

    async def _submit(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._pool is not None and self._jobs >= self.jobs_per_pool:
            self._retire(self._pool)
        if self._pool is None:
            # Not max_tasks_per_child: in Python 3.11 (here) a pool using it hangs once a worker
            # exits at its limit while jobs are queued (CPython gh-115634).
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=_CONTEXT, initializer=_start_worker
            )
            self._jobs = 0
        pool = self._pool
        self._jobs += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _call, fn, args)
        except BrokenProcessPool:
            self._retire(pool)
            raise

    def _retire(self, pool: ProcessPoolExecutor) -> None:
        """New jobs go to a new pool; this one exits after its running jobs, in a thread."""
        if self._pool is pool:
            self._pool = None
        closing = asyncio.ensure_future(asyncio.to_thread(pool.shutdown, wait=True))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)


WORKER_NICENESS = 10  # documents yield the CPU to the bot's replies when both want it


def _start_worker() -> None:
    """Ctrl+C is the bot's to handle (it stops its workers); a killed bot takes them along.
    A worker runs at a lower priority: on a busy machine a report takes a little longer
    rather than the other officers' answers waiting behind it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(WORKER_NICENESS)
    parent = multiprocessing.parent_process()
    assert parent is not None
    threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(parent: int) -> None:
    connection.wait([parent])
    os._exit(0)


def _call(fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    """In the worker: a document's objects are in reference cycles (python-docx, lxml), which
    only the cycle collector frees; left to its own pace, 20 unit reports grow a worker from
    ~50 to ~125 MB, collected after each job it stays at ~55 MB. What survives a job (modules,
    caches) is frozen: later collections skip it (~25 -> ~5 ms); the pool's end frees it."""
    try:
        return fn(*args)
    finally:
        gc.collect()
        gc.freeze()


# -- Workers start without the parent's main module --------------------------------------------
# A spawned process first runs the parent's ``__main__`` again (as ``__mp_main__``), in case a
# job's function lives there. Ours never do, and ``danvan`` is a script importing every CLI
# module, SQLAlchemy included: 40-60 MB and ~0.9 s more per worker for nothing.

_launching = threading.Lock()


class _PopenWithoutMain(popen_spawn_posix.Popen):
    def _launch(self, process_obj: Any) -> None:
        prepare = spawn.get_preparation_data

        def without_main(name: str) -> dict[str, Any]:
            data = prepare(name)
            if name == process_obj.name:
                data.pop("init_main_from_name", None)
                data.pop("init_main_from_path", None)
            return data

        with _launching:  # the function is swapped while one worker starts
            spawn.get_preparation_data = without_main
            try:
                super()._launch(process_obj)
            finally:
                spawn.get_preparation_data = prepare


class _Process(context.SpawnProcess):  # spawn, not fork: the bot has threads (aiosqlite)
    @staticmethod
    def _Popen(process_obj: Any) -> _PopenWithoutMain:
        return _PopenWithoutMain(process_obj)


class _Context(context.SpawnContext):
    Process = _Process


_CONTEXT = _Context()
