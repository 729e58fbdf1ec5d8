"""The saturation ratio by instructions: both bots under callgrind, the same officers' updates.

    .venv/bin/python -m bench.instructions                 # SQLite, polling, 20 officers
    .venv/bin/python -m bench.instructions --updates 400 --officers 30 --markdown

On this shared machine the CPU time charged for the same work moves by half within the hour
(bench/RESULTS.md), so a ratio of times cannot be pinned. The instructions a process executes
for the same updates do not depend on the machine's speed: each bot runs under
``valgrind --tool=callgrind`` with instrumentation off; after a warm-up of ``--warmup-updates``
answered actions (imports, caches, the first statements) it is switched on
(``callgrind_control -i on``) for a phase that ends after ``--updates`` answered actions and
their drain, then off, and the count is dumped. The figure is instructions per answered
update, for every thread of the bot's process (aiosqlite's included; report workers are other
processes, as in ``bench.load``'s CPU per update). Their ratio (bare / ours) is what
throughput at saturation would be if each instruction cost the same in both: an estimate, since
cache misses and system calls are not instructions, and python-telegram-bot's bare bot sends
more and larger requests than it receives.
Each bot runs ~50x slower under valgrind; the runner's timeout per action is raised to match.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import procs
from bench.load import APPRAISER_ID, REPORTER_ID, start_bots
from bench.load import parse as load_options
from bench.seed import seed, settings_for, temp_database

TIMEOUT = 900.0  # seconds an action may wait for a bot that runs ~50x slower
_EVENTS = re.compile(rb"^events: (.+)$", re.MULTILINE)
_TOTALS = re.compile(rb"^totals: (.+)$", re.MULTILINE)
# an estimate of cycles from callgrind's simulated caches and branch predictor (the weights
# of KCachegrind's "Cycle Estimation"): a first-level miss ~10 cycles, a last-level one ~100,
# a mispredicted branch ~10
_CYCLES = {"Ir": 1, "I1mr": 10, "D1mr": 10, "D1mw": 10, "ILmr": 100, "DLmr": 100, "DLmw": 100}
_CYCLES |= {"Bcm": 10, "Bim": 10}


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.instructions", add_help=False)
    p.add_argument("--warmup-updates", type=int, default=60, help="answered before counting")
    p.add_argument("--caches", action="store_true",
                   help="also simulate caches and branch prediction (~2x slower): estimates "
                   "cycles, which a bigger working set costs beyond its instructions")  # fmt: skip
    own, rest = p.parse_known_args(argv)
    args = load_options(["--officers", "20", "--updates", "300", *rest])
    args.warmup_updates, args.caches = own.warmup_updates, own.caches
    args.units = max(args.units, 4 * args.officers)  # bare + ours, each with its own units
    return args


async def _callgrind(*argv: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        "callgrind_control", *argv, stdout=asyncio.subprocess.DEVNULL
    )
    if await proc.wait() != 0:
        raise RuntimeError(f"callgrind_control {' '.join(argv)} failed")


async def _dumped(out: Path, timeout: float = 300.0) -> dict[str, int]:
    """The events counted in the dump callgrind writes to ``out`` (its files end .1, .2…)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for dump in sorted(out.parent.glob(out.name + ".*")):
            text = dump.read_bytes()
            names, totals = _EVENTS.search(text), _TOTALS.search(text)
            if names and totals:
                counts = map(int, totals[1].split())
                return dict(zip(names[1].decode().split(), counts, strict=True))
        await asyncio.sleep(0.5)  # callgrind writes the file on its own; nothing to wait on
    raise TimeoutError(f"no callgrind dump in {out.parent}")


async def count(args: argparse.Namespace, bare: bool, url: str, work: Path, seeded: Any) -> dict:
    """One bot under callgrind: instructions per answered update in a phase of ``args.updates``."""
    name = "bare" if bare else "ours"
    out = work / f"callgrind-{name}"
    wrap = ("valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}")
    if args.caches:
        wrap += ("--cache-sim=yes", "--branch-sim=yes")
    runner = await procs.start_runner(work)
    bots: list[procs.Child] = []
    try:
        fake = await runner.first()
        await runner.call(cmd="people", officers=seeded.invites, timeout=TIMEOUT,
                          reporter=None if bare else REPORTER_ID,
                          appraiser=None if bare else APPRAISER_ID)  # fmt: skip
        bots, _ = await start_bots(args, bare, fake, url, work, wrap)
        ready = await runner.call(cmd="ready", webhooks=0, timeout=TIMEOUT)
        if not ready.get("ok"):
            raise RuntimeError(f"{ready}\n{bots[0].tail()}")

        async def phase(updates: int) -> dict[str, Any]:
            got = await runner.call(cmd="phase", mode="saturation", duration=TIMEOUT, warmup=0,
                                    updates=updates, officers=args.officers)  # fmt: skip
            if not got.get("mode"):
                raise RuntimeError(f"{name}: phase failed: {got}\n{bots[0].tail()}")
            return got

        await phase(args.warmup_updates)
        await _callgrind("-i", "on", str(bots[0].pid))
        got = await phase(args.updates)
        await _callgrind("-i", "off", str(bots[0].pid))
        await _callgrind("-d", str(bots[0].pid))
        events = await _dumped(out)
    finally:
        for bot in bots:
            await bot.stop(grace=120)
        await runner.stop()
    answered = sum(n for r, n in got["results"].items() if r != "timeout")
    per_update = {name: round(n / max(1, answered)) for name, n in events.items()}
    figures = {
        "answered": answered,
        "timeouts": got["results"].get("timeout", 0),
        "events": events,
        "per_update": per_update["Ir"],
        "events_per_update": per_update,
        "api_calls": got["api_calls"],
    }
    if args.caches:
        figures["cycles_per_update"] = sum(per_update[e] * w for e, w in _CYCLES.items())
    print(f"  {name}: {figures['per_update']:,} instructions per update ({answered} answered)",
          file=sys.stderr)  # fmt: skip
    return figures


async def run(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"commit": procs.source_version(), "officers": args.officers}
    work = Path(tempfile.mkdtemp(prefix="danvan-instructions-"))
    try:
        async with temp_database(args.db, work, args.pg_admin_url) as url:
            print(f"seeding {args.units} units ({args.db}) in {work}", file=sys.stderr)
            seeded = await seed(settings_for(url, work), args.units, args.near_done)
            half = len(seeded.invites) // 2
            for bare, invites in ((True, seeded.invites[:half]), (False, seeded.invites[half:])):
                own = replace(seeded, invites=invites)
                figures["bare" if bare else "ours"] = await count(args, bare, url, work, own)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    figures["ratio"] = round(figures["bare"]["per_update"] / figures["ours"]["per_update"], 3)
    if args.caches:
        bare, ours = figures["bare"]["cycles_per_update"], figures["ours"]["cycles_per_update"]
        figures["cycles_ratio"] = round(bare / ours, 3)
    return figures


def main(argv: list[str] | None = None) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    args = parse(argv)
    figures = asyncio.run(run(args))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    bare, ours = figures["bare"], figures["ours"]
    print(f"\n## {args.db}, instructions per update (commit {figures['commit']}, "
          f"{args.officers} officers, {args.updates} updates)\n")  # fmt: skip
    print("| bot | instructions per update | answered |\n|---|---|---|")
    print(f"| bare | {bare['per_update']:,} | {bare['answered']} |")
    print(f"| ours | {ours['per_update']:,} | {ours['answered']} |")
    print(f"| bare / ours | **{figures['ratio']:.0%}** | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
