"""Child processes of a run: the runner (fake server + officers) and the bot(s).

Every child starts in its own session (process group) and is stopped by its own id: SIGTERM,
then SIGKILL of that group after a grace period. Peak RSS (VmHWM) and CPU time are read from
/proc (psutil is not a dependency of the project).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\w*: ")
_CLEAN_PREFIXES = ("TELEGRAM_", "ZALO_", "DATABASE_URL", "PUBLIC_BASE_URL", "WEB_", "WEBHOOK_")
_CLEAN_PREFIXES += ("DATA_DIR", "EVIDENCE_DIR", "OUTPUT_DIR", "REMINDER", "RUBRIC_DIR")


def source_version() -> str:
    """The commit measured, "+changes" when the application's files differ from it."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "bot", "conversations", "storage", "reports",
                  "rubric", "pyproject.toml")  # fmt: skip
    return f"{head}+changes" if changed else head


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CLEAN_PREFIXES)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def peak_rss_mb(pid: int, field: str = "VmHWM") -> float | None:
    """VmHWM: the process's peak resident set size (VmRSS: the current one)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def descendants(pid: int) -> list[int]:
    """The live processes below ``pid`` (e.g. the bot's report workers), children first."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(int(stat.parent.name))
        if fields is not None:
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        children = parents.get(queue.pop(0), [])
        found += children
        queue += children
    return found


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds of ``pid`` and everything below it: live descendants' own time plus the
    time of the ones that exited (cutime + cstime of whoever reaped them)."""
    total = None
    for member in [pid, *descendants(pid)]:
        fields = _stat_fields(member)
        if fields is not None:
            utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
            total = (total or 0.0) + (utime + stime + cutime + cstime) / CLK_TCK
    return total


def own_cpu_seconds(pid: int) -> float | None:
    """CPU seconds of ``pid`` itself, every thread's (not its children's: report workers)."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class WorkerPeak:
    """The largest peak RSS (VmHWM) seen among a process's descendants, sampled every
    ``every`` seconds (a report worker may be recycled between two phase ends)."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        self.pid, self.every, self.mb = pid, every, 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> WorkerPeak:
        self._task = asyncio.create_task(self._watch())
        return self

    async def stop(self) -> float | None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._sample()
        return self.mb or None

    def _sample(self) -> None:
        for child in descendants(self.pid):
            self.mb = max(self.mb, peak_rss_mb(child) or 0.0)

    async def _watch(self) -> None:
        while True:
            self._sample()
            await asyncio.sleep(self.every)


def busy_cpu_seconds() -> float:
    """CPU seconds all processes of the machine spent busy (from /proc/stat), to tell how much
    of the machine something outside the benchmark used during a phase."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


async def wait_quiet(limit: float, threshold: float = 10.0, sample: float = 3.0) -> float:
    """Wait up to ``limit`` seconds until the machine's other processes use less than
    ``threshold`` % CPU (over ``sample`` seconds); returns the last reading."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        busy = busy_cpu_seconds()
        await asyncio.sleep(sample)
        load = (busy_cpu_seconds() - busy) / sample * 100
        if load < threshold or loop.time() >= deadline:
            return round(load, 1)
        print(f"  the machine is busy ({load:.0f} % CPU), waiting", file=sys.stderr)


def database_server_cpu_seconds() -> float:
    """CPU seconds of the local PostgreSQL server's processes (part of the system under test)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text[:40]:
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


class Child:
    def __init__(self, name: str, proc: asyncio.subprocess.Process, log: Path | None) -> None:
        self.name, self.proc, self.log = name, proc, log

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tail(self, lines: int = 30) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def errors(self, keep: int = 5) -> dict[str, Any]:
        """ERROR lines of the child's log: how many, and the first few distinct exceptions
        (the last line of each traceback, e.g. "sqlite3.OperationalError: database is locked")."""
        if self.log is None or not self.log.exists():
            return {"count": 0, "first": []}
        lines = self.log.read_text(errors="replace").splitlines()
        count = sum(" ERROR " in line for line in lines)
        first: list[str] = []
        for line in lines:
            if _EXCEPTION.match(line) and line[:200] not in first and len(first) < keep:
                first.append(line[:200])
        return {"count": count, "first": first}

    async def stop(self, grace: float = 20.0) -> int | None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)  # the group this child leads
                await self.proc.wait()
        return self.proc.returncode


async def start(
    name: str, args: list[str], env: dict[str, str], cwd: Path, log: Path | None, pipes: bool
) -> Child:
    out = open(log, "ab") if log else asyncio.subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = await asyncio.create_subprocess_exec(
            *args,
            env=env,
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE if pipes else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if pipes else out,
            stderr=out,
            start_new_session=True,
        )
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    return Child(name, proc, log)


class RunnerChild(Child):
    """The runner: one JSON command per line in, one JSON answer per line out."""

    async def first(self) -> dict[str, Any]:
        return await self._read(60)

    async def call(self, timeout: float = 900, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.proc.stdin.drain()
        return await self._read(timeout)

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"the runner exited:\n{self.tail()}")
        return json.loads(line)

    async def stop(self, grace: float = 10.0) -> int | None:
        if self.proc.returncode is None and self.proc.stdin is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.call(timeout=grace, cmd="quit"), grace)
            with contextlib.suppress(Exception):
                self.proc.stdin.close()
        return await super().stop(grace)


def other_cpus(cpus: str | None) -> str | None:
    """The CPUs not in ``cpus`` (taskset's list, e.g. "1" or "0,2"), for the load generator."""
    if not cpus:
        return None
    taken = {int(c) for c in cpus.split(",")}
    rest = sorted(set(os.sched_getaffinity(0)) - taken)
    return ",".join(map(str, rest)) or None


async def start_runner(work: Path, cpus: str | None = None) -> RunnerChild:
    log = work / "runner.log"
    argv = [sys.executable, "-m", "bench.runner"]
    if cpus:
        argv = ["taskset", "-c", cpus, *argv]
    child = await start("runner", argv, child_env(), REPO, log, pipes=True)
    return RunnerChild(child.name, child.proc, child.log)


async def wait_healthy(port: int, child: Child, timeout: float = 60) -> None:
    """Until the web app answers /healthz (webhook mode)."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while asyncio.get_running_loop().time() < deadline:
            if child.proc.returncode is not None:
                raise RuntimeError(f"{child.name} exited:\n{child.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{child.name} not listening on {port} after {timeout:.0f} s")
