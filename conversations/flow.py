"""The state-table driver both conversations share. A table maps a state's kind to its screen
(the text and buttons shown there) and the handler of what the person sends there; the driver
looks a state up (an unknown one, e.g. after a rubric changed, starts over at home), asks the
screen (written plain or async alike), runs the handler, and says whether a pressed button is
one the screen shows."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, Protocol, TypeVar

from conversations.events import Choice, Event, Reply
from conversations.states import State


class FlowContext(Protocol):
    """What the driver needs of a conversation's context (the officer's Ctx, the appraiser's
    ACtx): where the person is, and a way to move them."""

    @property
    def state(self) -> State: ...

    def goto(self, state: State) -> None: ...


C = TypeVar("C", bound=FlowContext)
Prompt = Callable[[C], Reply | Awaitable[Reply]]
Handler = Callable[[C, Event], Awaitable[None]]


class StateTable(Generic[C]):
    def __init__(self, states: Mapping[str, tuple[Prompt[C], Handler[C]]], home: str) -> None:
        if home not in states:
            raise ValueError(f"the home state {home!r} is not in the table")
        self.states = dict(states)
        self.home = home

    def __contains__(self, kind: object) -> bool:
        return kind in self.states

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.states)

    def __getitem__(self, kind: str) -> tuple[Prompt[C], Handler[C]]:
        return self.states[kind]

    def items(self):  # type: ignore[no-untyped-def]
        return self.states.items()

    def entry(self, kind: str) -> tuple[Prompt[C], Handler[C]]:
        """The screen and the handler of ``kind`` (home's for a kind the table does not know)."""
        return self.states.get(kind, self.states[self.home])

    async def screen(self, ctx: C) -> Reply:
        """The screen of the person's state (home's for a state the table does not know)."""
        ask, _ = self.entry(ctx.state.kind)
        reply = ask(ctx)
        return await reply if inspect.isawaitable(reply) else reply

    async def handle(self, ctx: C, event: Event) -> None:
        """The state's handler takes the event; an unknown state starts over at home."""
        if ctx.state.kind not in self.states:
            ctx.goto(State(self.home))
        _, handler = self.states[ctx.state.kind]
        await handler(ctx, event)

    @staticmethod
    def offers(screen: Reply, choice: Choice) -> bool:
        """The pressed button is one this screen shows: of its assessment, one of its keys
        (whether it is the screen shown now, the caller knows by the target)."""
        if choice.assessment_id not in (None, screen.assessment_id):
            return False
        return choice.key in screen.button_keys()
