"""Signing in to the desk and out of it: the chat's ``/ban`` link (``Links.desk_url``) opens a
session until the end of the working day (Vietnam time); the browser keeps its token in an
HttpOnly, SameSite=Lax cookie scoped to ``/desk``, and every form the session's pages show
carries a token derived from it (``form_token``): a form posted from another site carries
neither. Every request reads the session again: a sign-out, the day's end or ``danvan person
remove`` ends it at once."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.web.links import LinkExpired, LinkInvalid, Links
from bot.web.pages import page
from rubric.vietnam import ZONE
from storage import desk
from storage.desk import DeskUser

log = logging.getLogger(__name__)
COOKIE = "danvan_desk"
PATH = "/desk"

Page = Callable[[Request, DeskUser], Awaitable[Response]]


def form_token(cookie: str) -> str:
    """What the session's forms carry: derived from its cookie, which no other site can read."""
    return hashlib.sha256(f"danvan.desk.form:{cookie}".encode()).hexdigest()[:32]


def day_end(now: datetime) -> datetime:
    """Midnight after ``now`` in Vietnam: when a session opened at ``now`` ends."""
    today = now.astimezone(ZONE).date()
    return datetime.combine(today + timedelta(days=1), time(), ZONE).astimezone(UTC)


def message(reason: str, status: int) -> Response:
    return page("desk_message.html.j2", status, reason=reason)


def signin(app: App, links: Links) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            person_id, nonce = links.read_desk(request.path_params["token"])
        except LinkExpired:
            return message("expired", 410)
        except LinkInvalid:
            return message("invalid", 403)
        ends = day_end(datetime.now(UTC))
        async with app.engine.writing, app.sessions() as s, s.begin():
            if not await desk.appraises(s, person_id):
                log.warning("desk sign-in refused: person %s appraises for no unit", person_id)
                return message("not_appraiser", 403)
            token = await desk.start(s, person_id, nonce, ends)
        if token is None:
            return message("used", 410)
        response = RedirectResponse(PATH, status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            expires=ends,
            path=PATH,
            secure=links.base_url.startswith("https://"),
            httponly=True,
            samesite="lax",
        )
        return response

    return endpoint


def signed_in(app: App, view: Page) -> Callable[[Request], Awaitable[Response]]:
    """``view`` for a signed-in appraiser; the sign-in page's advice for anyone else."""

    async def endpoint(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        user = None
        if token:
            async with app.sessions() as s:
                user = await desk.signed_in(s, token)
        if user is None or token is None:
            return message("signed_out", 403)
        request.state.form_token = form_token(token)
        if request.method == "POST":
            sent = str((await request.form()).get("form_token") or "")
            if not hmac.compare_digest(sent, request.state.form_token):
                log.warning("desk: a form without its session's token, person %s", user.person.id)
                return message("stale_form", 403)
        return await view(request, user)

    return endpoint


def signout(app: App) -> Page:
    async def view(request: Request, user: DeskUser) -> Response:
        async with app.engine.writing, app.sessions() as s, s.begin():
            await desk.end(s, user.session_id)
        response = message("ended", 200)
        response.delete_cookie(COOKIE, path=PATH)
        return response

    return view
