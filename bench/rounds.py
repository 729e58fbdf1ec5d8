"""The saturation ratio on a machine whose speed drifts: the bare bot and ours, alternated.

    .venv/bin/python -m bench.rounds                      # 3 rounds, SQLite, polling, 200 officers
    .venv/bin/python -m bench.rounds --rounds 5 --markdown

``bench.load`` measures the bare bot, then ours, minutes apart; on a shared machine whose speed
changed by half within the hour (bench/RESULTS.md), their ratio moves with it. Here each round
measures both at saturation back to back, the order alternating (bare first in even rounds,
ours first in odd ones), each round with fresh units of its own (the bare bot keeps nothing).
The figures are each round's ratios, by throughput and by CPU per update, and their medians.
Other options are ``bench.load``'s (its paced and blocking phases are not run here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import procs
from bench.load import measure
from bench.load import parse as load_options
from bench.seed import seed, settings_for, temp_database
from bench.stats import median


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, int]:
    p = argparse.ArgumentParser(prog="python -m bench.rounds", add_help=False)
    p.add_argument("--rounds", type=int, default=3, help="bare + ours, this many times")
    own, rest = p.parse_known_args(argv)
    if own.rounds < 1:
        p.error("--rounds must be at least 1")
    args = load_options(rest)
    args.units = max(args.units, 2 * args.officers * own.rounds)  # at work + to hand over to
    return args, own.rounds


async def run(args: argparse.Namespace, rounds: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"commit": procs.source_version(), "rounds": []}
    figures["load_before"] = await procs.wait_quiet(args.wait_quiet)
    work = Path(tempfile.mkdtemp(prefix="danvan-rounds-"))
    try:
        async with temp_database(args.db, work, args.pg_admin_url) as url:
            print(f"seeding {args.units} units ({args.db}) in {work}", file=sys.stderr)
            seeded = await seed(settings_for(url, work), args.units, args.near_done)
            share = len(seeded.invites) // rounds
            for n in range(rounds):
                own = replace(seeded, invites=seeded.invites[n * share : (n + 1) * share])
                got: dict[str, Any] = {}
                for bare in (True, False) if n % 2 == 0 else (False, True):
                    done = await measure(args, bare, url, work, own, None, saturation_only=True)
                    got["bare" if bare else "ours"] = done["phases"]["saturation"]
                figures["rounds"].append(_ratios(got))
                print(f"  round {n + 1}: {figures['rounds'][-1]}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for key in ("throughput_ratio", "cpu_ratio"):
        figures[key] = median([r[key] for r in figures["rounds"]])
    return figures


def _ratios(got: dict[str, Any]) -> dict[str, Any]:
    bare, ours = got["bare"], got["ours"]
    bare_ms, ours_ms = bare["bot_cpu_ms_per_update"], ours["bot_cpu_ms_per_update"]
    return {
        "bare_per_s": bare["updates_per_s"],
        "ours_per_s": ours["updates_per_s"],
        "throughput_ratio": round(ours["updates_per_s"] / max(bare["updates_per_s"], 1e-9), 3),
        "bare_cpu_ms": bare_ms,
        "ours_cpu_ms": ours_ms,
        "cpu_ratio": round(bare_ms / max(ours_ms, 1e-9), 3),
        "unanswered": ours["results"].get("timeout", 0) + ours["stuck_after_drain"],
    }


def table(figures: dict[str, Any]) -> str:
    lines = [
        "| round | bare / ours, updates/s | ours/bare | CPU per update bare / ours, ms | by CPU |",
        "|---|---|---|---|---|",
    ]
    for n, r in enumerate(figures["rounds"], 1):
        lines.append(
            f"| {n} | {r['bare_per_s']} / {r['ours_per_s']} | {r['throughput_ratio']:.0%} "
            f"| {r['bare_cpu_ms']} / {r['ours_cpu_ms']} | {r['cpu_ratio']:.0%} |"
        )
    lines.append(
        f"| median | | **{figures['throughput_ratio']:.0%}** | | **{figures['cpu_ratio']:.0%}** |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args, rounds = parse(argv)
    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)  # inherited by every child
    figures = asyncio.run(run(args, rounds))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\n## {args.db}, saturation, {rounds} rounds (commit {figures['commit']})\n")
    print(table(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
