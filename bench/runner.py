"""The load generator's process: the fake Bot API server and the simulated officers, so that the
bot's process is measured alone. Driven by ``bench.load`` with one JSON object per line:

    -> (on start)  {"base_url": ..., "file_url": ..., "token": ...}
    <- {"cmd": "people", "officers": [[user_id, token], ...], "reporter": id, "appraiser": id}
    <- {"cmd": "ready", "webhooks": K, "timeout": s}     -> {"ok": true}
    <- {"cmd": "phase", "mode": ..., "duration": ..., ...}  -> the phase's figures
    <- {"cmd": "quit"}
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sys
import time
from typing import Any

from bench.fakeserver import BenchFake
from bench.officers import Officer, Person, Requester
from bench.phases import Phase, run_phase

TIMEOUT = 120.0  # an action unanswered for this long counts as a timeout


class Runner:
    def __init__(self, fake: BenchFake) -> None:
        self.fake = fake
        self.officers: list[Person] = []
        self.requesters: dict[str, Person] = {}

    async def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        name = cmd["cmd"]
        if name == "people":
            timeout = float(cmd.get("timeout") or TIMEOUT)
            rng = random.Random(cmd.get("seed", 7))
            self.officers = [
                Officer(self.fake, int(uid), token, random.Random(rng.random()), timeout)
                for uid, token in cmd["officers"]
            ]
            if cmd.get("reporter"):
                self.requesters["baocao"] = Requester(
                    self.fake, cmd["reporter"], "/baocao", timeout
                )
            if cmd.get("appraiser"):
                self.requesters["tonghop"] = Requester(
                    self.fake, cmd["appraiser"], "/tonghop", timeout
                )
            return {"ok": True, "officers": len(self.officers)}
        if name == "ready":
            return await self.ready(int(cmd.get("webhooks") or 0), float(cmd.get("timeout", 60)))
        if name == "phase":
            phase = Phase(
                mode=cmd["mode"],
                duration=float(cmd["duration"]),
                warmup=float(cmd.get("warmup", 3.0)),
                rate=float(cmd.get("rate") or 0.0),
                updates=int(cmd.get("updates") or 0),
                drain=float(cmd.get("drain", 60.0)),
                seed=int(cmd.get("seed", 1)),
                officers=int(cmd.get("officers") or 0),
            )
            requester = self.requesters.get(cmd.get("requester") or "")
            return await run_phase(self.fake, self.officers, phase, requester)
        if name == "quit":
            return {"ok": True}
        raise ValueError(f"unknown command {name!r}")

    async def ready(self, webhooks: int, timeout: float) -> dict[str, Any]:
        """Polling: the bot's first getUpdates; webhook: ``webhooks`` URLs set."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if webhooks and len(self.fake.webhook_urls) >= webhooks:
                return {"ok": True, "webhooks": list(self.fake.webhook_urls)}
            if not webhooks and self.fake._poll_gen > 0:  # a getUpdates arrived
                return {"ok": True}
            await asyncio.sleep(0.1)
        return {"ok": False, "error": f"bot not ready after {timeout:.0f} s"}


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    fake = BenchFake()
    await fake.start()
    runner = Runner(fake)
    emit({"base_url": fake.base_url, "file_url": fake.base_file_url, "token": fake.token})
    try:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            cmd = json.loads(line)
            try:
                emit(await runner.handle(cmd))
            except Exception as exc:  # reported to the orchestrator, which decides
                logging.exception("command failed: %s", cmd.get("cmd"))
                emit({"ok": False, "error": repr(exc)})
            if cmd.get("cmd") == "quit":
                break
    finally:
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
