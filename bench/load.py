"""Load benchmark: the real bot (``danvan run``) and a bare PTB bot against the fake Bot API.

    .venv/bin/python -m bench.load                       # SQLite, polling, 200 officers
    .venv/bin/python -m bench.load --webhook
    .venv/bin/python -m bench.load --db postgresql --webhook --processes 2
    .venv/bin/python -m bench.load --quick               # a smoke run, < 60 s

Everything lives in a temporary folder (and, with PostgreSQL, a temporary database) that is
removed at the end; nothing is written into the repository unless ``--json`` says where.
Phases: saturation (no think time: updates/s), paced (``--rate`` updates/s offered with
exponential think times: latency delivery -> first reply), then the same paced traffic while
one officer asks ``/baocao`` over and over, and while an appraiser asks ``/tonghop``.
Our bot runs without its own rate limiter unless ``--telegram-rate-limit`` says otherwise: the
bare bot has none, and the comparison is of the code (the limiter caps sends at 30/s by design).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import procs
from bench.report import print_report
from bench.seed import APPRAISER_ID, REPORTER_ID, database_size, seed, settings_for, temp_database
from bench.timing import report_timings

ADMIN_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--pg-admin-url", default=ADMIN_PG_URL, help="creates/drops bench_* databases")
    p.add_argument("--officers", type=int, default=200, help="officers at work at any time")
    p.add_argument("--units", type=int, default=0,
                   help="units seeded (default 3 x officers): an officer who submitted hands "
                   "over to a fresh unit's, so a long run never runs out of work")  # fmt: skip
    p.add_argument("--rate", type=float, help="paced updates/s (default: half bare saturation)")
    p.add_argument("--webhook", action="store_true", help="webhook instead of long polling")
    p.add_argument("--processes", type=int, default=1, help="bot processes (webhook+postgresql)")
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds per phase")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    p.add_argument("--updates", type=int, default=0, help="end a phase after this many updates")
    p.add_argument("--near-done", type=float, default=0.1,
                   help="share of units with all items but the last answered")  # fmt: skip
    p.add_argument("--reports", type=int, default=20, help="unit report timings (median)")
    p.add_argument("--quick", action="store_true", help="small and short: a smoke run")
    p.add_argument("--skip-bare", action="store_true", help="no bare bot (needs --rate)")
    p.add_argument("--skip-blocking", action="store_true", help="no /baocao, /tonghop phases")
    p.add_argument("--telegram-rate-limit", type=float, metavar="R", default=0.0,
                   help="the bot's TELEGRAM_RATE_LIMIT; default 0 (none), like the bare bot, so "
                   "that the code is compared; 30 shows the production cap")  # fmt: skip
    p.add_argument("--bot-env", action="append", default=[], metavar="NAME=VALUE",
                   help="extra bot environment, e.g. MALLOC_ARENA_MAX=2 (repeatable)")  # fmt: skip
    p.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the bot (kept with --keep: bot-N.prof in the run's folder)",
    )
    p.add_argument("--markdown", action="store_true", help="print a table for RESULTS.md")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--against", type=Path, help="a previous --json run to compare with")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="S",
                   help="first wait up to S seconds for other processes to go quiet")  # fmt: skip
    p.add_argument("--nice", type=int, default=0,
                   help="scheduling priority of the benchmark and its children (-10: ahead of "
                   "other work on a shared machine; needs root)")  # fmt: skip
    p.add_argument("--bot-cpu", metavar="N",
                   help="run the bot(s) on these CPUs only (taskset -c N, e.g. 1), and the load "
                   "generator on the others: no process moves between cores")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = p.parse_args(argv)
    if args.processes > 1 and not (args.webhook and args.db == "postgresql"):
        p.error("--processes > 1 needs --webhook and --db postgresql")
    if any("=" not in item for item in args.bot_env):
        p.error("--bot-env takes NAME=VALUE")
    if args.skip_bare and not args.rate:
        p.error("--skip-bare needs --rate")
    if args.quick:
        args.officers = min(args.officers, 20)
        args.duration, args.warmup, args.reports = min(args.duration, 4.0), 1.0, 3
    args.units = max(args.units or 3 * args.officers, args.officers)
    return args


async def start_bots(
    args: argparse.Namespace,
    bare: bool,
    fake: dict[str, Any],
    url: str,
    work: Path,
    wrap: tuple[str, ...] = (),
) -> tuple[list[procs.Child], list[int]]:
    """Start the bot(s); ``wrap`` goes before the command (valgrind for bench.instructions)."""
    count = 1 if bare else args.processes
    bots, ports = [], []
    for index in range(count):
        port = procs.free_port()
        env = procs.child_env(
            TELEGRAM_BOT_TOKEN=fake["token"],
            TELEGRAM_API_BASE_URL=fake["base_url"],
            TELEGRAM_API_FILE_URL=fake["file_url"],
            TELEGRAM_BOT_USERNAME="danvan_bench_bot",
            DATABASE_URL=url,
            DATA_DIR=str(work / "data"),
            EVIDENCE_DIR=str(work / "data" / "evidence"),
            OUTPUT_DIR=str(work / "out"),
            REMINDERS_ENABLED="false",
            WEBHOOK_SECRET="bench-secret",
        )
        if not bare:
            env.update(dict(item.split("=", 1) for item in args.bot_env))
        if args.telegram_rate_limit is not None and not bare:
            env["TELEGRAM_RATE_LIMIT"] = f"{args.telegram_rate_limit:g}"
        if args.webhook:
            env.update(PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", WEB_PORT=str(port))
        if bare:
            argv = [sys.executable, "-m", "bench.bare_bot"]
        elif args.profile:
            env["BENCH_PROFILE"] = str(work / f"bot-{index}.prof")
            argv = [sys.executable, "-m", "bench.profiled_bot"]
        else:
            argv = [sys.executable, "-m", "bot", "run"]
        name = f"{'bare' if bare else 'bot'}-{index}"
        if args.bot_cpu:
            wrap = ("taskset", "-c", args.bot_cpu, *wrap)
        argv = [*wrap, *argv]
        bots.append(await procs.start(name, argv, env, work, work / f"{name}.log", pipes=False))
        ports.append(port)
    return bots, ports


async def measure(
    args: argparse.Namespace,
    bare: bool,
    url: str,
    work: Path,
    seeded: Any,
    rate: float | None,
    saturation_only: bool = False,
) -> dict[str, Any]:
    """Start a runner and the bot(s), run the phases (``saturation_only``: the first), stop
    everything."""
    runner = await procs.start_runner(work, procs.other_cpus(args.bot_cpu))
    bots: list[procs.Child] = []
    result: dict[str, Any] = {"phases": {}}
    try:
        fake = await runner.first()
        await runner.call(cmd="people", officers=seeded.invites,
                          reporter=None if bare else REPORTER_ID,
                          appraiser=None if bare else APPRAISER_ID)  # fmt: skip
        bots, ports = await start_bots(args, bare, fake, url, work)
        ready = await runner.call(cmd="ready", webhooks=len(bots) if args.webhook else 0)
        if not ready.get("ok"):
            raise RuntimeError(f"{ready}\n" + "\n".join(b.tail() for b in bots))
        if args.webhook:
            for bot, port in zip(bots, ports, strict=True):
                await procs.wait_healthy(port, bot)
        result["rss_idle_mb"] = [procs.peak_rss_mb(b.pid, "VmRSS") for b in bots]
        watches = [procs.WorkerPeak(b.pid).start() for b in bots]

        async def phase(name: str, **cmd: Any) -> dict[str, Any]:
            ours = [*bots, runner]
            cpu = [procs.tree_cpu_seconds(c.pid) or 0.0 for c in ours]
            own = [procs.own_cpu_seconds(b.pid) or 0.0 for b in bots]
            busy, began = procs.busy_cpu_seconds(), asyncio.get_running_loop().time()
            db_cpu = procs.database_server_cpu_seconds()
            got = await runner.call(
                cmd="phase", updates=args.updates, officers=args.officers, **cmd
            )
            for bot in bots:
                if bot.proc.returncode is not None:
                    raise RuntimeError(f"{bot.name} exited ({bot.proc.returncode}):\n{bot.tail()}")
            if not got.get("mode"):
                raise RuntimeError(f"phase {name} failed: {got}")
            elapsed = asyncio.get_running_loop().time() - began  # the drain included
            used = [
                (procs.tree_cpu_seconds(c.pid) or 0.0) - c0 for c, c0 in zip(ours, cpu, strict=True)
            ]
            got["bot_cpu_pct"] = [round(u / elapsed * 100, 1) for u in used[:-1]]
            # the bot processes' own CPU (not their report workers') per answered update over
            # the whole phase (warm-up and drain too): less disturbed by other processes than
            # the throughput, which waits for the CPU
            answered = sum(n for r, n in got["results"].items() if r != "timeout")
            own_used = sum(
                (procs.own_cpu_seconds(b.pid) or 0.0) - o for b, o in zip(bots, own, strict=True)
            )
            got["bot_cpu_ms_per_update"] = round(own_used * 1000 / max(1, answered), 2)
            db_used = max(0.0, procs.database_server_cpu_seconds() - db_cpu)
            got["db_server_cpu_pct"] = round(db_used / elapsed * 100, 1)
            others = procs.busy_cpu_seconds() - busy - sum(used) - db_used
            got["others_cpu_pct"] = round(max(0.0, others) / elapsed * 100, 1)
            got["bot_rss_mb"] = [procs.peak_rss_mb(b.pid, "VmRSS") for b in bots]
            result["phases"][name] = got
            print(f"  {'bare' if bare else 'ours'} {name}: {_line(got)}", file=sys.stderr)
            return got

        sat = await phase("saturation", mode="saturation", duration=args.duration,
                          warmup=args.warmup)  # fmt: skip
        rate = rate or round(sat["updates_per_s"] / 2, 1)
        result["rate"] = rate
        if saturation_only:
            result["worker_rss_mb"] = [await w.stop() for w in watches]
            return result
        paced = await phase("paced", mode="paced", rate=rate, duration=args.duration,
                            warmup=min(3.0, args.warmup))  # fmt: skip
        if not bare and not args.skip_blocking:
            low = min(rate, round(sat["updates_per_s"] / 2, 1))
            result["blocking_rate"] = low
            if low < rate:
                await phase("baseline", mode="paced", rate=low, duration=args.duration,
                            warmup=min(3.0, args.warmup), seed=2)  # fmt: skip
            else:
                result["phases"]["baseline"] = paced
            for who in ("baocao", "tonghop"):
                await phase(who, mode="paced", rate=low, duration=args.duration,
                            warmup=min(3.0, args.warmup), requester=who, seed=3)  # fmt: skip
        result["rss_mb"] = [procs.peak_rss_mb(b.pid) for b in bots]
        result["worker_rss_mb"] = [await w.stop() for w in watches]
    finally:
        for bot in bots:
            code = await bot.stop()
            if code not in (0, -15, None):
                print(f"{bot.name} exited with {code}:\n{bot.tail()}", file=sys.stderr)
        result["bot_errors"] = [bot.errors() for bot in bots]
        for bot, errors in zip(bots, result["bot_errors"], strict=True):
            if errors["count"]:
                print(f"  {bot.name}: {errors['count']} ERROR lines, e.g. {errors['first']}",
                      file=sys.stderr)  # fmt: skip
        await runner.stop()
    return result


def _line(got: dict[str, Any]) -> str:
    lat = got["latency_ms"]
    return (
        f"{got['updates_per_s']} updates/s, latency p50 {lat['p50']} p95 {lat['p95']} "
        f"p99 {lat['p99']} ms (n={lat['n']}), bot CPU {got['bot_cpu_pct']} %, "
        f"{got['bot_cpu_ms_per_update']} ms CPU/update, RSS {got['bot_rss_mb']} MB, "
        f"runner CPU {got['runner_cpu_pct']} %, "
        f"PostgreSQL {got['db_server_cpu_pct']} %, other processes {got['others_cpu_pct']} %, "
        f"results {got['results']}"
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)  # clean up too
    figures: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    figures["commit"] = procs.source_version()
    figures["load_before"] = await procs.wait_quiet(args.wait_quiet)
    work = Path(tempfile.mkdtemp(prefix="danvan-bench-"))
    try:
        async with temp_database(args.db, work, args.pg_admin_url) as url:
            settings = settings_for(url, work)
            print(f"seeding {args.units} units ({args.db}) in {work}", file=sys.stderr)
            seeded = await seed(settings, args.units, args.near_done)
            print("timing the reports (in-process, before any load)", file=sys.stderr)
            # this process and its report workers are the timings' own, not "other processes"
            busy, began = procs.busy_cpu_seconds(), time.monotonic()
            own = procs.tree_cpu_seconds(os.getpid()) or 0.0
            figures["timings"] = await report_timings(settings, seeded, args.reports,
                                                      1 if args.quick else 3)  # fmt: skip
            own = (procs.tree_cpu_seconds(os.getpid()) or 0.0) - own
            others = procs.busy_cpu_seconds() - busy - own
            figures["timings"]["others_cpu_pct"] = round(
                max(0.0, others) / (time.monotonic() - began) * 100, 1
            )
            print(f"  {figures['timings']}", file=sys.stderr)
            if not args.skip_bare:
                figures["bare"] = await measure(args, True, url, work, seeded, None)
            rate = args.rate or figures["bare"]["rate"]
            figures["ours"] = await measure(args, False, url, work, seeded, rate)
            figures["db_bytes"] = await database_size(url, work)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)  # inherited by every child
    try:
        figures = asyncio.run(run(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(
            "interrupted: children stopped, temporary files and database removed", file=sys.stderr
        )
        return 130
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    against = json.loads(args.against.read_text(encoding="utf-8")) if args.against else None
    print_report(figures, against, markdown=args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
