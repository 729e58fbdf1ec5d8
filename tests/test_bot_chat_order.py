"""One chat's updates in arrival order; other chats meanwhile; a failure stops nothing."""

from __future__ import annotations

import asyncio

from bot.chat_order import ChatQueues


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
    await asyncio.sleep(0.05)
    assert done == ["b1"]  # chat b did not wait for chat a's slow update
    await queues.drain()
    assert done == ["b1", "a1", "a3"]  # a2 failed, a3 still ran, after a1
