"""The worker processes that write the documents, off the bot's event loop and its GIL.

python-docx and matplotlib are pure-Python CPU work: in a thread of the bot they hold the GIL
for seconds, so other officers' answers wait, and the memory of the documents stays in the bot.

A worker is a fresh interpreter (``python -c``, started by ``asyncio.create_subprocess_exec``)
that imports this module and what its jobs need, nothing else; jobs and answers are pickles,
each after its length, on its stdin and stdout. Not ``multiprocessing`` (nor its
``ProcessPoolExecutor``): its spawn and forkserver children run the parent's main module again
before any job, and ours is the ``danvan`` script, which imports every module of the bot
(SQLAlchemy, the channels): ~40 MB more per worker, ~1 s more to start, and a fork server
holds ~45 MB of its own (bench/RESULTS.md); only patching its internals avoided that. Nor
``fork``: the bot has threads (aiosqlite).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

if TYPE_CHECKING:
    import asyncio
    from asyncio.subprocess import Process

# asyncio and concurrent.futures are imported where the bot uses them: a worker imports this
# module and needs neither (~6 MB of a worker's own memory).

log = logging.getLogger(__name__)
T = TypeVar("T")

JOBS_PER_WORKER = 50  # then a new worker takes over and the old one exits, with its memory
WORKER_NICENESS = 10  # documents yield the CPU to the bot's replies when both want it
_PICKLE = pickle.HIGHEST_PROTOCOL
_START = "import sys; sys.path[:] = sys.argv[1:]; from reports.workers import serve; serve()"


def sweep_reports(folder: Path, older_than: float | None = 3600.0) -> int:
    """Remove the half-written documents in ``folder`` whose writer is gone (a crash, a killed
    worker), and any older than ``older_than`` seconds; count them."""
    from storage.tempfiles import SEP, sweep  # here: a worker process needs none of storage

    if not folder.is_dir():
        return 0
    return sweep(folder.glob(f".*{SEP}*{SEP}*"), older_than)


class ReportWorkers:
    """Runs ``fn(*args)`` in a worker process (up to ``workers`` at once, started on first use,
    each replaced after ``jobs_per_worker`` jobs); ``workers=0``: in a thread of this process,
    as before (tests, debugging). ``fn``, its arguments and its result must pickle: top-level
    functions, plain data, paths. Used from one event loop (until ``aclose``)."""

    def __init__(self, workers: int = 1, jobs_per_worker: int = JOBS_PER_WORKER) -> None:
        if workers < 0 or jobs_per_worker < 1:
            raise ValueError(f"workers >= 0, jobs_per_worker > 0: not {workers}, {jobs_per_worker}")
        self.workers = workers
        self.jobs_per_worker = jobs_per_worker
        self._slots: asyncio.Semaphore | None = None  # one per running job
        self._idle: list[_Worker] = []
        self._jobs: set[asyncio.Task[bytes]] = set()
        self._waiting: set[asyncio.Task[Any]] = set()  # jobs without a worker yet
        self._closing: set[asyncio.Task[int]] = set()  # retired workers exiting

    @property
    def pending(self) -> int:
        """Jobs running or waiting for a worker."""
        return len(self._jobs)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        import asyncio
        from concurrent.futures.process import BrokenProcessPool

        if self.workers == 0:
            return await asyncio.to_thread(fn, *args)
        job = pickle.dumps((fn, args), _PICKLE)  # what does not pickle fails here, in the caller
        try:
            answer = await self._submit(job)
        except BrokenProcessPool:  # its worker died (killed, out of memory): once more, anew
            log.warning("a report worker died; trying %r again in a new one", fn)
            answer = await self._submit(job)
        ok, value, trace = pickle.loads(answer)
        if ok:
            return value  # type: ignore[no-any-return]
        value.__cause__ = WorkerTraceback(trace)
        raise value

    async def write(self, path: Path, fn: Callable[..., object], *args: Any) -> Path:
        """``fn(*args, a_path)`` writes a file; it lands at ``path`` in one step (written beside
        it under a temporary name, then renamed): two requests for the same report at once, or
        a reader sending the file meanwhile, see the old file or the new one, never half."""
        import asyncio

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
        """Stop the workers once their jobs are done (jobs still waiting for a worker are
        cancelled); a later ``run`` starts new ones."""
        import asyncio

        for waiting in list(self._waiting):
            waiting.cancel()
        if self._jobs:
            await asyncio.wait(list(self._jobs))
        while self._idle:
            self._retire(self._idle.pop())
        if self._closing:
            await asyncio.wait(list(self._closing))
        self._slots = None

    async def _submit(self, job: bytes) -> bytes:
        """The worker's answer to ``job``. A caller that gives up drops the job if it has not
        begun; if it has, its worker finishes it (busy until then) and goes on with the next."""
        import asyncio

        task = asyncio.ensure_future(self._exchange(job))
        self._jobs.add(task)
        self._waiting.add(task)
        task.add_done_callback(self._jobs.discard)
        task.add_done_callback(self._waiting.discard)  # cancelled before it began
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task in self._waiting:
                task.cancel()
            raise

    async def _exchange(self, job: bytes) -> bytes:
        import asyncio

        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        async with self._slots:
            try:
                worker = await self._idle_worker()
            finally:
                self._waiting.discard(asyncio.current_task())  # type: ignore[arg-type]
            try:
                answer = await worker.call(job)
            except BaseException:  # it died, or was left in the middle of a job
                self._retire(worker)
                raise
            if worker.jobs >= self.jobs_per_worker:
                self._retire(worker)
            else:
                self._idle.append(worker)
            return answer

    async def _idle_worker(self) -> _Worker:
        while self._idle:
            worker = self._idle.pop(0)  # the longest idle: all reach their share, and retire
            if worker.proc.returncode is None:
                return worker
            self._retire(worker)  # died while idle (killed, out of memory)
        return await _Worker.start()

    def _retire(self, worker: _Worker) -> None:
        """It exits at the end of its input (at once: it is idle, or broken); reaped here."""
        import asyncio

        if worker.proc.stdin is not None:
            worker.proc.stdin.close()
        exiting = asyncio.ensure_future(worker.proc.wait())
        self._closing.add(exiting)
        exiting.add_done_callback(self._closing.discard)


class WorkerTraceback(Exception):
    """The ``__cause__`` of an exception raised in a worker: where, in the worker's words."""

    def __str__(self) -> str:
        return f"\n\n{self.args[0]}"


class _Worker:
    def __init__(self, proc: Process) -> None:
        self.proc = proc
        self.jobs = 0  # given to it

    @classmethod
    async def start(cls) -> _Worker:
        import asyncio

        paths = [str(p) for p in sys.path]  # where this process found this module and the jobs'
        pipe = asyncio.subprocess.PIPE
        argv = [sys.executable, "-c", _START, *paths]
        return cls(await asyncio.create_subprocess_exec(*argv, stdin=pipe, stdout=pipe))

    async def call(self, job: bytes) -> bytes:
        import asyncio
        from concurrent.futures.process import BrokenProcessPool

        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.jobs += 1
        try:
            self.proc.stdin.write(len(job).to_bytes(8, "big") + job)
            await self.proc.stdin.drain()
            size = int.from_bytes(await self.proc.stdout.readexactly(8), "big")
            return await self.proc.stdout.readexactly(size)
        except (ConnectionError, asyncio.IncompleteReadError) as gone:
            raise BrokenProcessPool(f"report worker {self.proc.pid} exited") from gone


# -- In the worker ------------------------------------------------------------------------------


def serve() -> None:
    """A worker's life: the jobs of its stdin, one at a time, answered on its stdout; it ends at
    the end of its input, which is also the bot's end (a killed bot takes its workers along).
    Ctrl+C is the bot's to handle (it stops its workers). A worker runs at a lower priority: on
    a busy machine a report takes a little longer rather than the other officers' answers
    waiting behind it."""
    jobs, answers = os.fdopen(os.dup(0), "rb"), os.fdopen(os.dup(1), "wb")
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)  # the bot's pipes stay out of the jobs' way: what a job (or a program
    os.dup2(2, 1)  # it starts) reads gets nothing, what it prints goes to stderr
    os.close(nothing)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(WORKER_NICENESS)
    todo: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    threading.Thread(target=_read, args=(jobs, todo), daemon=True).start()
    while True:
        answer = _answer(todo.get())
        answers.write(len(answer).to_bytes(8, "big") + answer)
        answers.flush()


def _read(jobs: BinaryIO, todo: queue.SimpleQueue[bytes]) -> None:
    """In a thread, so that the end of the input ends the worker even in the middle of a job."""
    while len(head := jobs.read(8)) == 8:
        size = int.from_bytes(head, "big")
        if len(job := jobs.read(size)) < size:
            break
        todo.put(job)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _answer(job: bytes) -> bytes:
    """A document's objects are in reference cycles (python-docx, lxml), which only the cycle
    collector frees; left to its own pace, 20 unit reports grow a worker from ~50 to ~125 MB,
    collected after each job it stays at ~55 MB. What survives a job (modules, caches) is
    frozen: later collections skip it (~25 -> ~5 ms); the worker's end frees it."""
    answer = _run(job)  # returned: the job's objects, even those its error held, are garbage
    gc.collect()
    gc.freeze()
    sys.stdout.flush()
    return answer


def _run(job: bytes) -> bytes:
    try:
        fn, args = pickle.loads(job)
        answer: tuple[bool, Any, str] = (True, fn(*args), "")
    except BaseException as error:
        import traceback

        answer = (False, error, traceback.format_exc())
    try:
        return pickle.dumps(answer, _PICKLE)
    except Exception as error:  # the result, or the error, does not pickle
        failed = RuntimeError(f"the worker's answer {answer[1]!r:.200} does not pickle: {error}")
        return pickle.dumps((False, failed, answer[2]), _PICKLE)
