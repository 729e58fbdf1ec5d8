"""conversations.flow: the state-table driver both conversations use."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from conversations.events import Button, Choice, Event, Reply, Text
from conversations.flow import StateTable
from conversations.states import State


@dataclass
class Ctx:
    cursor: str
    seen: list[tuple[str, str]] = field(default_factory=list)

    @property
    def state(self) -> State:
        return State.parse(self.cursor)

    def goto(self, state: State) -> None:
        self.cursor = str(state)


def plain(ctx: Ctx) -> Reply:  # the officer writes its screens as plain functions
    return Reply("home", [[Button("1", "Một")]], target=str(ctx.state), assessment_id=7)


async def later(ctx: Ctx) -> Reply:  # the appraiser's load what they show first
    return Reply("later", [[Button("b", "◀")]], target=str(ctx.state), assessment_id=7)


def handler(name: str):  # type: ignore[no-untyped-def]
    async def handle(ctx: Ctx, event: Event) -> None:
        ctx.seen.append((name, ctx.cursor))

    return handle


TABLE: StateTable[Ctx] = StateTable(
    {"home": (plain, handler("home")), "later": (later, handler("later"))}, home="home"
)


async def test_plain_and_async_screens_alike() -> None:
    assert (await TABLE.screen(Ctx("home"))).text == "home"
    assert (await TABLE.screen(Ctx("later:x"))).text == "later"


async def test_an_unknown_state_shows_home_and_starts_over_there() -> None:
    ctx = Ctx("gone:3")  # e.g. a state of a rubric that changed
    assert (await TABLE.screen(ctx)).text == "home"
    await TABLE.handle(ctx, Text("1"))
    assert ctx.seen == [("home", "home")] and ctx.cursor == "home"


async def test_the_state_s_own_handler_takes_the_event() -> None:
    ctx = Ctx("later:x")
    await TABLE.handle(ctx, Text("b"))
    assert ctx.seen == [("later", "later:x")]


def test_a_button_is_offered_only_by_its_screen_and_assessment() -> None:
    screen = plain(Ctx("home"))
    assert TABLE.offers(screen, Choice("1", "home", 7))
    assert TABLE.offers(screen, Choice("1", "home", None))  # typed: no assessment
    assert not TABLE.offers(screen, Choice("2", "home", 7))  # a key it never had
    assert not TABLE.offers(screen, Choice("1", "home", 8))  # another unit's


def test_home_must_be_in_the_table() -> None:
    with pytest.raises(ValueError, match="home"):
        StateTable({"a": (plain, handler("a"))}, home="b")
    assert "home" in TABLE and "gone" not in TABLE and set(TABLE) == {"home", "later"}
