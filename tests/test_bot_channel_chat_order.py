"""One chat's updates in arrival order; other chats meanwhile; a failure stops nothing."""

from __future__ import annotations

import asyncio

import pytest

from bot.channel.chat_order import ChatQueues
from tests.support import settle


async def test_one_chat_in_order_other_chats_at_the_same_time() -> None:
    queues = ChatQueues()
    done: list[str] = []
    slow_started = asyncio.Event()

    def work(name: str, delay: float, fail: bool = False):  # type: ignore[no-untyped-def]
        async def run() -> None:
            if name == "a1":
                slow_started.set()
            await asyncio.sleep(delay)
            if fail:
                raise RuntimeError(name)
            done.append(name)

        return run

    queues.submit("a", work("a1", 0.2))
    queues.submit("a", work("a2", 0.0, fail=True))
    queues.submit("a", work("a3", 0.0))
    await slow_started.wait()
    queues.submit("b", work("b1", 0.0))
    await settle()
    assert done == ["b1"]  # chat b did not wait for chat a's slow update
    await queues.drain()
    assert done == ["b1", "a1", "a3"]  # a2 failed, a3 still ran, after a1


async def test_start_gives_the_outcome_of_the_work() -> None:
    queues = ChatQueues()

    async def fail() -> None:
        raise RuntimeError("boom")

    async def answer() -> int:
        return 42

    failing = queues.start("a", fail)
    assert await queues.start("a", answer) == 42  # after the failure, not stopped by it
    with pytest.raises(RuntimeError, match="boom"):
        await failing


async def test_waiting_work_takes_no_place_within_the_limit() -> None:
    queues = ChatQueues(limit=2)
    gate = asyncio.Event()
    started: list[str] = []

    async def work(name: str, wait: bool = False) -> None:
        started.append(name)
        if wait:
            await gate.wait()

    queues.start("a", lambda: work("a0", wait=True))
    for n in range(1, 10):
        queues.start("a", lambda n=n: work(f"a{n}"))  # type: ignore[misc]
    queues.start("b", lambda: work("b0", wait=True))  # a1..a9 wait, but not for a place
    queues.start("c", lambda: work("c0"))
    await settle()
    assert started == ["a0", "b0"] and queues.running == 2  # c0 waits for a place
    gate.set()
    await queues.drain()
    assert [s for s in started if s[0] == "a"] == [f"a{n}" for n in range(10)]
    assert "c0" in started and queues.running == 0
    with pytest.raises(ValueError):
        ChatQueues(limit=0)


async def test_cancelled_work_keeps_the_chats_order() -> None:
    queues = ChatQueues()
    gate = asyncio.Event()
    done: list[str] = []

    async def work(name: str, wait: bool = False) -> None:
        if wait:
            await gate.wait()
        done.append(name)

    first = queues.start("a", lambda: work("a1", wait=True))
    second = queues.start("a", lambda: work("a2"))
    third = queues.start("a", lambda: work("a3"))
    await settle()
    second.cancel()
    await settle()
    assert done == [] and not first.done()  # a3 does not overtake a1; a1 is not cancelled
    gate.set()
    await asyncio.wait([first, third])
    assert done == ["a1", "a3"] and second.cancelled()


async def test_a_cancelled_drain_cancels_the_work_in_hand() -> None:
    queues = ChatQueues()
    never = asyncio.Event()
    tasks = [queues.start("a", never.wait) for _ in range(3)]
    drain = asyncio.create_task(queues.drain())
    await settle()
    drain.cancel()
    await asyncio.wait_for(asyncio.wait([drain, *tasks]), 1)
    assert all(t.cancelled() for t in tasks)
