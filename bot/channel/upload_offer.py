"""Links to the web app in a chat: the upload page offered under every item's question on Zalo
(for the item a file sent now would prove) and on Telegram for a file over the chat's limit;
the download link of a document on Zalo and on Telegram for one over what a bot may send; an
appraiser's sign-in link to the desk (``/ban``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app import App
from bot.web.links import DESK_LINK_TTL, UploadGrant
from conversations.events import Reply, Sender
from conversations.texts import msg


def expiry(app: App) -> datetime:
    assert app.links is not None
    return datetime.now(UTC) + app.links.ttl


def document_name(app: App, reply: Reply) -> str:
    """The name a document is sent and downloaded under: the reply's own, else a report's title
    ("Báo cáo tự đánh giá … năm 2022 - UBND xã Cửu Cao.docx"), else its file's."""
    assert reply.document is not None
    return reply.filename or app.reports.titles.get(reply.document) or reply.document.name


def download_line(app: App, path: Path, name: str, template: str, missing: str) -> str:
    """The signed link to a document written with ``template``; ``missing`` when no web app
    is configured."""
    if app.links is None:
        return msg(missing, name=name)
    url = app.links.download_url(path, name)
    return msg(template, url=url, name=name, expires=expiry(app))


def upload_line(app: App, sender: Sender, question: Reply, template: str) -> str | None:
    """The link to the upload page for the item a file sent at ``question`` would prove,
    written with ``template`` (None: no file goes anywhere there; a hint when no web app is
    configured)."""
    item = question.upload_item
    if item is None:
        return None
    if app.links is None or question.assessment_id is None:
        return msg("no_upload_link")
    grant = UploadGrant(
        sender.channel, sender.user_id, sender.chat_id, question.assessment_id, item
    )
    url = app.links.upload_url(grant)
    limit = app.settings.max_web_upload_mb
    return msg(template, url=url, expires=expiry(app), limit_mb=limit, item=item)


async def offer(app: App, sender: Sender, template: str) -> Reply | None:
    """The link for the question the person is at now, if a file goes somewhere there."""
    question = await app.engine.peek(sender)
    line = upload_line(app, sender, question, template) if question is not None else None
    return Reply(line) if line else None


def desk_line(app: App, person_id: int) -> str:
    """The sign-in link to the desk for the person (a hint when no web app is configured)."""
    if app.links is None:
        return msg("no_desk_link")
    url = app.links.desk_url(person_id)
    return msg("desk_link", url=url, expires=datetime.now(UTC) + DESK_LINK_TTL)


def with_desk_link(app: App, reply: Reply) -> str:
    """The reply's text, with the sign-in link to the desk when it carries one."""
    if reply.desk_for is None:
        return reply.text
    return f"{reply.text}\n\n{desk_line(app, reply.desk_for)}"
