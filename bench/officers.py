"""Simulated officers: each answers the questionnaire through the fake server, one action at a
time, acting only after the bot has answered the previous one (its new keyboard).

What an officer presses is what a real one would: ``▶ Tiếp tục`` on the menu, a score button,
a short text or ``Bỏ qua`` for the results, ``✓ Xong`` for the evidence, a text or skip for
the criterion's notes, then ``📤 Nộp báo cáo``, the suggested rating and ``✅ Xác nhận nộp``.
The state is read from the callback data of the latest keyboard (``1|<aid>|<target>|<key>``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass

from bench.fakeserver import BenchFake

NAV_KEYS = frozenset({"b", "s", "x", "m"})


@dataclass(frozen=True)
class Action:
    kind: str  # "press" | "text"
    value: str  # callback data or the text typed
    message_id: int = 0
    documents: int = 0  # the action is answered by this many documents (not a keyboard)


@dataclass(frozen=True)
class Outcome:
    started: float
    ended: float
    result: str  # "ok" | "documents" | "alert" | "timeout"


def plan(buttons: list[tuple[str, str]], message_id: int, rng: random.Random) -> Action:
    """The next action at a keyboard, as a real officer would choose it."""
    keys: dict[str, str] = {}  # button key -> callback data
    target = ""
    for _, data in buttons:
        parts = data.split("|")
        if len(parts) == 4:
            target = target or parts[2]
            keys.setdefault(parts[3], data)
    kind, _, ref = target.partition(":")

    def press(key: str, documents: int = 0) -> Action:
        return Action("press", keys.get(key) or buttons[0][1], message_id, documents)

    if kind == "menu":
        return press("1")
    if kind == "score":
        scores = [k for k in keys if k not in NAV_KEYS]
        return press(rng.choice(scores) if scores else "s")
    if kind == "results":
        if rng.random() < 0.7:
            return Action("text", f"Kết quả {ref}: đã triển khai, ban hành kế hoạch và báo cáo.")
        return press("s")
    if kind == "evidence":
        return press("x")
    if kind in ("strengths", "shortcomings"):
        if rng.random() < 0.5:
            return Action("text", f"{kind} {ref}: thực hiện nghiêm túc, đúng tiến độ.")
        return press("s")
    if kind == "review":
        return press("n")
    if kind == "rating":
        suggested = next((d for label, d in buttons if "gợi ý" in label), None)
        return Action("press", suggested or keys.get("1", buttons[0][1]), message_id)
    if kind == "confirm":
        return press("y", documents=1)  # submitted: the report arrives as a document
    return press("1")


class Person:
    """Someone in the chat: sends an action, then waits for the bot's answer to it."""

    def __init__(self, fake: BenchFake, user_id: int, timeout: float) -> None:
        self.fake, self.timeout = fake, timeout
        self.user = fake.user(user_id, f"Cán bộ {user_id}")
        self.done = False

    @property
    def chat(self) -> int:
        return self.user.id

    def next_action(self) -> Action:
        raise NotImplementedError

    async def act(self) -> Outcome:
        action = self.next_action()
        fake, chat = self.fake, self.chat
        event = fake.event(chat)
        keyboard = fake.keyboards.get(chat)
        documents, alerts = fake.documents[chat], fake.alerts[chat]
        event.clear()
        started = time.monotonic()
        if action.kind == "press":
            await fake.press(self.user, action.message_id, action.value, strict=False)
        else:
            await fake.send_text(self.user, action.value)
        deadline = started + self.timeout
        while True:
            if action.documents and fake.documents[chat] >= documents + action.documents:
                self.finished(action)
                return Outcome(started, time.monotonic(), "documents")
            if not action.documents and fake.keyboards.get(chat) != keyboard:
                return Outcome(started, time.monotonic(), "ok")
            if fake.alerts[chat] > alerts:  # a refused (stale) button: look again
                return Outcome(started, time.monotonic(), "alert")
            left = deadline - time.monotonic()
            if left <= 0:
                return Outcome(started, time.monotonic(), "timeout")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)
            event.clear()

    def finished(self, action: Action) -> None:
        pass


class Officer(Person):
    """An officer of one unit, invited with ``token``; answers until submission."""

    def __init__(
        self, fake: BenchFake, user_id: int, token: str, rng: random.Random, timeout: float
    ) -> None:
        super().__init__(fake, user_id, timeout)
        self.token, self.rng = token, rng

    def next_action(self) -> Action:
        keyboard = self.fake.keyboards.get(self.chat)
        if keyboard is None:
            return Action("text", f"/start {self.token}")
        message_id, buttons = keyboard
        return plan(buttons, message_id, self.rng)

    def finished(self, action: Action) -> None:
        self.done = True  # submitted: nothing more to answer


class Requester(Person):
    """Asks for documents again and again: ``/baocao`` (an officer, 2 reports) or
    ``/tonghop`` (an appraiser, the district's 3 files)."""

    def __init__(self, fake: BenchFake, user_id: int, command: str, timeout: float) -> None:
        super().__init__(fake, user_id, timeout)
        self.command = command
        self.expect = 2 if command == "/baocao" else 3

    def next_action(self) -> Action:
        return Action("text", self.command, documents=self.expect)
