"""The report worker processes (reports/workers.py): their memory and the time to a report.

Each run is a fresh process standing in for the bot: its main module is a script like the
``danvan`` console script (it imports ``bot.cli``, so every module of the bot), so that a worker
which imported its parent's main module again would pay for it as it would in production. That
process opens the app (SQLite, the sample district of tools/specimens.py, ``--workers``
REPORT_WORKERS) and, through the app's own wiring:

- times the first unit report after start (the worker starts then and imports python-docx),
  then ``--reports`` more (median), then the district summary three times (XLSX, DOCX, PNG
  chart: three jobs; the first imports openpyxl and matplotlib);
- reads the memory of every process below it from /proc: RSS, PSS, USS (private pages, what
  the process alone holds) and anonymous memory (``smaps_rollup``) and peak RSS (VmHWM);
  the workers and any helper (fork server, resource tracker);
- stops the workers, as a pool's retirement does, checks that they are gone, and times the
  next unit report (a new worker) and its memory.

    .venv/bin/python -m bench.workers [--runs 3] [--workers 1] [--json out.json]
                                      [--impl module:Class]

``--impl`` measures another class in place of ``reports.workers.ReportWorkers`` (a prototype
on PYTHONPATH; repeated, the runs alternate between them). The workers run at nice 10: on a
busy machine their times mean little; ``--wait-quiet S`` waits up to S seconds before each run
for the other processes to use under 10 % CPU ("load" is then that reading, in cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# The bot's main module in production is the `danvan` console script: this one does the same.
SCRIPT = """\
import sys
from bot.cli import main  # like the danvan console script: every module of the bot
from bench.workers import child
if __name__ == "__main__":
    child(sys.argv[1:])
"""


def smaps(pid: int) -> dict[str, float] | None:
    """RSS, PSS, USS, anonymous memory and peak RSS of ``pid`` in MB (None: it is gone). USS
    counts a library's pages as shared only while another process maps them (another worker,
    or any program of the machine): anonymous memory (the heap) does not depend on that."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    kb = {}
    for line in rollup[1:] + status:
        key, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            kb[key] = int(rest.split()[0])
    uss = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
    return {
        "rss": round(kb["Rss"] / 1024, 1),
        "pss": round(kb["Pss"] / 1024, 1),
        "uss": round(uss / 1024, 1),
        "anon": round(kb["Anonymous"] / 1024, 1),
        "hwm": round(kb["VmHWM"] / 1024, 1),
    }


def processes() -> list[dict[str, Any]]:
    """Every live process below this one: its role, command line and memory. Helpers: the
    resource tracker, a fork server (a child of this process); the rest run the jobs."""
    from bench.procs import descendants

    found = []
    for pid in descendants(os.getpid()):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
        server = "forkserver" in cmd and ppid == os.getpid()
        role = "helper" if "resource_tracker" in cmd or server else "worker"
        mem = smaps(pid)
        if mem is not None:
            found.append({"pid": pid, "role": role, "cmd": cmd.strip()[-70:]} | mem)
    return found


async def _timed(make: Any) -> float:
    began = time.perf_counter()
    await make()
    return round(time.perf_counter() - began, 3)


async def measure(folder: Path, impl: str, workers: int, reports: int) -> dict[str, Any]:
    import bot.app
    from bench.seed import settings_for
    from bot.app import open_app
    from tools.specimens import fill_district, period_of

    if impl:
        module, _, name = impl.partition(":")
        bot.app.ReportWorkers = getattr(__import__(module, fromlist=[name]), name)  # type: ignore[attr-defined]
    settings = settings_for(f"sqlite+aiosqlite:///{folder / 'danvan.db'}", folder)
    settings.report_workers = workers
    out: dict[str, Any] = {"workers": workers}
    async with open_app(settings) as app:
        ids = await fill_district(app)
        aid, period = ids["VG-CUUCAO"], await period_of(app, ids["VG-CUUCAO"])
        pool = app.reports.workers
        make_summary = app.engine.make_summary
        assert make_summary is not None

        async def round_of_units() -> None:  # one report per worker, at once
            await asyncio.gather(*(app.reports.write(aid, ("unit",)) for _ in range(workers)))

        await app.reports.gather(aid)  # the database's caches: not the workers' time
        out["first_unit_s"] = await _timed(lambda: app.reports.write(aid, ("unit",)))
        out["after_first"] = processes()
        later = [await _timed(round_of_units) for _ in range(reports)]
        out["later_unit_s"] = round(statistics.median(later), 3)
        summaries = [await _timed(lambda: make_summary(period)) for _ in range(3)]
        out["first_summary_s"], out["later_summary_s"] = summaries[0], min(summaries[1:])
        out["after_all"] = processes()
        old = {p["pid"] for p in out["after_all"] if p["role"] == "worker"}
        await pool.aclose()  # what a retired pool does, at once
        out["old_workers_alive"] = sorted(p for p in old if Path(f"/proc/{p}").exists())
        out["worker_start_s"] = await _timed(lambda: pool.run(os.getpid))  # no documents
        out["new_pool_unit_s"] = await _timed(lambda: app.reports.write(aid, ("unit",)))
        out["new_pool"] = processes()
    out["left_after_close"] = [p["pid"] for p in processes()]
    return out


def child(argv: list[str]) -> None:
    folder, impl, workers, reports = Path(argv[0]), argv[1], int(argv[2]), int(argv[3])
    print(json.dumps(asyncio.run(measure(folder, impl, workers, reports))))


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    def mem(key: str, role: str, field: str) -> float:
        return med([sum(p[field] for p in r[key] if p["role"] == role) for r in runs])

    def count(key: str, role: str) -> int:
        return max(sum(p["role"] == role for p in r[key]) for r in runs)

    row: dict[str, Any] = {"runs": len(runs), "load": med([r["load"] for r in runs])}
    for key in ("first_unit_s", "later_unit_s", "first_summary_s", "later_summary_s",
                "worker_start_s", "new_pool_unit_s"):  # fmt: skip
        row[key] = med([r[key] for r in runs])
    for key in ("after_first", "after_all", "new_pool"):
        for role in ("worker", "helper"):
            row[f"{key}.{role}s"] = count(key, role)
            for field in ("rss", "pss", "uss", "anon", "hwm"):
                row[f"{key}.{role}.{field}"] = mem(key, role, field)
    row["old_workers_alive"] = max(len(r["old_workers_alive"]) for r in runs)
    row["left_after_close"] = max(len(r["left_after_close"]) for r in runs)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes (medians)")
    parser.add_argument("--workers", type=int, default=1, help="REPORT_WORKERS")
    parser.add_argument("--reports", type=int, default=10, help="later unit reports")
    parser.add_argument("--impl", action="append", help="module:Class instead of ReportWorkers "
                        "(repeat to compare: the runs alternate; 'current' is ours)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    quiet = "before each run, wait up to S s for the machine to be idle"
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="S", help=quiet)
    args = parser.parse_args()
    impls = args.impl or ["current"]
    env = os.environ | {"SOFFICE": "no-such-soffice"}  # no PDFs: the workers alone
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load {os.getloadavg()}")
    runs: dict[str, list[dict[str, Any]]] = {impl: [] for impl in impls}
    with tempfile.TemporaryDirectory(prefix="danvan-bench-") as tmp:
        script = Path(tmp) / "danvan_like.py"
        script.write_text(SCRIPT)
        for n in range(args.runs):
            for impl in impls:
                folder = Path(tmp) / f"run{n}-{len(runs[impl])}-{impl.replace(':', '.')}"
                folder.mkdir()
                which = "" if impl == "current" else impl
                cmd = [sys.executable, str(script), str(folder), which, str(args.workers),
                       str(args.reports)]  # fmt: skip
                load = os.getloadavg()[0]
                if args.wait_quiet:
                    from bench.procs import wait_quiet

                    load = asyncio.run(wait_quiet(args.wait_quiet)) / 100  # busy cores
                done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
                if done.returncode != 0:
                    sys.exit(f"{impl} run {n} failed:\n{done.stderr[-3000:]}")
                runs[impl].append(json.loads(done.stdout.strip().splitlines()[-1]) | {"load": load})
                print(impl, json.dumps(runs[impl][-1]["after_all"]), file=sys.stderr)
    summaries = {impl: _summary(done) for impl, done in runs.items()}
    if args.json:
        args.json.write_text(json.dumps({"summary": summaries, "runs": runs}, indent=1))
    print(f"{'':34}" + "".join(f"{impl[:24]:>26}" for impl in impls))
    for key in summaries[impls[0]]:
        print(f"{key:34}" + "".join(f"{summaries[impl][key]:>26}" for impl in impls))


if __name__ == "__main__":
    main()
