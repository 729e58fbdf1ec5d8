"""The web app beside the bot (Starlette), behind a reverse proxy: the channels' webhooks, the
signed links (report download, evidence upload page) and the appraiser's desk."""

from __future__ import annotations

import asyncio
import hmac
import logging
import socket
from collections.abc import Awaitable, Callable

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.app import App
from bot.telegram.application import WEBHOOK_PATH as TELEGRAM_PATH
from bot.web.body_limit import BodyLimit
from bot.web.desk import desk_routes
from bot.web.files import file_routes
from bot.web.to_chat import EngineUploads
from bot.zalo.running import WEBHOOK_PATH as ZALO_PATH
from bot.zalo.running import ZaloRunner

log = logging.getLogger(__name__)
TELEGRAM_SECRET = "X-Telegram-Bot-Api-Secret-Token"
ZALO_SECRET = "X-Bot-Api-Secret-Token"
WEBHOOK_BODY_LIMIT = 1024 * 1024  # an update is a few KB; Telegram's biggest are well under


Accept = Callable[[object], Awaitable[bool]]  # the JSON body -> whether it was an update


def webhook(
    app: App, header: str, accept: Accept | None
) -> Callable[[Request], Awaitable[Response]]:
    """A channel's webhook: the secret header checked in constant time, then the body queued."""

    async def endpoint(request: Request) -> Response:
        if accept is None:  # that channel does not run here
            return PlainTextResponse("not found", status_code=404)
        given = request.headers.get(header, "")
        if not hmac.compare_digest(given.encode(), app.webhook_secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError, RecursionError):  # not JSON, or nested too deep
            body = None
        if not await accept(body):
            log.warning("%s: the body is not an update", request.url.path)
            return PlainTextResponse("bad request", status_code=400)
        return JSONResponse({"ok": True})

    return endpoint


def telegram_accept(telegram: Application | None) -> Accept | None:  # type: ignore[type-arg]
    if telegram is None:
        return None

    async def accept(body: object) -> bool:
        try:
            update = Update.de_json(body, telegram.bot) if isinstance(body, dict) else None
        except (ValueError, KeyError, TypeError):
            return False
        if update is None:
            return False
        # Answered once handled: the platform sends the chat's next update only then, so
        # behind a load balancer one chat's updates are applied in order.
        await telegram.process_update(update)
        return True

    return accept


def zalo_accept(zalo: ZaloRunner | None) -> Accept | None:
    if zalo is None:
        return None

    async def accept(body: object) -> bool:
        handled = zalo.accept(body)
        if handled is not None:
            await handled  # answered once handled (see telegram_accept)
        return handled is not None

    return accept


def web_app(
    app: App,
    telegram: Application | None = None,  # type: ignore[type-arg]
    zalo: ZaloRunner | None = None,
) -> Starlette:
    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def metrics(_: Request) -> Response:
        return Response(app.metrics.exposition(), media_type=app.metrics.content_type)

    routes = [
        Route(
            TELEGRAM_PATH,
            webhook(app, TELEGRAM_SECRET, telegram_accept(telegram)),
            methods=["POST"],
        ),
        Route(ZALO_PATH, webhook(app, ZALO_SECRET, zalo_accept(zalo)), methods=["POST"]),
        Route("/healthz", health),
        Route("/metrics", metrics),  # keep it inside: the nginx site allows it locally only
    ]
    if app.links is not None:
        routes += file_routes(app, app.links, EngineUploads(app))
        routes += desk_routes(app, app.links)
    limits = {TELEGRAM_PATH: WEBHOOK_BODY_LIMIT, ZALO_PATH: WEBHOOK_BODY_LIMIT}
    return Starlette(routes=routes, middleware=[Middleware(BodyLimit, limits=limits)])


class WebServer(uvicorn.Server):
    """uvicorn's server, telling when its sockets listen (``listening``): the webhooks are
    registered only then, so the platforms never send to a port nobody listens on yet."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.listening.set()


def web_server(
    app: App,
    telegram: Application | None = None,  # type: ignore[type-arg]
    zalo: ZaloRunner | None = None,
    port: int | None = None,
) -> WebServer:
    config = uvicorn.Config(
        web_app(app, telegram, zalo),
        host=app.settings.web_host,
        port=app.settings.web_port if port is None else port,
        log_level="warning",
        lifespan="off",
    )
    return WebServer(config)
