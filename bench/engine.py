"""The engine alone, in process: CPU and wall time per event, no channel, no Bot API.

    .venv/bin/python -m bench.engine                    # SQLite, 200 officers, 1,200 events
    .venv/bin/python -m bench.engine --db postgresql

The database is seeded as for ``bench.load`` (``bench.seed``); each simulated officer redeems
its invite (``/start <token>``) and then answers the questionnaire as ``bench.officers.plan``
does, one event after another, round robin over the officers, each event with an update key
(its inbox claim) and, as in polling mode, stored in the inbox first
(``bot.channel.inbox.keep``). The figure is the process's CPU time per event (every thread's,
so aiosqlite's worker threads count) and the wall time, after ``--warmup`` events; compare runs
on the same machine, since other processes change the wall time far more than the CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.officers import plan
from bench.seed import seed, settings_for, temp_database
from bench.stats import summary_ms
from bot.app import open_app
from bot.channel.inbox import keep
from conversations.events import Choice, Event, Reply, Sender, Start, Text

ADMIN_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def _keyboard(replies: list[Reply]) -> list[tuple[str, str]] | None:
    """The last question's buttons as (label, callback data), as Telegram would carry them."""
    for reply in reversed(replies):
        if reply.buttons and reply.assessment_id is not None and reply.target is not None:
            return [
                (b.label, f"1|{reply.assessment_id}|{reply.target}|{b.key}")
                for row in reply.buttons
                for b in row
            ]
    return None


def _event(data: str) -> Choice:
    _, aid, target, key = data.split("|")
    return Choice(key=key, target=target, assessment_id=int(aid))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="danvan-engine-"))
    try:
        async with temp_database(args.db, work, args.pg_admin_url) as url:
            settings = settings_for(url, work)
            seeded = await seed(settings, args.officers, args.near_done)
            async with open_app(settings, migrate=False) as app:
                return await _drive(app, seeded.invites, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _drive(app: Any, invites: list[tuple[int, str]], args: argparse.Namespace) -> dict:
    rng = random.Random(1)
    senders = {uid: Sender("telegram", str(uid), str(uid), f"Cán bộ {uid}") for uid, _ in invites}
    keyboards: dict[int, list[tuple[str, str]] | None] = {}
    submitted: set[int] = set()  # officers whose unit submitted (its report came): they stop
    serial = 0

    async def one(uid: int, event: Event) -> None:
        nonlocal serial
        serial += 1
        key, sender = f"{serial}:bench", senders[uid]
        await keep(app, "telegram", key, sender, "{}")
        replies = await app.engine.handle(sender, event, update_key=key)
        keyboards[uid] = _keyboard(replies) or keyboards.get(uid)
        if any(r.report_for is not None and not r.draft for r in replies):
            submitted.add(uid)
        app.journal.answered("telegram", key)

    cpu_began = time.process_time()
    for uid, token in invites:
        await one(uid, Start(token))
    start_cpu = (time.process_time() - cpu_began) / len(invites)
    wall: list[float] = []
    cpu_began = wall_began = 0.0
    for n in range(args.warmup + args.events):
        if n == args.warmup:
            cpu_began, wall_began = time.process_time(), time.perf_counter()
        active = [uid for uid, _ in invites if uid not in submitted]
        if not active:
            break
        uid = active[n % len(active)]
        buttons = keyboards.get(uid)
        action = plan(buttons, 0, rng) if buttons else None
        if action is None:
            event: Event = Start(None)
        elif action.kind == "press":
            event = _event(action.value)
        else:
            event = Text(action.value)
        began = time.perf_counter()
        await one(uid, event)
        wall.append(time.perf_counter() - began)
        if n % 50 == 0:
            await app.journal.flush()
    cpu = time.process_time() - cpu_began
    elapsed = time.perf_counter() - wall_began
    events = len(wall) - args.warmup
    return {
        "start_cpu_ms": round(start_cpu * 1000, 3),  # /start <invite>: the redemption
        "events": events,
        "submitted": len(submitted),
        "cpu_ms_per_event": round(cpu / max(events, 1) * 1000, 3),
        "wall_ms_per_event": round(elapsed / max(events, 1) * 1000, 3),
        "event_ms": summary_ms(wall[args.warmup :]),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__.split("\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--pg-admin-url", default=ADMIN_PG_URL)
    p.add_argument("--officers", type=int, default=200)
    p.add_argument("--near-done", type=float, default=0.1, help="as bench.load's")
    p.add_argument("--events", type=int, default=1200)
    p.add_argument("--warmup", type=int, default=200)
    args = p.parse_args(argv)
    print(asyncio.run(run(args)), file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
