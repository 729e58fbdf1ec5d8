"""Web routes behind the signed links: file download (``/f/…``) and evidence upload (``/u/…``)."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email.utils import encode_rfc2231
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.channel.uploads import Offered, Rejected, accept
from bot.web.links import LinkExpired, LinkInvalid, Links, UploadGrant
from conversations.events import FileUpload, Sender
from rubric.model import Criterion, Item
from rubric.vietnam import file_size, vn_datetime
from storage import filetypes
from storage.filestore import CHUNK
from storage.filetypes import guess_mime
from storage.models import Assessment, Period, Status, Unit

log = logging.getLogger(__name__)
OnUpload = Callable[[UploadGrant, FileUpload], Awaitable[str | None]]
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and part headers, beyond the files themselves


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(("html.j2",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vn_datetime"] = vn_datetime
    env.globals |= {"accept": filetypes.ACCEPT_ATTRIBUTE, "file_types": filetypes.LABELS}
    return env


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env().get_template(template).render(**context)
    return HTMLResponse(html, status, headers={**HEADERS, "Content-Security-Policy": CSP})


def content_disposition(filename: str) -> str:
    """``attachment`` with the real name in UTF-8 (``filename*``, RFC 6266/5987, encoded by the
    stdlib) and an ASCII fallback without diacritics for clients that know only ``filename``."""
    folded = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    fallback = "".join(c for c in folded if c.isascii() and not unicodedata.combining(c))
    fallback = "".join(c if c.isalnum() or c in "._- ()" else "_" for c in fallback).strip()
    return (
        f'attachment; filename="{fallback or "tep"}"; filename*={encode_rfc2231(filename, "utf-8")}'
    )


@dataclass(frozen=True)
class Target:
    """What an upload link is for, as the page shows it."""

    unit_name: str
    year: int
    criterion: Criterion
    item: Item
    locked: bool


@dataclass(frozen=True)
class Result:
    name: str
    accepted: bool
    message: str = ""  # why it was refused
    failed: bool = False  # accepted and stored, but the bot could not attach it
    size: str = ""
    note: str | None = None  # what the bot said (on_upload)


class UploadRefused(Exception):
    """Raised by ``on_upload`` when the bot did not attach the file (the reason, Vietnamese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _BodyTooLarge(Exception):
    pass


def file_routes(app: App, links: Links, on_upload: OnUpload, *, max_files: int = 10) -> list[Route]:
    limit = app.max_web_upload_bytes
    sizes = {"limit_mb": limit // (1024 * 1024), "max_files": max_files}
    body_limit = limit * max_files + FORM_OVERHEAD

    async def download(request: Request) -> Response:
        try:
            grant = links.read_download(request.path_params["token"])
            path = links.path_of(grant)
        except LinkExpired:
            return page("web_message.html.j2", 410, reason="expired_download")
        except LinkInvalid:
            return page("web_message.html.j2", 403, reason="invalid")
        if not path.is_file():
            return page("web_message.html.j2", 404, reason="missing_file")
        with path.open("rb") as fh:
            head = fh.read(8192)
        return FileResponse(
            path,
            media_type=guess_mime(grant.filename, head),
            headers={**HEADERS, "Content-Disposition": content_disposition(grant.filename)},
        )

    async def upload(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            grant = links.read_upload(token)
        except LinkExpired:
            return page("web_message.html.j2", 410, reason="expired_upload")
        except LinkInvalid:
            return page("web_message.html.j2", 403, reason="invalid")
        async with app.sessions() as s:
            target = await _target(app, s, grant)
        if target is None:
            return page("web_message.html.j2", 404, reason="not_found")
        if target.locked:
            return page("web_message.html.j2", 409, reason="locked", unit_name=target.unit_name)
        refused = await app.engine.refuse_file(Sender(grant.channel, grant.user_id, grant.chat_id))
        if refused is not None:  # removed, no longer an officer: nothing read, nothing stored
            return page("web_message.html.j2", 403, reason="refused", message=refused.text)
        shown = {**sizes, **vars(target), "expires_at": links.expires_at(token)}
        if request.method != "POST":
            return page("upload.html.j2", posted=False, results=[], **shown)
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > body_limit:
            return page("web_message.html.j2", 413, reason="too_large", **sizes)
        try:
            limited = Request(request.scope, _limited_receive(request, body_limit))
            async with limited.form(max_files=max_files, max_fields=20) as form:
                files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
                results = [await _take(f, grant) for f in files if f.filename or f.size]
        except _BodyTooLarge:
            return page("web_message.html.j2", 413, reason="too_large", **sizes)
        except (MultiPartException, HTTPException):
            return page("web_message.html.j2", 400, reason="bad_form", **sizes)
        return page("upload.html.j2", posted=True, results=results, **shown)

    async def _take(file: UploadFile, grant: UploadGrant) -> Result:
        offered = Offered(file.filename, file.size, item_id=grant.item_id)
        name = offered.shown_name
        accepted = await accept(offered, _chunks(file), app.files, limit)
        if isinstance(accepted, Rejected):
            return Result(name, False, accepted.message)
        try:
            note = await on_upload(grant, accepted)
        except UploadRefused as refused:
            return Result(name, False, refused.message)
        except Exception:
            log.exception("attaching an uploaded file failed")
            return Result(name, False, failed=True)
        return Result(name, True, size=file_size(accepted.size), note=note)

    return [
        Route("/f/{token}", download, methods=["GET"]),
        Route("/u/{token}", upload, methods=["GET", "POST"]),
    ]


async def _target(app: App, s: AsyncSession, grant: UploadGrant) -> Target | None:
    assessment = await s.get(Assessment, grant.assessment_id)
    if assessment is None:
        return None
    unit = await s.get(Unit, assessment.unit_id)
    period = await s.get(Period, assessment.period_id)
    if unit is None or period is None:
        return None
    rubric = app.engine.rubric_for(period.rubric_id)
    item = rubric.item(grant.item_id)
    if item is None:
        return None
    locked = assessment.status != Status.DRAFT
    return Target(unit.name, period.year, rubric.criterion_of(item.id), item, locked)


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    await file.seek(0)
    while chunk := await file.read(CHUNK):
        yield chunk


def _limited_receive(request: Request, limit: int) -> Callable[[], Awaitable[Any]]:
    """The request's body, refused past ``limit`` bytes (chunked bodies have no length)."""
    received = 0

    async def receive() -> Any:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _BodyTooLarge
        return message

    return receive
