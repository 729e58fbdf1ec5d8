"""A small async client for the Zalo Bot Platform API, on httpx.

Every method is ``POST {base_url}{token}/{method}`` with a JSON body; the answer is
``{"ok": bool, "result": ..., "error_code": int, "description": str}``. ``ok: false`` raises
:class:`ZaloError`, whatever the HTTP status. Network errors, HTTP 429 and 5xx are retried a few
times with a short backoff. The token is part of every URL, so it never appears in an exception
and is redacted from httpx's own log records.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Self

import httpx

from bot.channel.text import split_text as split_parts

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
MAX_TEXT = 2000
POLL_TIMEOUT = 408  # getUpdates: nothing arrived within the long-poll timeout
ATTEMPTS = 3
BACKOFF = 0.2  # seconds, doubled after each failed attempt
_TRANSIENT = frozenset({429, 500, 502, 503, 504})
_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class ZaloError(Exception):
    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(f"Zalo API error {error_code}: {description}")
        self.error_code = error_code
        self.description = description


class DownloadTooLarge(ZaloError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the file is larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class _Redactor(logging.Filter):
    """Removes bot tokens from the records of the ``httpx`` logger (it logs every URL)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<token>")
            record.msg, record.args = message, None
        return True


_REDACTOR = _Redactor()
logging.getLogger("httpx").addFilter(_REDACTOR)


class ZaloClient:
    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        http: httpx.AsyncClient | None = None,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
    ) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required")
        self._token = token
        self._base_url = base_url
        self._attempts, self._backoff = max(attempts, 1), backoff
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=_TIMEOUT)
        _REDACTOR.secrets.add(token)

    def __repr__(self) -> str:
        return f"ZaloClient(base_url={self._base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    # --- the API ---------------------------------------------------------------------------

    async def call(self, method: str, **params: Any) -> Any:
        """POST ``params`` as JSON to ``method``; the ``result``, or ZaloError."""
        return await self._call(method, params, _TIMEOUT)

    async def get_me(self) -> dict[str, Any]:
        return await self.call("getMe")

    async def get_updates(self, timeout: int = 30) -> list[dict[str, Any]]:
        """Long-poll for up to ``timeout`` seconds: [] when nothing came, else the update(s)."""
        read = httpx.Timeout(timeout + 15.0, connect=5.0)
        try:
            result = await self._call("getUpdates", {"timeout": timeout}, read)
        except ZaloError as exc:
            if exc.error_code == POLL_TIMEOUT:
                return []
            raise
        if isinstance(result, dict):
            return [result]
        if isinstance(result, list):
            return [update for update in result if isinstance(update, dict)]
        return []

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        return await self.call("setWebhook", url=url, secret_token=secret_token)

    async def delete_webhook(self) -> dict[str, Any]:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        """Send one text (1..2000 characters: use split_text for longer ones)."""
        if not text or len(text) > MAX_TEXT:
            raise ValueError(f"a Zalo text must be 1..{MAX_TEXT} characters, not {len(text)}")
        return await self.call("sendMessage", chat_id=chat_id, text=text)

    async def send_photo(
        self, chat_id: str, photo_url: str, caption: str | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return await self.call("sendPhoto", **params)

    async def send_sticker(self, chat_id: str, sticker: str) -> dict[str, Any]:
        return await self.call("sendSticker", chat_id=chat_id, sticker=sticker)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", chat_id=chat_id, action=action)

    async def download(self, url: str, max_bytes: int) -> bytes:
        """The bytes at ``url`` (a photo the user sent); DownloadTooLarge beyond ``max_bytes``."""
        try:
            async with self._http.stream("GET", url, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise ZaloError(response.status_code, "the file could not be downloaded")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise DownloadTooLarge(max_bytes)
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise DownloadTooLarge(max_bytes)
                return bytes(data)
        except httpx.HTTPError as exc:
            raise ZaloError(0, f"download failed: {self._redact(exc)}") from None

    # --- plumbing --------------------------------------------------------------------------

    async def _call(self, method: str, params: dict[str, Any], timeout: httpx.Timeout) -> Any:
        url = f"{self._base_url}{self._token}/{method}"
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = await self._http.post(url, json=params, timeout=timeout)
            except httpx.TransportError as exc:
                error = ZaloError(0, f"{method}: network error: {self._redact(exc)}")
                continue
            error = self._error(method, response)
            if error is None:
                return response.json().get("result")
            if error.error_code not in _TRANSIENT and response.status_code not in _TRANSIENT:
                raise error
        raise error

    def _error(self, method: str, response: httpx.Response) -> ZaloError | None:
        """None for an ``ok: true`` answer, else the error it carries."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            return ZaloError(response.status_code, f"{method}: HTTP {response.status_code}")
        if body["ok"] is True:
            return None
        code = body.get("error_code")
        code = code if isinstance(code, int) and not isinstance(code, bool) else 0
        description = str(body.get("description") or f"HTTP {response.status_code}")
        return ZaloError(code or response.status_code, self._redact(description))

    def _redact(self, value: object) -> str:
        text = f"{type(value).__name__}: {value}" if isinstance(value, Exception) else str(value)
        return text.replace(self._token, "<token>")


def split_text(message: str, limit: int = MAX_TEXT) -> list[str]:
    """A long text as Zalo messages (see ``bot.channel.text.split_text``)."""
    return split_parts(message, limit)
