"""The tests' fake Bot API server, instrumented for load: delivery times, first replies,
each chat's latest keyboard, and a webhook pusher that round-robins over several bots.

Timing (``time.monotonic()`` of this process):
- an update is *delivered* when getUpdates returns it, or when its webhook POST starts;
- its *first reply* is the first sendMessage / editMessageText / answerCallbackQuery /
  sendDocument for that chat after the delivery. Each simulated person has at most one update
  waiting, so a chat's pending delivery names the update being answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from tests.fake_telegram import FakeTelegram, _Queued

FIRST_REPLY = frozenset({"sendmessage", "editmessagetext", "answercallbackquery", "senddocument"})
WATCHED = (*FIRST_REPLY, "editmessagereplymarkup", "sendchataction")
MAX_CONNECTIONS = 40  # Telegram's default max_connections of a webhook


def chat_of_update(update: dict[str, Any]) -> int | None:
    if "callback_query" in update:
        return int(update["callback_query"]["from"]["id"])
    message = update.get("message") or update.get("edited_message")
    return int(message["chat"]["id"]) if message else None


class BenchFake(FakeTelegram):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.webhook_urls: list[str] = []
        self.awaiting: dict[int, float] = {}  # chat -> delivery time of its unanswered update
        self.samples: list[tuple[float, float, int]] = []  # (delivered at, latency, chat)
        self.deliveries: list[float] = []
        self.keyboards: dict[int, tuple[int, list[tuple[str, str]]]] = {}  # chat -> latest
        self.documents: Counter[int] = Counter()
        self.messages: Counter[int] = Counter()  # sendMessage calls (a confirmation has no keys)
        self.alerts: Counter[int] = Counter()
        self.methods: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()  # "method: description" of failed calls
        self._events: dict[int, asyncio.Event] = {}
        self._delivered_ids: set[int] = set()
        for name in WATCHED:
            self._api[name] = self._watched(name, self._api[name])

    # --- what the simulated people wait on ------------------------------------------------

    def event(self, chat_id: int) -> asyncio.Event:
        """Set whenever the bot sends this chat a message (a new keyboard, or a one-line
        confirmation), a document or an alert."""
        return self._events.setdefault(chat_id, asyncio.Event())

    def reset_measures(self) -> None:
        self.samples.clear()
        self.deliveries.clear()
        self.calls.clear()  # the base class keeps every call; nothing here reads them back
        self.callback_answers.clear()
        self.errors.clear()
        self.methods.clear()

    # --- instrumentation ---------------------------------------------------------------------

    def _watched(self, method: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        def call(p: dict, files: dict) -> Any:
            now = time.monotonic()
            self.methods[method] += 1
            chat = self._chat_of_call(method, p)
            try:
                result = handler(p, files)
            except Exception as exc:
                self.errors[f"{method}: {str(exc)[:60]}"] += 1
                raise
            self._replied(method, chat, p, result, now)
            return result

        return call

    @staticmethod
    def _chat_of_call(method: str, p: dict) -> int | None:
        if method == "answercallbackquery":  # query ids are "<user id><8 digits>"
            query = str(p.get("callback_query_id") or "")
            return int(query[:-8]) if len(query) > 8 and query.isdigit() else None
        chat = p.get("chat_id")
        return chat if isinstance(chat, int) else None

    def _replied(self, method: str, chat: int | None, p: dict, result: Any, now: float) -> None:
        if chat is None:
            return
        if method in FIRST_REPLY and chat in self.awaiting:
            delivered = self.awaiting.pop(chat)
            self.samples.append((delivered, now - delivered, chat))
        signal = False
        if method == "sendmessage":
            self.messages[chat] += 1
            signal = True
        if method == "sendmessage" and isinstance(result, dict) and result.get("reply_markup"):
            rows = result["reply_markup"].get("inline_keyboard", [])
            buttons = [(b["text"], b.get("callback_data") or "") for row in rows for b in row]
            self.keyboards[chat] = (result["message_id"], buttons)
        elif method == "senddocument":
            self.documents[chat] += 1
            signal = True
        elif method == "answercallbackquery" and p.get("show_alert"):
            self.alerts[chat] += 1
            signal = True
        if signal:
            self.event(chat).set()

    def _delivered(self, update: dict[str, Any], now: float) -> None:
        update_id = update["update_id"]
        if update_id in self._delivered_ids:
            return
        self._delivered_ids.add(update_id)
        self.deliveries.append(now)
        chat = chat_of_update(update)
        if chat is not None:
            self.awaiting[chat] = now

    async def _get_updates(self, p: dict, _files: dict) -> list[dict]:
        self.methods["getupdates"] += 1
        updates = await super()._get_updates(p, _files)
        now = time.monotonic()
        for update in updates:
            self._delivered(update, now)
        return updates

    # --- webhook: several bots, many connections ----------------------------------------------

    def _set_webhook(self, p: dict, _files: dict) -> bool:
        url = p.get("url") or None
        if url is None:
            self.webhook_urls.clear()
        elif url not in self.webhook_urls:
            self.webhook_urls.append(url)
        return super()._set_webhook(p, _files)

    async def _push_webhook(self) -> None:
        """Like Telegram: up to MAX_CONNECTIONS POSTs at once; here spread round-robin over
        every URL set with setWebhook (one bot process each, sharing the secret)."""
        slots = asyncio.Semaphore(MAX_CONNECTIONS)
        posting: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()
        turn = itertools.count()
        try:
            while True:
                ready = [e for e in self._queue if not e.fetched and id(e) not in posting]
                if not ready or not self.webhook_urls:
                    await self._wait_changed(None)
                    continue
                for entry in ready:
                    await slots.acquire()
                    posting.add(id(entry))
                    url = self.webhook_urls[next(turn) % len(self.webhook_urls)]
                    task = asyncio.create_task(self._post_one(entry, url, slots, posting))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            for task in list(tasks):
                task.cancel()
            for task in list(tasks):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _post_one(
        self, entry: _Queued, url: str, slots: asyncio.Semaphore, posting: set[int]
    ) -> None:
        try:
            self._delivered(entry.update, time.monotonic())
            await self._post(entry, url)
        finally:
            posting.discard(id(entry))
            slots.release()
