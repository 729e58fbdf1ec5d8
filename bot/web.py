"""The web app beside the bot (Starlette): the channels' webhooks, behind a reverse proxy."""

from __future__ import annotations

import hmac
import logging

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.app import App
from bot.telegram.application import WEBHOOK_PATH, webhook_secret

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def web_app(app: App, telegram: Application | None) -> Starlette:  # type: ignore[type-arg]
    async def telegram_webhook(request: Request) -> Response:
        if telegram is None:
            return PlainTextResponse("not found", status_code=404)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), webhook_secret(app).encode()):
            return PlainTextResponse("forbidden", status_code=403)
        try:
            update = Update.de_json(await request.json(), telegram.bot)
        except ValueError:
            return PlainTextResponse("bad request", status_code=400)
        await telegram.update_queue.put(update)
        return JSONResponse({"ok": True})

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]),
            Route("/healthz", health),
        ]
    )


def web_server(app: App, telegram: Application | None, port: int | None = None) -> uvicorn.Server:  # type: ignore[type-arg]
    config = uvicorn.Config(
        web_app(app, telegram),
        host=app.settings.web_host,
        port=app.settings.web_port if port is None else port,
        log_level="warning",
        lifespan="off",
    )
    return uvicorn.Server(config)


async def serve_web(app: App, telegram: Application | None) -> None:  # type: ignore[type-arg]
    await web_server(app, telegram).serve()
