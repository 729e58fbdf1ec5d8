"""One measured phase of simulated traffic: saturation (no think time) or paced (an offered
rate spread over the officers with exponential think times), optionally with someone asking
for documents over and over (``/baocao`` or ``/tonghop``) to see whether that blocks others."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from typing import Any

from bench.fakeserver import BenchFake
from bench.officers import Outcome, Person
from bench.stats import summary_ms


@dataclass
class Phase:
    mode: str  # "saturation" | "paced"
    duration: float  # measured seconds (after the warm-up)
    warmup: float = 3.0
    rate: float = 0.0  # paced: offered updates per second over all officers
    updates: int = 0  # stop early after this many answered actions (0: no cap)
    drain: float = 60.0  # at the end, wait this long for actions still in flight
    seed: int = 1
    officers: int = 0  # at work at once (0: all); one who submitted hands over to the next
    outcomes: list[Outcome] = field(default_factory=list)
    extra: list[Outcome] = field(default_factory=list)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run_phase(
    fake: BenchFake, officers: list[Person], phase: Phase, requester: Person | None = None
) -> dict[str, Any]:
    rng = random.Random(phase.seed)
    fake.reset_measures()
    waiting = iter([o for o in officers if not o.done])
    places = min(phase.officers or len(officers), len(officers))
    active: list[Person] = []  # every officer who acted in this phase
    stop = asyncio.Event()
    began = time.monotonic()
    measure_from = began + phase.warmup
    end = measure_from + phase.duration
    per_officer = phase.rate / max(1, places)
    cpu_before = time.process_time()

    async def officer_loop() -> None:
        """One officer's place: a fresh unit's officer takes it over after a submission."""
        if phase.mode == "paced":
            await _pause(stop, rng.expovariate(per_officer))
        officer = next(waiting, None)
        while officer is not None and not stop.is_set():
            active.append(officer)
            while not stop.is_set() and not officer.done:
                outcome = await officer.act()
                phase.outcomes.append(outcome)
                if phase.updates and len(phase.outcomes) >= phase.updates:
                    stop.set()
                if phase.mode == "paced":
                    await _pause(stop, rng.expovariate(per_officer))
            officer = next(waiting, None)

    async def requester_loop(person: Person) -> None:
        await _pause(stop, phase.warmup)
        while not stop.is_set():
            phase.extra.append(await person.act())

    tasks = [asyncio.create_task(officer_loop()) for _ in range(places)]
    if requester is not None:
        tasks.append(asyncio.create_task(requester_loop(requester)))
    stopper = asyncio.create_task(_pause(stop, end - time.monotonic()))
    everyone = asyncio.ensure_future(asyncio.wait(tasks))  # e.g. every officer has submitted
    await asyncio.wait([stopper, everyone], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    end = min(end, time.monotonic())
    cpu_used = (time.process_time() - cpu_before) / max(1e-9, end - began)
    _, pending = await asyncio.wait(tasks, timeout=phase.drain)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    stopper.cancel()
    everyone.cancel()
    return _report(fake, phase, active, requester, measure_from, end, cpu_used, len(pending))


def _report(
    fake: BenchFake,
    phase: Phase,
    officers: list[Person],
    requester: Person | None,
    start: float,
    end: float,
    runner_cpu: float,
    stuck: int,
) -> dict[str, Any]:
    window = max(1e-9, end - start)
    chats = {o.chat for o in officers}
    answered = [o for o in phase.outcomes if start <= o.ended <= end and o.result != "timeout"]
    latencies = [lat for at, lat, chat in fake.samples if start <= at <= end and chat in chats]
    steps = [o.ended - o.started for o in answered]
    extra = [o.ended - o.started for o in phase.extra if o.result == "documents"]
    results: dict[str, int] = {}
    for o in phase.outcomes:
        results[o.result] = results.get(o.result, 0) + 1
    return {
        "mode": phase.mode,
        "officers": len(officers),
        "window_s": round(window, 2),
        "offered_per_s": round(phase.rate, 2) if phase.mode == "paced" else None,
        "updates_per_s": round(len(answered) / window, 2),
        "delivered_per_s": round(sum(start <= t <= end for t in fake.deliveries) / window, 2),
        "latency_ms": summary_ms(latencies),  # delivery -> first reply
        # the officer's action -> the bot's answer: the next question, or the one-line
        # confirmation of a text typed for the item just scored
        "step_ms": summary_ms(steps),
        "results": results,
        "submitted": sum(o.done for o in officers),
        "requests": summary_ms(extra) if requester is not None else None,
        "requests_failed": sum(o.result != "documents" for o in phase.extra),
        "runner_cpu_pct": round(runner_cpu * 100, 1),
        "stuck_after_drain": stuck,
        "api_errors": dict(fake.errors.most_common(5)),
        "api_calls": dict(fake.methods.most_common()),  # the whole phase, drain included
    }
