"""A unit's file on the desk (``/desk/units/<id>``): its 8 criteria and their items with the
unit's score, results and evidence, and beside each item the authority's score and comment,
saved item by item; the return to the unit and the rating. Every change goes through
``conversations.appraiser.decisions``, as the chat's, with the chat's rule for a score
(``score_input.score_of``), and the unit's officers are told in their chats.

Each form carries the item's version as the page showed it (``fingerprint``): a save over a
change someone else made meanwhile is refused and the page shows that change, never a silent
overwrite. A form posts, then the page is shown again (post/redirect/get) with what happened,
in the query string."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from typing import Any, NamedTuple
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from bot.app import App
from bot.web.desk.overview import STATUSES, stage
from bot.web.desk.signin import message
from bot.web.files import content_disposition
from bot.web.pages import HEADERS, page
from conversations.appraiser import decisions
from conversations.events import Reply
from conversations.input import TEXT_LIMIT
from conversations.score_input import score_of
from conversations.texts import msg
from rubric.model import Rubric
from rubric.scoring import fmt, total
from storage import appraisal as repo
from storage import assessments, desk
from storage.appraisal import UnitFile
from storage.desk import DeskUser
from storage.models import Appraisal, Assessment, Evidence, Period, Person, Status, Unit

log = logging.getLogger(__name__)


def fingerprint(row: Appraisal | None) -> str:
    """The item's version as a form saw it: what the authority has given it."""
    if row is None:
        return "-"
    text = f"{row.score}|{row.choice_id}|{row.comment}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _back(
    aid: int, anchor: str = "", background: BackgroundTask | None = None, **shown: str
) -> RedirectResponse:
    query = f"?{urlencode(shown)}" if shown else ""
    url = f"/desk/units/{aid}{query}{anchor}"
    return RedirectResponse(url, status_code=303, background=background)


class Found(NamedTuple):
    f: UnitFile
    authority: Unit
    period: Period
    rubric: Rubric
    mine: bool  # the appraiser's own authority appraises it (else a province reads it)


async def _file(
    app: App, s: Any, user: DeskUser, aid: int, lock: bool = False, to_read: bool = False
) -> Found | None:
    """The unit's file if the appraiser's authority appraises it in its newest period, or
    (``to_read``) an authority under it does (a province's view of its districts' units).
    ``lock``: the assessment locked first, on PostgreSQL, so that two saves on one item apply
    one after the other, the second seeing the first."""
    own = user.period()
    areas = [(*own, True)] if own else []
    if to_read:
        areas += [(unit, period, False) for unit, period in await desk.below(s, user)]
    if lock:
        await s.execute(select(Assessment.id).where(Assessment.id == aid).with_for_update())
    for authority, period, mine in areas:
        f = await repo.unit_file(s, aid, period, authority.id)
        if f is not None:
            return Found(f, authority, period, app.engine.rubric_for(period.rubric_id), mine)
    log.warning("desk: person %s asked for assessment %s, not theirs", user.person.id, aid)
    return None


async def _tell(app: App, replies: list[Reply]) -> None:
    """The unit's officers told in their chats (with the report, when the reply asks): after
    the response, so the appraiser's page does not wait for the report to be made."""
    for reply in await app.engine.attach_reports(replies, None):
        assert reply.recipient is not None
        await app.deliver(reply.recipient.channel, reply.recipient.chat_id, [reply])


def unit_view(app: App):  # type: ignore[no-untyped-def]
    async def view(request: Request, user: DeskUser) -> Response:
        aid = request.path_params["aid"]
        async with app.sessions() as s:
            found = await _file(app, s, user, aid, to_read=True)
            if found is None:
                return message("not_found", 404)
            f, authority, period, rubric, mine = found
            files: dict[str, list[Evidence]] = defaultdict(list)
            for e in await assessments.evidence(s, aid):
                files[e.item_id].append(e)
            names = await _names(s, f)
        shown = dict(request.query_params)
        return page(
            "desk_unit.html.j2",
            user=user,
            form_token=request.state.form_token,
            authority=authority,
            period=period,
            rubric=rubric,
            f=f,
            a=f.a,
            files=files,
            names=names,
            versions={i.id: fingerprint(f.given.get(i.id)) for i in rubric.items()},
            given_total=total(rubric, f.given_scores()),
            own_total=total(rubric, {k: v.score for k, v in f.answers.items()}),
            missing=[i.id for i in decisions.missing(f, rubric)],
            returnable=mine and f.a.status in decisions.RETURNABLE,
            mine=mine,
            stage=stage(f.a),
            statuses=STATUSES,
            shown=shown,
            step=fmt(rubric.score_step),
            text_limit=TEXT_LIMIT,
        )

    return view


async def _names(s: Any, f: UnitFile) -> dict[int, str]:
    """Who gave each of the authority's scores, by person id."""
    ids = {row.appraiser_id for row in f.given.values() if row.appraiser_id}
    if not ids:
        return {}
    rows = await s.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return dict(rows.all())


def save_item(app: App):  # type: ignore[no-untyped-def]
    async def view(request: Request, user: DeskUser) -> Response:
        aid, item_id = request.path_params["aid"], request.path_params["item"]
        form = await request.form()
        typed = str(form.get("score") or "").strip()
        tier = form.get("tier")
        comment = str(form.get("comment") or "").strip()
        anchor = f"#item-{item_id}"
        async with app.engine.writing, app.sessions() as s, s.begin():  # one writer: SQLite
            found = await _file(app, s, user, aid, lock=True)
            item = found.rubric.item(item_id) if found else None
            if found is None or item is None:
                return message("not_found", 404)
            f, _, _, rubric, _ = found
            if f.a.status == Status.DRAFT:
                return _back(aid, anchor, item=item_id, error="draft")
            if form.get("version") != fingerprint(f.given.get(item_id)):
                return _back(aid, anchor, item=item_id, error="changed", typed=typed)
            if len(comment) > TEXT_LIMIT:
                return _back(aid, anchor, item=item_id, error="long", typed=typed)
            scored = None
            if tier is not None or typed:
                key = str(tier) if item.is_tiered and tier is not None else None
                scored = score_of(item, key, typed, rubric.score_step)
                if scored is None:
                    return _back(aid, anchor, item=item_id, error="score", typed=typed)
            if scored is None and not comment:
                return _back(aid, anchor, item=item_id, error="empty")
            if scored is not None:
                decisions.give_score(s, f, item, user.person.id, *scored)
            if comment:
                decisions.add_comment(s, f, item, user.person.id, comment)
        return _back(aid, anchor, saved=item_id)

    return view


def return_unit(app: App):  # type: ignore[no-untyped-def]
    async def view(request: Request, user: DeskUser) -> Response:
        aid = request.path_params["aid"]
        reason = str((await request.form()).get("reason") or "").strip()
        async with app.engine.writing, app.sessions() as s, s.begin():  # one writer: SQLite
            found = await _file(app, s, user, aid, lock=True)
            if found is None:
                return message("not_found", 404)
            f, authority, period, rubric, _ = found
            if f.a.status not in decisions.RETURNABLE:
                return _back(aid, "#decide", error="not_returnable")
            if not reason or len(reason) > TEXT_LIMIT:
                return _back(aid, "#decide", error="reason")
            await decisions.return_to_unit(s, f, user.person.id, reason)
            text = msg("returned_to_unit", period=period, authority=authority, rubric=rubric,
                       reason=reason)  # fmt: skip
            notices = decisions.to_unit(f, Reply(text))
        return _back(aid, "#decide", BackgroundTask(_tell, app, notices), done="returned")

    return view


def rate_unit(app: App):  # type: ignore[no-untyped-def]
    async def view(request: Request, user: DeskUser) -> Response:
        aid = request.path_params["aid"]
        code = str((await request.form()).get("band") or "")
        async with app.engine.writing, app.sessions() as s, s.begin():  # one writer: SQLite
            found = await _file(app, s, user, aid, lock=True)
            if found is None:
                return message("not_found", 404)
            f, _, _, rubric, _ = found
            band = rubric.band(code)
            if f.a.status not in decisions.RETURNABLE:
                return _back(aid, "#decide", error="not_ratable")
            if band is None:
                return _back(aid, "#decide", error="band")
            if decisions.missing(f, rubric):
                return _back(aid, "#decide", error="missing")
            decisions.rate(f, user.person.id, band)
            decisions.confirm(s, f, rubric, user.person.id)
            text = msg("appraised_to_unit", unit=f.unit, band=band)
            notices = decisions.to_unit(f, Reply(text, report_for=f.a.id))
        return _back(aid, "#decide", BackgroundTask(_tell, app, notices), done="appraised")

    return view


INLINE = ("image/jpeg", "image/png", "image/webp", "application/pdf")  # the browser shows them


def evidence_file(app: App):  # type: ignore[no-untyped-def]
    """An evidence file of a unit the appraiser may see: photos and PDFs shown by the browser,
    other files downloaded."""

    async def view(request: Request, user: DeskUser) -> Response:
        async with app.sessions() as s:
            e = await s.get(Evidence, request.path_params["eid"])
            if e is None or await _file(app, s, user, e.assessment_id, to_read=True) is None:
                return message("not_found", 404)
        path = app.files.root / e.storage_key
        if not path.is_file():
            return message("missing_file", 404)
        how = "inline" if e.mime_type in INLINE else "attachment"
        headers = {**HEADERS, "Content-Disposition": content_disposition(e.original_name, how)}
        return FileResponse(path, media_type=e.mime_type, headers=headers)

    return view


def documents(app: App):  # type: ignore[no-untyped-def]
    """The unit's report (``kind`` unit or outline: a draft until submitted) or its evidence
    bundle (``bundle``), made as the chat makes them."""

    async def view(request: Request, user: DeskUser) -> Response:
        aid, kind = request.path_params["aid"], request.path_params["kind"]
        async with app.sessions() as s:
            found = await _file(app, s, user, aid, to_read=True)
        if found is None or kind not in ("unit", "outline", "bundle"):
            return message("not_found", 404)
        draft = found.f.a.status == Status.DRAFT
        if kind == "bundle":
            if app.engine.make_bundle is None:
                return message("not_found", 404)
            path = await app.engine.make_bundle("unit", aid)
            name = path.name
        else:
            path = (await app.engine.make_report(aid, (kind,), draft))[0]
            name = app.reports.titles.get(path) or path.name
        headers = {**HEADERS, "Content-Disposition": content_disposition(name)}
        return FileResponse(path, headers=headers)

    return view
