"""Simulated officers: each answers the questionnaire through the fake server, one action at a
time, acting only after the bot has answered the previous one.

What an officer does is what a real one would (the flow of issue 20): ``/start`` leads straight
to the open question; a score button, after which the next question comes at once; most of the
time the item's results typed on that next question (a criterion's last item's named, "I.5:
…", on the strengths question), answered by a one-line confirmation; a text or skip for the
criterion's strengths, then often its shortcomings typed on the question after; then
``📤 Nộp báo cáo`` on the review, the signer's name and title when the unit has none yet, the
suggested rating and ``✅ Xác nhận nộp``.
The state is read from the callback data of the latest keyboard (``1|<aid>|<target>|<key>``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass

from bench.fakeserver import BenchFake

NAV_KEYS = frozenset({"b", "s", "x", "m", "h"})
RESULTS_SHARE = 0.7  # items whose results the officer types
NOTES_SHARE = 0.5  # criteria whose strengths (and then shortcomings) the officer writes


@dataclass(frozen=True)
class Action:
    kind: str  # "press" | "text"
    value: str  # callback data or the text typed
    message_id: int = 0
    documents: int = 0  # the action is answered by this many documents (not a keyboard)
    confirmed: bool = False  # answered by a one-line confirmation (no new keyboard)
    answers: str = ""  # the question it answers with content ("score:I.1", "strengths:I")


@dataclass(frozen=True)
class Outcome:
    started: float
    ended: float
    result: str  # "ok" | "documents" | "alert" | "timeout"


def target_of(buttons: list[tuple[str, str]]) -> str:
    """The question a keyboard belongs to ("score:I.1"), from its callback data."""
    return next((d.split("|")[2] for _, d in buttons if len(d.split("|")) == 4), "")


def plan(buttons: list[tuple[str, str]], message_id: int, rng: random.Random) -> Action:
    """The next action at a keyboard, as a real officer would choose it."""
    keys: dict[str, str] = {}  # button key -> callback data
    for _, data in buttons:
        parts = data.split("|")
        if len(parts) == 4:
            keys.setdefault(parts[3], data)
    target = target_of(buttons)
    kind, _, ref = target.partition(":")

    def press(key: str, documents: int = 0) -> Action:
        return Action("press", keys.get(key) or buttons[0][1], message_id, documents)

    if kind == "menu":
        return press("1")
    if kind == "score":
        scores = [k for k in keys if k not in NAV_KEYS]
        if not scores:
            return press("s")
        return Action("press", keys[rng.choice(scores)], message_id, answers=target)
    if kind in ("strengths", "shortcomings"):
        if rng.random() < NOTES_SHARE:
            text = f"{kind} {ref}: thực hiện nghiêm túc, đúng tiến độ."
            return Action("text", text, answers=target)
        return press("s")
    if kind == "review":
        return press("n")
    if kind == "signer_name":  # the unit's row names no signer yet: type one
        return Action("text", "Nguyễn Văn An")
    if kind == "signer_title":
        return press("1")
    if kind == "rating":
        suggested = next((d for label, d in buttons if "gợi ý" in label), None)
        return Action("press", suggested or keys.get("1", buttons[0][1]), message_id)
    if kind == "confirm":
        return press("y", documents=1)  # submitted: the report arrives as a document
    return press("1")


def typed_after(answered: str, now: str, rng: random.Random) -> Action | None:
    """What the officer types on the question ``now`` for the one just ``answered`` (no new
    question comes: a one-line confirmation), or None when they have nothing to add."""
    kind, _, ref = answered.partition(":")
    if kind == "score" and rng.random() < RESULTS_SHARE:
        text = f"Kết quả {ref}: đã triển khai, ban hành kế hoạch và báo cáo."
        if not now.startswith("score:"):  # the strengths question follows: name the item
            text = f"{ref}: {text}"
        return Action("text", text, confirmed=True)
    if kind == "strengths" and rng.random() < NOTES_SHARE:
        return Action("text", f"shortcomings {ref}: còn chậm ở một số việc.", confirmed=True)
    return None


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
        documents, alerts, messages = fake.documents[chat], fake.alerts[chat], fake.messages[chat]
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
            if action.confirmed and fake.messages[chat] > messages:
                return Outcome(started, time.monotonic(), "ok")
            if not (action.documents or action.confirmed) and fake.keyboards.get(chat) != keyboard:
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
        self.answered = ""  # the question last answered with content, for what is typed next

    def next_action(self) -> Action:
        keyboard = self.fake.keyboards.get(self.chat)
        if keyboard is None:
            return Action("text", f"/start {self.token}")
        message_id, buttons = keyboard
        answered, self.answered = self.answered, ""
        if answered:  # the question just answered takes what is typed now
            typed = typed_after(answered, target_of(buttons), self.rng)
            if typed is not None:
                return typed
        action = plan(buttons, message_id, self.rng)
        self.answered = action.answers
        return action

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
