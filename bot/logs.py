"""The bot's logs: lines of text, or one JSON object per line (LOG_FORMAT=json, for a log
collector; python-json-logger); and ``AdminAlerts``, which tells the administrators by chat when
something fails (at most once per kind of failure an hour, with no personal data: the error's
type, where it happened and the kind of update, never the update itself)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ALERT_EVERY = 3600.0  # seconds between two alerts of one kind
Alert = Callable[[str], Awaitable[None]]  # the alert's text -> sent to the administrators


def configure(log_format: str) -> logging.Handler:
    """The root logger at INFO, writing to stderr in ``log_format`` ("text" or "json")."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call otherwise
    return handler


def update_kind(update: object) -> str:
    """What kind of update failed ("message", "callback_query", ...), nothing of its content."""
    if isinstance(update, dict):
        kinds = [k for k in update if k not in ("update_id", "event_name")]
        return str(update.get("event_name") or (kinds[0] if kinds else "update"))
    for kind in ("callback_query", "message", "edited_message", "my_chat_member"):
        if getattr(update, kind, None) is not None:
            return kind
    return type(update).__name__


class AdminAlerts(logging.Handler):
    """A logged error with its exception becomes a short chat message to the administrators,
    once per (exception type, logger) an hour. Runs the sending on ``loop``; a failure to send
    is not alerted about again (it would loop)."""

    def __init__(
        self,
        alert: Alert,
        loop: asyncio.AbstractEventLoop,
        every: float = ALERT_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(level=logging.ERROR)
        self.alert, self.loop, self.every, self.clock = alert, loop, every, clock
        self._last: dict[tuple[str, str], float] = {}
        self.sent: list[asyncio.Future[None]] = []  # the alerts handed to the loop

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info is None or record.exc_info[0] is None or record.name == __name__:
            return
        kind = (record.exc_info[0].__name__, record.name)
        now = self.clock()
        if now - self._last.get(kind, -self.every) < self.every:
            return
        self._last[kind] = now
        where = getattr(record, "update_kind", None)
        text = (
            f"⚠️ Bot gặp lỗi {kind[0]} ở {kind[1]}"
            + (f" khi xử lý một {where}" if where else "")
            + ". Xem nhật ký máy chủ; lỗi cùng loại không báo lại trong 1 giờ."
        )
        try:
            here = asyncio.get_running_loop() is self.loop
        except RuntimeError:  # logged from another thread (e.g. a report's)
            here = False
        if here:
            self._send(text)
        else:
            self.loop.call_soon_threadsafe(self._send, text)

    def _send(self, text: str) -> None:
        future = asyncio.ensure_future(self._quietly(text))
        self.sent.append(future)

    async def _quietly(self, text: str) -> None:
        try:
            await self.alert(text)
        except Exception:
            logging.getLogger(__name__).exception("the administrators could not be alerted")
