"""Web routes behind the signed links: file download (``/f/…``), the evidence upload page
(``/u/…``, bot.web.upload) and that page's script."""

from __future__ import annotations

import unicodedata
from email.utils import encode_rfc2231

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.web.links import LinkExpired, LinkInvalid, Links
from bot.web.pages import HEADERS, page
from bot.web.upload import Uploads, upload_route
from storage.filetypes import guess_mime


def content_disposition(filename: str, how: str = "attachment") -> str:
    """``attachment`` (or ``inline``) with the real name in UTF-8 (``filename*``, RFC
    6266/5987, encoded by the stdlib) and an ASCII fallback without diacritics for clients that
    know only ``filename``."""
    folded = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    fallback = "".join(c for c in folded if c.isascii() and not unicodedata.combining(c))
    fallback = "".join(c if c.isalnum() or c in "._- ()" else "_" for c in fallback).strip()
    return f'{how}; filename="{fallback or "tep"}"; filename*={encode_rfc2231(filename, "utf-8")}'


def download_route(links: Links) -> Route:
    async def download(request: Request) -> Response:
        try:
            grant = links.read_download(request.path_params["token"])
            path = links.path_of(grant)
        except LinkExpired:
            return page("web_message.html.j2", 410, reason="expired_download")
        except LinkInvalid:
            return page("web_message.html.j2", 403, reason="invalid_download")
        if not path.is_file():
            return page("web_message.html.j2", 404, reason="missing_file")
        with path.open("rb") as fh:
            head = fh.read(8192)
        return FileResponse(
            path,
            media_type=guess_mime(grant.filename, head),
            headers={**HEADERS, "Content-Disposition": content_disposition(grant.filename)},
        )

    return Route("/f/{token}", download, methods=["GET"])


def file_routes(
    app: App, links: Links, uploads: Uploads, *, max_files: int = 10
) -> list[BaseRoute]:
    static = StaticFiles(packages=[("bot.web", "static")])
    return [
        download_route(links),
        upload_route(app, links, uploads, max_files),
        Mount("/static", static, name="static"),  # the upload page's script (upload.js)
    ]
