"""The bot's connections to the Bot API: python-telegram-bot's interface for an HTTP library
(``BaseRequest``) over one aiohttp session.

python-telegram-bot's default request is httpx. Under the load of a district (many updates
handled at once) httpx's pool cost more CPU per request than the rest of a button press
(``bench/RESULTS.md``: 8 pools of 2 connections halved it, aiohttp halves it again); aiohttp's
connector keeps its free connections in a queue and parses responses in C. The class follows
the one python-telegram-bot's maintainers keep in ``ptbcontrib`` (``aiohttp_request``, not on
PyPI), with python-telegram-bot's own timeout defaults and meanings: ``read_timeout`` per read
(getUpdates asks for a long one), ``connect_timeout`` to open a connection, ``pool_timeout``
to wait for a free one, ``write_timeout`` for the whole request when it uploads a file.

16 connections at once are ample: a request to Telegram takes ~0.1 s, so they carry ~160
requests a second, five times what Telegram's 30 messages a second allow (the production rate
limit); a slow upload of a document holds one of them.
"""

from __future__ import annotations

import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

CONNECTIONS = 16
# python-telegram-bot's HTTPXRequest defaults, seconds
READ, WRITE, CONNECT, POOL, MEDIA_WRITE = 5.0, 5.0, 5.0, 1.0, 20.0
Headers = dict[str, str]
JSON: Headers = {"Content-Type": "application/json"}


def _or(value: object, default: float | None) -> float | None:
    return default if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` over one ``aiohttp.ClientSession`` of ``connections`` connections."""

    __slots__ = ("_connections", "_session")

    def __init__(self, connections: int = CONNECTIONS) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None  # made in the loop: initialize()

    @property
    def read_timeout(self) -> float | None:
        return READ

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        write_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        connect_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        pool_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        timeout = aiohttp.ClientTimeout(
            total=_or(write_timeout, MEDIA_WRITE) if files else None,
            connect=_or(pool_timeout, POOL),  # waiting for a connection of the pool
            sock_connect=_or(connect_timeout, CONNECT),
            sock_read=_or(read_timeout, READ),
        )
        try:
            data, headers = _body(request_data)
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutError too
            raise TimedOut(f"aiohttp: {error.__class__.__name__}") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def _body(request_data: RequestData | None) -> tuple[bytes | aiohttp.FormData | None, Headers]:
    """The parameters as JSON (what the Bot API accepts for every call but an upload, and
    encoded in C: a form percent-encodes every byte of a Vietnamese text in Python); with files,
    a multipart form as python-telegram-bot's default request sends it, a file's name in UTF-8
    as httpx sends it and Telegram shows it (aiohttp would percent-encode it)."""
    if request_data is None:
        return None, {}
    if not request_data.contains_files:
        payload = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        return payload, JSON
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, (filename, content, mime) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form, {}
