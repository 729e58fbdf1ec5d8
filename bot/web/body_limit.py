"""A request body larger than its path allows is refused with 413 before it is read whole:
by its Content-Length when it declares one, else as soon as the bytes received pass the limit.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: ``limits`` maps an exact path to its largest body in bytes (other paths
    are left alone), or is the one limit of every request (as a route's own middleware).
    ``refusal`` answers a refused request (default: a plain-text 413)."""

    def __init__(
        self, app: ASGIApp, limits: Mapping[str, int] | int, refusal: ASGIApp | None = None
    ) -> None:
        self.app = app
        self.limits = limits if isinstance(limits, int) else dict(limits)
        self.refuse = refusal or _refuse

    def limit_of(self, scope: Scope) -> int | None:
        if scope["type"] != "http":
            return None
        if isinstance(self.limits, int):
            return self.limits
        return self.limits.get(scope.get("path", ""))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_of(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self.refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge:
            if started:
                raise
            await self.refuse(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)
