"""The bot's connections to the Bot API: a few small pools instead of one large one.

For a bot that handles updates concurrently, python-telegram-bot's default request keeps one
httpx pool of up to 256 connections. On every request and every response, httpcore's pool looks
at each of its connections (for an idle one, whether the server closed it: a system call) and
at each request waiting for one, so its cost per request grows with the requests in flight:
with the 64 updates a busy bot handles at once (``update_processor.LIMIT``) it was most of the
cost of a Bot API call. ``SmallPools`` sends each request through one of ``POOLS`` httpx
clients of ``PER_POOL`` connections, the first with a free connection; a request finding all
``POOLS * PER_POOL`` busy waits for one on an asyncio semaphore (constant cost), so httpcore
never queues a request and never looks at more than ``PER_POOL`` connections. Under light
load the first pool takes every request and the others open no connection.

Measured (64 concurrent handlers, each making the three calls of a button press after 1.5 ms
of work, against a local server): 15-18 ms of CPU per press with the default pool, 10 ms with
one pool of 16 behind a semaphore, 5.4-6.5 ms with 8 pools of 2 (``bench/RESULTS.md``).

16 requests at once are ample: a request to Telegram takes ~0.1 s, so they carry ~160 requests
a second, five times what Telegram's 30 messages a second allow (the production rate limit);
a slow upload of a document holds one of them. The pools share one TLS context (httpx's default
one, made once: each client would otherwise load the CA certificates again, ~1 MB each).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from telegram.request import BaseRequest, HTTPXRequest

POOLS, PER_POOL = 8, 2


class SmallPools(BaseRequest):
    """A ``BaseRequest`` (python-telegram-bot's interface for an HTTP library) over several
    ``HTTPXRequest``; ``kwargs`` are theirs (timeouts, proxy...)."""

    __slots__ = ("_busy", "_per_pool", "_pools", "_slots")

    def __init__(self, pools: int = POOLS, per_pool: int = PER_POOL, **kwargs: Any) -> None:
        tls = httpx.create_ssl_context()  # what each httpx client would make for itself
        extra = {"verify": tls, **kwargs.pop("httpx_kwargs", {})}
        self._pools = [
            HTTPXRequest(connection_pool_size=per_pool, httpx_kwargs=extra, **kwargs)
            for _ in range(pools)
        ]
        self._busy = [0] * pools  # requests in flight in each pool
        self._per_pool = per_pool
        self._slots = asyncio.Semaphore(pools * per_pool)

    @property
    def read_timeout(self) -> float | None:
        return self._pools[0].read_timeout

    async def initialize(self) -> None:
        for pool in self._pools:
            await pool.initialize()

    async def shutdown(self) -> None:
        for pool in self._pools:
            await pool.shutdown()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._slots:  # so some pool has a free connection
            index = next(i for i, busy in enumerate(self._busy) if busy < self._per_pool)
            self._busy[index] += 1
            try:
                return await self._pools[index].do_request(*args, **kwargs)
            finally:
                self._busy[index] -= 1
