"""A fake Telegram Bot API server: the real python-telegram-bot talks to it over HTTP.

    async with FakeTelegram() as fake:
        app = fake.app_builder().build()          # token, base_url and base_file_url set
        app.add_handler(...)
        async with polling(app):                  # initialize, start, poll; stop cleanly
            officer = fake.user(42)
            mark = fake.mark()
            await fake.send_text(officer, "/start")
            await fake.wait_for("sendMessage", after=mark)
            assert fake.last_message(42).text == "..."

Waiting without races: take ``mark = fake.mark()`` *before* acting, then
``await fake.wait_for("sendMessage", after=mark)`` (or a predicate on ``Call``) scans the calls
recorded since the mark before it sleeps, so a call that arrived in between is never missed.
``answer_to(action)`` waits for the bot's word that it answered the update ``action`` sent,
``until(condition)`` for anything else the fake sees (``handed_over()``: every update fetched
or POSTed to the webhook); nothing waits for a quiet moment.

Calls are recorded (in ``calls``) when they are answered, with the HTTP status and response.
Errors use Telegram's wording: "message is not modified", "message is too long", "query is too
old ...", "file is too big", "chat not found", 403 "bot was blocked", 429 with retry_after,
409 for getUpdates while a webhook is set or when a newer getUpdates supersedes a waiting one.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from telegram import Bot
from telegram.ext import Application, ApplicationBuilder

from tests.bot_watch import Call, WatchesTheBot

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Plain-string parameters; every other form value is JSON-decoded when it parses ("42" -> 42).
# fmt: off
_STRING_PARAMS = frozenset({
    "text", "caption", "callback_query_id", "file_id", "url", "secret_token", "parse_mode",
    "inline_message_id", "language_code", "action", "business_connection_id", "document", "photo",
})
# fmt: on


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.body = {"ok": False, "error_code": code, "description": description}
        if parameters:
            self.body["parameters"] = parameters
        self.code = code


@dataclass(frozen=True)
class UploadedFile:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class FakeUser:
    id: int
    first_name: str = "Cán bộ"
    username: str | None = None
    language_code: str = "vi"

    def to_dict(self) -> dict[str, Any]:
        return _some(
            id=self.id,
            is_bot=False,
            first_name=self.first_name,
            username=self.username,
            language_code=self.language_code,
        )

    def chat(self) -> dict[str, Any]:
        return _some(id=self.id, type="private", first_name=self.first_name, username=self.username)


@dataclass
class BotMessage:
    chat_id: int
    message_id: int
    date: int
    text: str | None = None
    reply_markup: dict | None = None
    document: UploadedFile | None = None
    photo: UploadedFile | None = None
    caption: str | None = None
    parse_mode: str | None = None  # stored, not interpreted
    edits: int = 0
    deleted: bool = False
    edit_date: int | None = None
    media: dict[str, Any] = field(default_factory=dict)  # {"document": {...}} / {"photo": [...]}


@dataclass
class _Stored:
    data: bytes
    size: int  # as declared to the bot (file_size)
    path: str
    unique_id: str
    name: str | None = None
    mime: str | None = None


@dataclass
class _Queued:
    update: dict[str, Any]
    fetched: bool = False


def _some(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _decode(name: str, value: Any) -> Any:
    if name in _STRING_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _inline(markup: dict | None) -> dict | None:
    """The part of a reply_markup that belongs to the message (an inline keyboard or nothing)."""
    return markup if markup and markup.get("inline_keyboard") else None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram(WatchesTheBot):
    channel = "telegram"

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "danvan_test_bot",
        *,
        webhook_attempts: int = 3,
    ) -> None:
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Dân vận (test)",
            "username": bot_username,
        }
        self.base_url = self.base_file_url = ""
        self.calls: list[Call] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.downloads: list[str] = []  # file paths the bot downloaded
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope JSON, language) -> list
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_errors: list[str] = []
        self.webhook_attempts = webhook_attempts
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, list[BotMessage]] = {}
        self._incoming: dict[int, set[int]] = {}
        self._last_id: dict[int, int] = {}
        self._files: dict[str, _Stored] = {}
        self._paths: dict[str, _Stored] = {}
        self._queue: list[_Queued] = []
        self._open_queries: set[str] = set()
        self._blocked: set[int] = set()
        self._throttle: list[int] = []
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1)
        WatchesTheBot.__init__(self)
        self._inflight = 0
        self._poll_gen = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._api: dict[str, Callable[..., Any]] = {
            "getme": lambda p, f: (
                self.bot_user
                | {
                    "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                }
            ),
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_text,
            "editmessagereplymarkup": self._edit_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer,
            "getfile": self._get_file,
            "senddocument": lambda p, f: self._send_media("document", p, f),
            "sendphoto": lambda p, f: self._send_media("photo", p, f),
            "sendchataction": lambda p, f: bool(self._chat(p)),
            "setmycommands": lambda p, f: self._set_commands(p, p.get("commands") or []),
            "deletemycommands": lambda p, f: self._set_commands(p, None),
            "getmycommands": lambda p, f: self.commands.get(self._scope(p), []),
            "close": lambda p, f: True,
            "logout": lambda p, f: True,
        }

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.base_file_url = f"http://127.0.0.1:{port}/file/bot"
        self._session = ClientSession(timeout=ClientTimeout(total=10))
        self._pusher = asyncio.create_task(self._push_webhook())

    async def stop(self) -> None:
        self._closing = True
        self._notify()  # waiting getUpdates return [] at once
        if self._pusher:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def bot(self) -> Bot:
        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url)

    def app_builder(self) -> ApplicationBuilder:
        builder = ApplicationBuilder().token(self.token).base_url(self.base_url)
        return builder.base_file_url(self.base_file_url)

    # --- simulated people --------------------------------------------------------------------

    def id_of_key(self, key: str) -> int:
        return int(key.split(":", 1)[0])

    def id_of_update(self, update: dict) -> int:
        return update["update_id"]

    def user(
        self, user_id: int, first_name: str = "Cán bộ", username: str | None = None
    ) -> FakeUser:
        self._users[user_id] = FakeUser(user_id, first_name, username)
        return self._users[user_id]

    async def send_text(self, user: FakeUser, text: str) -> dict:
        return self._enqueue(self.text_update(user, text))

    def text_update(self, user: FakeUser, text: str) -> dict:
        """The update a text from ``user`` would be, with its id, not delivered (yet)."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        update = {"update_id": next(self._update_ids), "message": self._user_message(user, extra)}
        return update

    async def send_photo(
        self,
        user: FakeUser,
        data: bytes,
        caption: str | None = None,
        media_group_id: str | None = None,
    ) -> dict:
        sizes = [
            self._store(b"\xff\xd8\xff thumbnail %d" % width) | {"width": width, "height": height}
            for width, height in ((90, 68), (320, 240))
        ]
        sizes.append(self._store(data) | {"width": 1280, "height": 960})
        extra = {"photo": sizes, "caption": caption, "media_group_id": media_group_id}
        return self._enqueue({"message": self._user_message(user, extra)})

    async def send_document(
        self,
        user: FakeUser,
        data: bytes,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        media_group_id: str | None = None,
        declared_size: int | None = None,
    ) -> dict:
        doc = self._store(data, file_name, mime_type, declared_size)
        extra = {"document": doc, "caption": caption, "media_group_id": media_group_id}
        return self._enqueue({"message": self._user_message(user, extra)})

    async def press(
        self, user: FakeUser, message_id: int, data: str, *, strict: bool = True
    ) -> dict:
        """Press the inline button ``data`` of the bot's message. ``strict`` (default) requires
        that message to exist and carry that button; ``strict=False`` presses anything, and a
        missing/deleted message arrives as an InaccessibleMessage (date 0), like a very old one."""
        msg = self._find(user.id, message_id)
        if strict and msg is None:
            raise LookupError(f"chat {user.id} has no bot message {message_id}")
        if strict and data not in [d for _, d in self.buttons(msg)]:
            raise ValueError(f"message {message_id} has no button {data!r}: {self.buttons(msg)}")
        message = (
            self._message_dict(msg)
            if msg
            else {"chat": user.chat(), "message_id": message_id, "date": 0}
        )
        query_id = f"{user.id}{next(self._ids):08d}"
        self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": message,
            "chat_instance": f"-{user.id}",
            "data": data,
        }
        return self._enqueue({"callback_query": query})

    async def press_inline(self, user: FakeUser, data: str) -> dict:
        """A press on a button of an inline message (sent via inline mode): the query names
        no chat and no message, only ``inline_message_id``."""
        query_id = f"{user.id}{next(self._ids):08d}"
        self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "inline_message_id": f"inline-{query_id}",
            "chat_instance": f"-{user.id}",
            "data": data,
        }
        return self._enqueue({"callback_query": query})

    async def click(self, user: FakeUser, label: str, message_id: int | None = None) -> dict:
        """Press the button labelled ``label`` on ``message_id`` (default: the last message)."""
        msg = self.last_message(user.id) if message_id is None else self._find(user.id, message_id)
        matches = [d for text, d in self.buttons(msg) if text == label]
        if not msg or not matches:
            raise LookupError(f"no button {label!r} in {self.buttons(msg)}")
        return await self.press(user, msg.message_id, matches[0])

    async def deliver(self, update: dict) -> dict:
        """Deliver a raw update (again): its update_id is kept, even if already confirmed."""
        return self._enqueue(update)

    # --- what the bot did --------------------------------------------------------------------

    def chat(self, chat_id: int, *, deleted: bool = False) -> list[BotMessage]:
        return [m for m in self._chats.get(chat_id, []) if deleted or not m.deleted]

    def last_message(self, chat_id: int) -> BotMessage:
        messages = self.chat(chat_id)
        if not messages:
            raise LookupError(f"the bot sent nothing (left) to chat {chat_id}")
        return messages[-1]

    def buttons(self, message: BotMessage | None) -> list[tuple[str, str]]:
        rows = (_inline(message.reply_markup) or {}).get("inline_keyboard", []) if message else []
        return [(b["text"], b.get("callback_data") or b.get("url", "")) for r in rows for b in r]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def my_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        return self.commands.get(self._scope({"scope": scope, "language_code": language_code}), [])

    def mark(self) -> int:
        """A position in ``calls``: pass it as ``wait_for(..., after=mark)``."""
        return len(self.calls)

    async def wait_for(
        self, predicate: Callable[[Call], bool] | str, timeout: float = 60.0, *, after: int = 0
    ) -> Call:
        """The first call from ``calls[after:]`` matching ``predicate`` (or that method name),
        waiting for it up to ``timeout`` seconds."""
        if isinstance(predicate, str):
            name = predicate.lower()
            predicate = lambda call: call.method.lower() == name  # noqa: E731
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
        """Every delivered update was fetched (or POSTed to the webhook, retries done) and no
        API call or download is in flight."""
        return not self._inflight and all(e.fetched for e in self._queue)

    # --- failure injection -------------------------------------------------------------------

    def block(self, chat_id: int) -> None:
        """send*/edit* to that chat -> 403 "Forbidden: bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def retry_after(self, seconds: int, times: int = 1) -> None:
        """The next ``times`` send* calls (any chat) -> 429 with parameters.retry_after."""
        self._throttle.extend([seconds] * times)

    # --- plumbing ----------------------------------------------------------------------------

    def _busy(self, delta: int) -> None:
        self._inflight += delta
        self._notify()

    def _enqueue(self, update: dict) -> dict:
        update = copy.deepcopy(update)
        update.setdefault("update_id", next(self._update_ids))
        update = {"update_id": update.pop("update_id"), **update}
        self._queue.append(_Queued(update))
        self._notify()
        return copy.deepcopy(update)

    def _next_id(self, chat_id: int) -> int:
        self._last_id[chat_id] = self._last_id.get(chat_id, 0) + 1
        return self._last_id[chat_id]

    def _user_message(self, user: FakeUser, extra: dict[str, Any]) -> dict:
        self._users.setdefault(user.id, user)
        message_id = self._next_id(user.id)
        self._incoming.setdefault(user.id, set()).add(message_id)
        message = {"message_id": message_id, "from": user.to_dict(), "chat": user.chat()}
        return message | {"date": int(time.time())} | _some(**extra)

    def _store(
        self, data: bytes, name: str | None = None, mime: str | None = None, size: int | None = None
    ) -> dict[str, Any]:
        """Keep a file for getFile and download; returns its Telegram object (no name: a photo)."""
        n = next(self._ids)
        path = f"documents/file_{n}{PurePosixPath(name).suffix}" if name else f"photos/file_{n}.jpg"
        stored = _Stored(
            data, len(data) if size is None else size, path, f"AQAD{n:06d}", name, mime
        )
        file_id = f"BQACAgUAAxkBAAI{n:08d}"
        self._files[file_id] = self._paths[path] = stored
        return _some(
            file_id=file_id,
            file_unique_id=stored.unique_id,
            file_name=name,
            mime_type=mime,
            file_size=stored.size,
        )

    def _find(self, chat_id: int, message_id: int) -> BotMessage | None:
        return next((m for m in self.chat(chat_id) if m.message_id == message_id), None)

    def _message_dict(self, msg: BotMessage) -> dict[str, Any]:
        chat = self._users[msg.chat_id].chat()
        d = {"message_id": msg.message_id, "from": self.bot_user, "chat": chat, "date": msg.date}
        return (
            d
            | msg.media
            | _some(
                edit_date=msg.edit_date,
                text=msg.text,
                caption=msg.caption,
                reply_markup=_inline(msg.reply_markup),
            )
        )

    # --- HTTP --------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return web.json_response(body, status=401)
        method = request.match_info["method"]
        polling = method.lower() == "getupdates"
        if not polling:
            self._busy(+1)
        try:
            at = time.monotonic()
            params, files = await self._read(request)
            try:
                handler = self._api.get(method.lower())
                if handler is None:
                    raise ApiError(404, "Not Found: method not found")
                self._inject(method.lower(), params)
                result = handler(params, files)
                if asyncio.iscoroutine(result):
                    result = await result
                body, status = {"ok": True, "result": result}, 200
            except ApiError as exc:
                body, status = exc.body, exc.code
            except Exception as exc:  # a bug in the fake: recorded, and visible to the bot
                body, status = (
                    ApiError(500, f"Internal Server Error: fake failed: {exc!r}").body,
                    500,
                )
            self.calls.append(Call(method, params, at, status, body, files))
            return web.json_response(body, status=status)
        finally:
            if not polling:
                self._busy(-1)
            self._notify()

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._paths.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        self._busy(+1)
        self.downloads.append(stored.path)
        try:
            return web.Response(body=stored.data, content_type="application/octet-stream")
        finally:
            self._busy(-1)

    @staticmethod
    async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        params = {k: _decode(k, v) for k, v in request.query.items()}
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json":
            return params | await request.json(), files
        if request.can_read_body:
            for name, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    with value.file as fh:
                        files[name] = UploadedFile(value.filename, value.content_type, fh.read())
                else:
                    params[name] = _decode(name, value)
        return params, files

    def _inject(self, method: str, params: dict[str, Any]) -> None:
        if method.startswith("send") and self._throttle:
            seconds = self._throttle.pop(0)
            raise ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        if method.startswith(("send", "edit")) and params.get("chat_id") in self._blocked:
            raise ApiError(403, BLOCKED)

    async def _push_webhook(self) -> None:
        while True:
            entry = next((e for e in self._queue if not e.fetched), None)
            if entry is None or not self.webhook_url:
                await self._wait_changed(None)
            else:
                await self._post(entry, self.webhook_url)

    async def _post(self, entry: _Queued, url: str) -> None:
        """POST one update like Telegram: retried on connection errors and 5xx, then dropped."""
        assert self._session is not None
        headers = {SECRET_HEADER: self.webhook_secret} if self.webhook_secret else {}
        self._busy(+1)
        try:
            for attempt in range(self.webhook_attempts):
                if attempt:
                    await asyncio.sleep(0.05 * 2**attempt)
                try:
                    async with self._session.post(url, json=entry.update, headers=headers) as resp:
                        await resp.read()
                        if 200 <= resp.status < 300:
                            self._acknowledged(entry.update)
                            return
                        error, retry = (
                            f"Wrong response from the webhook: {resp.status}",
                            resp.status >= 500,
                        )
                except (ClientError, OSError, TimeoutError) as exc:
                    error, retry = f"Connection failed: {exc!r}", True
                self.webhook_errors.append(error)
                if not retry:
                    return
        finally:
            entry.fetched = True
            if entry in self._queue:
                self._queue.remove(entry)
            self._busy(-1)

    # --- API methods (params are decoded; return the "result") --------------------------------

    async def _get_updates(self, p: dict, _files: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(p.get("offset") or 0)
        if offset > 0:  # confirms what was fetched before; a re-delivered update stays queued
            self._queue[:] = [
                e for e in self._queue if not (e.fetched and e.update["update_id"] < offset)
            ]
        elif offset < 0:
            del self._queue[:offset]
        limit, timeout = int(p.get("limit") or 100), float(p.get("timeout") or 0)
        self._poll_gen += 1
        generation = self._poll_gen
        self._notify()
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_gen:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure "
                    "that only one bot instance is running",
                )
            batch = [] if self.webhook_url else self._queue[:limit]
            if batch or self._closing or self.webhook_url or time.monotonic() >= deadline:
                break
            await self._wait_changed(deadline - time.monotonic())
        for entry in batch:
            entry.fetched = True
        return [e.update for e in batch]

    def _set_webhook(self, p: dict, _files: dict) -> bool:
        if p.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook_url = p.get("url") or None
        self.webhook_secret = p.get("secret_token") or None
        for entry in self._queue:  # unconfirmed updates go to the webhook
            entry.fetched = False
        self._notify()
        return True

    def _delete_webhook(self, p: dict, _files: dict) -> bool:
        return self._set_webhook({"drop_pending_updates": p.get("drop_pending_updates")}, _files)

    def _webhook_info(self, _p: dict, _files: dict) -> dict:
        info = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
            "max_connections": 40,
        }
        if self.webhook_errors:
            info |= {
                "last_error_date": int(time.time()),
                "last_error_message": self.webhook_errors[-1],
            }
        return info

    def _chat(self, p: dict) -> int:
        chat_id = p.get("chat_id")
        if chat_id not in self._users:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _markup(self, p: dict) -> dict | None:
        markup = p.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup or None

    def _send_message(self, p: dict, _files: dict) -> dict:
        chat_id, text = self._chat(p), str(p.get("text") or "").strip()
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return self._append(chat_id, p, text=text)

    def _send_media(self, kind: str, p: dict, files: dict[str, UploadedFile]) -> dict:
        chat_id, caption = self._chat(p), str(p.get("caption") or "").strip() or None
        ref = p.get(kind)
        upload = files.get(kind)
        if isinstance(ref, str) and ref.startswith("attach://"):
            upload = files.get(ref.removeprefix("attach://"))
        elif isinstance(ref, str) and ref in self._files:  # re-sent by file_id
            old = self._files[ref]
            upload = UploadedFile(old.name, old.mime, old.data)
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if not upload.data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if caption and len(caption) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        if kind == "document":
            media = {"document": self._store(upload.data, upload.filename, upload.content_type)}
        else:
            media = {"photo": [self._store(upload.data) | {"width": 1280, "height": 960}]}
        return self._append(chat_id, p, caption=caption, media=media, **{kind: upload})

    def _append(self, chat_id: int, p: dict, **fields: Any) -> dict:
        msg = BotMessage(
            chat_id,
            self._next_id(chat_id),
            int(time.time()),
            reply_markup=self._markup(p),
            parse_mode=p.get("parse_mode"),
            **fields,
        )
        self._chats.setdefault(chat_id, []).append(msg)
        return self._message_dict(msg)

    def _target(self, p: dict, verb: str) -> BotMessage:
        if p.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        msg = self._find(p.get("chat_id"), p.get("message_id"))
        if msg is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return msg

    def _edited(self, msg: BotMessage) -> dict:
        msg.edits += 1
        msg.edit_date = int(time.time())
        return self._message_dict(msg)

    def _edit_text(self, p: dict, _files: dict) -> dict:
        msg, text = self._target(p, "edit"), str(p.get("text") or "").strip()
        if not text:
            raise ApiError(400, "Bad Request: text must be non-empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        if msg.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = self._markup(p)  # no reply_markup: the keyboard goes, as on Telegram
        if text == msg.text and _inline(markup) == _inline(msg.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        msg.text, msg.reply_markup, msg.parse_mode = text, markup, p.get("parse_mode")
        return self._edited(msg)

    def _edit_markup(self, p: dict, _files: dict) -> dict:
        msg, markup = self._target(p, "edit"), self._markup(p)
        if _inline(markup) == _inline(msg.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        msg.reply_markup = markup
        return self._edited(msg)

    def _delete_message(self, p: dict, _files: dict) -> bool:
        incoming = self._incoming.get(p.get("chat_id"), set())
        if p.get("message_id") in incoming:
            incoming.discard(p["message_id"])
            return True
        self._target(p, "delete").deleted = True
        return True

    def _answer(self, p: dict, _files: dict) -> bool:
        if p.get("callback_query_id") not in self._open_queries:
            raise ApiError(400, QUERY_TOO_OLD)
        self._open_queries.discard(p["callback_query_id"])
        self.callback_answers.append(p)
        return True

    def _get_file(self, p: dict, _files: dict) -> dict:
        stored = self._files.get(p.get("file_id"))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": p["file_id"],
            "file_unique_id": stored.unique_id,
            "file_size": stored.size,
            "file_path": stored.path,
        }

    @staticmethod
    def _scope(p: dict) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.get("language_code") or ""

    def _set_commands(self, p: dict, commands: list[dict] | None) -> bool:
        if commands is None:
            self.commands.pop(self._scope(p), None)
        else:
            self.commands[self._scope(p)] = commands
        return True


@contextlib.asynccontextmanager
async def polling(app: Application, *, timeout: int = 1) -> AsyncIterator[Application]:
    """Run ``app`` with long polling (poll_interval 0) for the block; stop and shut down cleanly."""
    async with app:  # initialize ... shutdown
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=timeout)
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            await app.stop()
