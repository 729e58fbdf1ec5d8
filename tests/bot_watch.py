"""What both fake servers share: hearing from the bot under test which updates it answered.

A fake platform cannot see when a bot has finished with an update (polling tells it nothing),
so the test asks the bot: its journal's ``observers`` hear of every answered update. A test's
phone then waits for exactly the update it sent, instead of for a quiet moment. A bot the
test cannot watch (another process) answers a webhook POST only once it handled the update:
then the fake's own delivery, answered with a 2xx, tells it.

``until(condition)`` waits for anything else the fake sees (a call, a message, a webhook POST
done): the condition is checked again at each change of the fake, never after some time.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

# How long a test waits for the bot's answer before it fails: a bound, not a pause (the test goes
# on the moment the answer comes). Generous: three test workers share two cores with
# LibreOffice and the report workers, and a district summary takes seconds on an idle machine.
ANSWER_WITHIN = 60.0


@dataclass
class Call:
    """One request the bot made to a fake server, and what the fake answered."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the request arrived
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)  # name -> the fake's file (Telegram)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        return self.response.get("description")


class WatchesTheBot:
    """Mixed into a fake server; ``channel`` names its channel, ``id_of_key`` and
    ``id_of_update`` say which update a journal key and an update body are."""

    channel: str
    webhook_url: str | None

    def __init__(self) -> None:
        self._handled: dict[Hashable, int] = {}  # update -> times the bot answered it
        self._watching = False
        self._changed = asyncio.Event()

    def watch(self, journal: Any) -> None:
        journal.observers.append(self._answered)
        self._watching = True

    @property
    def watched(self) -> bool:
        return self._watching

    async def answer_to(self, action: Awaitable[dict]) -> dict:
        """Do ``action`` (it sends an update) and wait until the bot has answered that update
        (once more than before: a redelivery counts again); the update."""
        if not self._watching and not self.webhook_url:
            if inspect.iscoroutine(action):
                action.close()  # not sent
            raise RuntimeError(
                "nothing tells when the bot answered: watch its journal (tests' ``running``) "
                "or let it take updates by webhook"
            )
        before = dict(self._handled)
        update = await action
        update_id = self.id_of_update(update)
        deadline = time.monotonic() + ANSWER_WITHIN
        while self._handled.get(update_id, 0) <= before.get(update_id, 0):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"update {update_id} not answered within {ANSWER_WITHIN} s")
            await self._wait_changed(deadline - time.monotonic())
        return update

    def times_answered(self, update: dict) -> int:
        """How many times the bot has answered ``update`` so far."""
        return self._handled.get(self.id_of_update(update), 0)

    async def until(
        self, condition: Callable[[], bool], timeout: float = ANSWER_WITHIN, what: str = ""
    ) -> None:
        """Until ``condition()`` holds; it is checked now and again at each change of the fake
        (an update queued or handed over, a call answered, the bot's word that it answered), so
        it must be about what the fake sees."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                raise TimeoutError(f"not within {timeout} s: {what or condition.__qualname__}")
            await self._wait_changed(deadline - time.monotonic())

    def id_of_key(self, key: str) -> Hashable:
        raise NotImplementedError

    def id_of_update(self, update: dict) -> Hashable:
        raise NotImplementedError

    def _answered(self, channel: str, key: str) -> None:
        if channel == self.channel:
            self._count_answer(self.id_of_key(key))

    def _acknowledged(self, update: dict) -> None:
        """The webhook answered ``update``'s POST with a 2xx: for a bot that is not watched
        (another process), its word that it handled the update (ours answer only then)."""
        if not self._watching:
            self._count_answer(self.id_of_update(update))

    def _count_answer(self, update_id: Hashable) -> None:
        self._handled[update_id] = self._handled.get(update_id, 0) + 1
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_changed(self, timeout: float | None) -> None:
        event = self._changed  # taken before any await: a change after the caller's check wakes us
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await event.wait()
