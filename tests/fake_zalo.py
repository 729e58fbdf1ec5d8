"""A fake Zalo Bot API server (aiohttp on 127.0.0.1): ZaloClient talks to it over real HTTP.

    async with FakeZalo() as fake:
        client = ZaloClient(fake.token, fake.base_url)
        officer = fake.user("u1", "Nguyễn Văn A")
        await fake.send_text(officer, "Xin chào")
        [update] = await client.get_updates(timeout=1)
        await client.send_message("u1", "Chào anh")
        assert fake.last_text("u1") == "Chào anh"

Like the platform: every method is POST JSON to ``/bot<token>/<method>`` (names case-sensitive);
getUpdates hands out ONE update per call, or ``408 Request timeout`` after its ``timeout``;
with a webhook set, updates are POSTed to it one at a time, with ``X-Bot-Api-Secret-Token``.
Errors answer ``{"ok": false, "error_code", "description"}`` with that code as HTTP status.
Waiting without races: ``mark = fake.mark()`` before acting, then ``wait_for(..., after=mark)``;
``answer_to(action)`` for the bot's word that it answered the update ``action`` sent;
``until(condition)`` for anything else the fake sees (``handed_over()``: every update taken).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import mimetypes
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.zalo import updates as ev
from tests.bot_watch import Call, WatchesTheBot

MAX_TEXT = 2000
MAX_POLL = 30.0  # seconds a getUpdates may wait, whatever it asks
SECRET_HEADER = "X-Bot-Api-Secret-Token"
ACTIONS = frozenset({"typing", "upload_photo"})


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.body = {"ok": False, "error_code": code, "description": description}


@dataclass(frozen=True)
class FakeZaloUser:
    id: str
    name: str = "Cán bộ"


@dataclass(frozen=True)
class Sent:
    """What the bot sent to a chat."""

    method: str  # sendMessage, sendPhoto, sendSticker
    message_id: str
    text: str | None = None
    photo: str | None = None
    caption: str | None = None


def _ms() -> int:
    return int(time.time() * 1000)


class FakeZalo(WatchesTheBot):
    channel = "zalo"

    def __init__(
        self,
        token: str = "1234567890:zalo-TEST-token",
        *,
        wrap_webhook: bool = False,
        webhook_attempts: int = 3,
    ) -> None:
        self.token, self.wrap_webhook, self.webhook_attempts = token, wrap_webhook, webhook_attempts
        self.root = self.base_url = ""
        self.calls: list[Call] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_errors: list[str] = []
        self.downloads: list[str] = []
        self._users: dict[str, FakeZaloUser] = {}
        self._sent: dict[str, list[Sent]] = {}
        self._media: dict[str, bytes] = {}
        self._chunked: set[str] = set()
        self._queue: list[dict] = []
        self._failures: dict[str, list[int]] = {}
        WatchesTheBot.__init__(self)
        self._inflight = 0
        self.waiting_polls = 0  # getUpdates calls waiting for an update
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._api: dict[str, Callable[[dict], Any]] = {
            "getMe": lambda p: {
                "id": "7000000001",
                "account_name": "bot.danvan_test",
                "account_type": "BASIC",
                "can_join_groups": False,
            },
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": lambda p: self._hook(None, None),
            "getWebhookInfo": lambda p: {"url": self.webhook_url or "", "updated_at": _ms()},
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendSticker": lambda p: self._record(p, "sendSticker", text=self._str(p, "sticker")),
            "sendChatAction": self._chat_action,
        }

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> FakeZalo:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/media/{name}", self._handle_media)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.root = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self.base_url = f"{self.root}/bot"
        self._session = ClientSession(timeout=ClientTimeout(total=5))
        self._pusher = asyncio.create_task(self._push_webhook())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing = True
        self._notify()  # a waiting getUpdates answers at once
        if self._pusher:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    # --- simulated people --------------------------------------------------------------------

    def id_of_key(self, key: str) -> str:
        return key.rpartition(":")[2]

    def id_of_update(self, update: dict) -> str:
        return update["message"]["message_id"]

    def user(self, user_id: str, name: str = "Cán bộ") -> FakeZaloUser:
        self._users[user_id] = FakeZaloUser(user_id, name)
        return self._users[user_id]

    async def send_text(self, user: FakeZaloUser, text: str) -> dict:
        return self._enqueue(self._update(user, ev.TEXT_RECEIVED, text=text))

    async def send_image(
        self,
        user: FakeZaloUser,
        data: bytes,
        caption: str | None = None,
        filename: str = "photo.jpg",
        *,
        chunked: bool = False,
    ) -> dict:
        """``chunked``: the image is served without Content-Length, in 1 KiB chunks."""
        name = secrets.token_hex(8) + (PurePosixPath(filename).suffix or ".jpg")
        self._media[name] = data
        if chunked:
            self._chunked.add(name)
        extra = {"photo_url": f"{self.root}/media/{name}"} | (
            {"caption": caption} if caption else {}
        )
        return self._enqueue(self._update(user, ev.IMAGE_RECEIVED, **extra))

    async def send_sticker(self, user: FakeZaloUser) -> dict:
        return self._enqueue(self._update(user, ev.STICKER_RECEIVED, sticker="c4d3b2a1e0f9"))

    async def send_unsupported(self, user: FakeZaloUser) -> dict:
        return self._enqueue(self._update(user, ev.UNSUPPORTED_RECEIVED))

    async def deliver(self, update: dict) -> dict:
        """Deliver a raw update (again, e.g. a redelivery: same message_id)."""
        return self._enqueue(update)

    async def post_webhook(
        self, url: str, update: dict, secret: str | None, wrap: bool = False
    ) -> int:
        """POST a crafted body to ``url`` as the platform would (any secret); the HTTP status."""
        assert self._session is not None
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        body = {"ok": True, "result": update} if wrap else update
        async with self._session.post(url, json=body, headers=headers) as response:
            await response.read()
            return response.status

    def fail(self, method: str, status: int = 502, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` fail with HTTP ``status`` (5xx: a text page)."""
        self._failures.setdefault(method, []).extend([status] * times)

    # --- what the bot did --------------------------------------------------------------------

    def sent(self, chat_id: str) -> list[Sent]:
        return list(self._sent.get(chat_id, []))

    def messages(self, chat_id: str) -> list[str]:
        return [s.text for s in self.sent(chat_id) if s.method == "sendMessage" and s.text]

    def last_text(self, chat_id: str) -> str:
        texts = self.messages(chat_id)
        if not texts:
            raise LookupError(f"the bot sent no text to chat {chat_id}")
        return texts[-1]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def mark(self) -> int:
        """A position in ``calls``: pass it as ``wait_for(..., after=mark)``."""
        return len(self.calls)

    async def wait_for(
        self, predicate: Callable[[Call], bool] | str, timeout: float = 60.0, *, after: int = 0
    ) -> Call:
        """The first call in ``calls[after:]`` matching ``predicate`` (or that method name)."""
        if isinstance(predicate, str):
            predicate = lambda call, name=predicate: call.method == name  # noqa: E731
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls[after:]:
                if predicate(call):
                    return call
            after = max(after, len(self.calls))
            if time.monotonic() >= deadline:
                seen = [(c.method, c.status) for c in self.calls[-10:]]
                raise TimeoutError(f"no matching call within {timeout}s; last calls: {seen}")
            await self._wait_changed(deadline - time.monotonic())

    def handed_over(self) -> bool:
        """Every queued update was fetched or POSTed to the webhook (retries done) and no
        request (but a waiting getUpdates) is in flight."""
        return not (self._queue or self._inflight)

    # --- plumbing ----------------------------------------------------------------------------

    def _busy(self, delta: int) -> None:
        self._inflight += delta
        self._notify()

    def _update(self, user: FakeZaloUser, event_name: str, **extra: Any) -> dict:
        self._users.setdefault(user.id, user)
        sender = {"id": user.id, "display_name": user.name, "is_bot": False}
        message = {"from": sender, "chat": {"id": user.id, "chat_type": "PRIVATE"}, **extra}
        message |= {"message_id": secrets.token_hex(10), "date": _ms()}
        return {"event_name": event_name, "message": message}

    def _enqueue(self, update: dict) -> dict:
        self._queue.append(copy.deepcopy(update))
        self._notify()
        return copy.deepcopy(update)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method, at = request.match_info["method"], time.monotonic()
        polling = method == "getUpdates"
        self._busy(0 if polling else +1)
        try:
            return await self._answer(request, method, at)
        finally:
            self._busy(0 if polling else -1)

    async def _answer(self, request: web.Request, method: str, at: float) -> web.Response:
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if request.method != "POST":
                raise ApiError(405, "Method Not Allowed: use POST")
            if method not in self._api:
                raise ApiError(404, "Not Found")
            if request.can_read_body:
                if request.content_type != "application/json":
                    raise ApiError(400, "Bad Request: the body must be JSON")
                params = await request.json()
                if not isinstance(params, dict):
                    raise ApiError(400, "Bad Request: the body must be a JSON object")
            if self._failures.get(method):
                status = self._failures[method].pop(0)
                if status >= 500:
                    self.calls.append(Call(method, params, at, status))
                    return web.Response(status=status, text="Bad Gateway")
                raise ApiError(status, "Too Many Requests" if status == 429 else "Failure")
            result = self._api[method](params)
            if asyncio.iscoroutine(result):
                result = await result
            body, status = {"ok": True, "result": result}, 200
        except ApiError as exc:
            body, status = exc.body, exc.code
        except Exception as exc:  # a bad request body or a bug in the fake: visible to the bot
            body, status = ApiError(400, f"Bad Request: {exc!r}").body, 400
        self.calls.append(Call(method, params, at, status, body))
        return web.json_response(body, status=status)

    async def _handle_media(self, request: web.Request) -> web.Response:
        data = self._media.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404, text="Not Found")
        self.downloads.append(request.match_info["name"])
        self._busy(0)
        name = request.match_info["name"]
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if name not in self._chunked:
            return web.Response(body=data, content_type=kind)
        response = web.StreamResponse(headers={"Content-Type": kind})
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the reader may stop early
            for start in range(0, len(data), 1024):
                await response.write(data[start : start + 1024])
            await response.write_eof()
        return response

    async def _push_webhook(self) -> None:
        while True:
            if not (self._queue and self.webhook_url):
                await self._wait_changed(None)
                continue
            update, url, secret = self._queue.pop(0), self.webhook_url, self.webhook_secret
            body = {"ok": True, "result": update} if self.wrap_webhook else update
            self._busy(+1)
            try:
                for attempt in range(self.webhook_attempts):
                    if attempt:
                        await asyncio.sleep(0.05 * 2**attempt)
                    try:
                        async with self._session.post(  # type: ignore[union-attr]
                            url, json=body, headers={SECRET_HEADER: secret or ""}
                        ) as response:
                            await response.read()
                            if 200 <= response.status < 300:
                                self._acknowledged(update)
                                break
                            self.webhook_errors.append(f"HTTP {response.status}")
                    except (ClientError, OSError, TimeoutError) as exc:
                        self.webhook_errors.append(f"connection failed: {exc!r}")
            finally:
                self._busy(-1)

    # --- API methods (return the "result") ---------------------------------------------------

    async def _get_updates(self, p: dict) -> dict:
        try:
            timeout = min(max(float(p.get("timeout", 30)), 0.0), MAX_POLL)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: timeout must be a number of seconds") from None
        deadline, waiting = time.monotonic() + timeout, False
        try:
            while True:
                if self.webhook_url:
                    raise ApiError(
                        409, "Conflict: getUpdates is unavailable while a webhook is set"
                    )
                if self._queue:
                    return self._queue.pop(0)
                if self._closing or time.monotonic() >= deadline:
                    raise ApiError(408, "Request timeout")
                if not waiting:  # told once: a waiting poll's own wake-ups change nothing
                    waiting = True
                    self.waiting_polls += 1
                    self._notify()
                await self._wait_changed(deadline - time.monotonic())
        finally:
            if waiting:
                self.waiting_polls -= 1

    def _set_webhook(self, p: dict) -> dict:
        url, secret = p.get("url"), p.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: url must be an http(s) URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise ApiError(400, "Bad Request: secret_token length must be between 8 and 256")
        return self._hook(url, secret)

    def _hook(self, url: str | None, secret: str | None) -> dict:
        self.webhook_url, self.webhook_secret = url, secret
        self._notify()
        return {"url": url or "", "updated_at": _ms()}

    def _chat(self, p: dict) -> str:
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, str) or chat_id not in self._users:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    @staticmethod
    def _str(p: dict, name: str) -> str:
        value = p.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ApiError(400, f"Bad Request: {name} is required")
        return value

    def _record(self, p: dict, method: str, **fields: Any) -> dict:
        chat_id, message_id = self._chat(p), secrets.token_hex(10)
        self._sent.setdefault(chat_id, []).append(Sent(method, message_id, **fields))
        return {"message_id": message_id, "date": _ms()}

    def _send_message(self, p: dict) -> dict:
        self._chat(p)
        text = p.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT or not text.strip():
            raise ApiError(400, f"Bad Request: text length must be between 1 and {MAX_TEXT}")
        return self._record(p, "sendMessage", text=text)

    def _send_photo(self, p: dict) -> dict:
        self._chat(p)
        photo, caption = self._str(p, "photo"), p.get("caption")
        if not photo.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: photo must be an image URL")
        if caption is not None and (not isinstance(caption, str) or len(caption) > MAX_TEXT):
            raise ApiError(400, f"Bad Request: caption length must be at most {MAX_TEXT}")
        return self._record(p, "sendPhoto", photo=photo, caption=caption)

    def _chat_action(self, p: dict) -> bool:
        self._chat(p)
        if p.get("action") not in ACTIONS:
            raise ApiError(400, "Bad Request: action must be one of typing, upload_photo")
        return True
