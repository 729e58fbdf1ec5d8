"""The evidence upload page (``/u/<token>``): shown with GET, sent with POST, which stores and
attaches the files and then redirects to the page with what it did (post/redirect/get: a
reload never sends the files again)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import astuple, dataclass
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.channel.uploads import Offered, Rejected, accept
from bot.web.body_limit import BodyLimit
from bot.web.links import LinkExpired, LinkInvalid, Links, UploadGrant
from bot.web.pages import page
from conversations.events import FileUpload, Sender
from rubric.model import Criterion, Item
from storage.assessments import evidence_counts
from storage.filestore import CHUNK
from storage.models import Assessment, Period, Status, Unit

log = logging.getLogger(__name__)
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and part headers, beyond the files themselves
Outcome = Literal["saved", "again", "refused", "failed"]


@dataclass(frozen=True)
class Result:
    """What became of one file sent (carried, signed, by the page redirected to)."""

    name: str
    outcome: Outcome
    size: int = 0
    message: str = ""  # why it was refused (Vietnamese, ready to show)


class Uploads(Protocol):
    """Where the page's files go: each attached to the link's item (``attach``: False when the
    item had that file already; raises UploadRefused), then one word to the chat for all."""

    async def attach(self, grant: UploadGrant, upload: FileUpload) -> bool: ...

    async def announce(self, grant: UploadGrant, results: Sequence[Result]) -> None: ...


class UploadRefused(Exception):
    """Raised by ``attach`` when the bot did not attach the file (the reason, Vietnamese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    """What an upload link is for, as the page shows it."""

    unit_name: str
    year: int
    criterion: Criterion
    item: Item
    locked: bool


def upload_route(app: App, links: Links, uploads: Uploads, max_files: int) -> Route:
    limit = app.max_web_upload_bytes
    sizes = {
        "limit": limit,
        "limit_mb": limit // (1024 * 1024),
        "chat_limit_mb": app.settings.max_upload_mb,
        "max_files": max_files,
    }
    too_large = page("web_message.html.j2", 413, reason="too_large", **sizes)

    async def upload(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            grant = links.read_upload(token)
        except LinkExpired as expired:  # said in the chat it was given in (UploadGrant.channel)
            channel = expired.data[0] if isinstance(expired.data, list) and expired.data else None
            return page("web_message.html.j2", 410, reason="expired_upload", **sizes,
                        channel=channel)  # fmt: skip
        except LinkInvalid:
            return page("web_message.html.j2", 403, reason="invalid_upload", **sizes)
        async with app.sessions() as s:
            target = await _target(app, s, grant)
        if target is None:
            return page("web_message.html.j2", 404, reason="not_found", **sizes)
        if target.locked:
            return page("web_message.html.j2", 409, reason="locked", unit_name=target.unit_name)
        refused = await app.engine.refuse_file(Sender(grant.channel, grant.user_id, grant.chat_id))
        if refused is not None:  # removed, no longer an officer: nothing read, nothing stored
            return page("web_message.html.j2", 403, reason="refused", message=refused.text)
        if request.method == "POST":
            return await _post(request, grant, token)
        shown = {**sizes, **vars(target), "expires_at": links.expires_at(token)}
        said = request.query_params.get("r")
        results = links.read_result(token, said) if said else None
        if results is None:
            return page("upload.html.j2", results=None, **shown)
        async with app.sessions() as s:
            count = (await evidence_counts(s, grant.assessment_id))[grant.item_id]
        return page("upload.html.j2", results=[Result(*r) for r in results], count=count, **shown)

    async def _post(request: Request, grant: UploadGrant, token: str) -> Response:
        try:
            async with request.form(max_files=max_files, max_fields=20) as form:
                files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
                results = [await _take(f, grant) for f in files if f.filename or f.size]
        except (MultiPartException, HTTPException):
            return page("web_message.html.j2", 400, reason="bad_form", **sizes)
        if any(r.outcome in ("saved", "again") for r in results):
            try:
                await uploads.announce(grant, results)
            except Exception:  # the files are attached: the page says so all the same
                log.exception("the chat was not told of an upload")
        said = links.result_token(token, [list(astuple(r)) for r in results])
        return RedirectResponse(f"{request.url.path}?r={said}", status_code=303)

    async def _take(file: UploadFile, grant: UploadGrant) -> Result:
        offered = Offered(file.filename, file.size, item_id=grant.item_id)
        name = offered.shown_name
        accepted = await accept(offered, _chunks(file), app.files, limit)
        if isinstance(accepted, Rejected):
            return Result(name, "refused", message=accepted.message)
        try:
            new = await uploads.attach(grant, accepted)
        except UploadRefused as no:
            return Result(name, "refused", message=no.message)
        except Exception:
            log.exception("attaching an uploaded file failed")
            return Result(name, "failed")
        return Result(accepted.original_name, "saved" if new else "again", accepted.size)

    body_limit = limit * max_files + FORM_OVERHEAD  # checked before the form is read
    refusal = Middleware(BodyLimit, limits=body_limit, refusal=too_large)
    return Route("/u/{token}", upload, methods=["GET", "POST"], middleware=[refusal])


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
