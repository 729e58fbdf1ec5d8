"""The web pages' common ground: templates, the headers every page carries, its policy."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from rubric.scoring import fmt
from rubric.vietnam import file_size, vn_datetime
from storage import filetypes

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
# Scripts only from this server (the upload page's own, /static/upload.js), none inline; the
# XMLHttpRequest that sends the files goes back to it (connect-src); images from it (the desk's
# evidence photos).
CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SCRIPT_PATH = "/static/upload.js"


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
    env.filters["size"] = file_size
    env.filters["pts"] = fmt
    env.globals |= {
        "accept": filetypes.ACCEPT_ATTRIBUTE,
        "file_types": filetypes.LABELS,
        "script": SCRIPT_PATH,
    }
    return env


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env().get_template(template).render(**context)
    return HTMLResponse(html, status, headers={**HEADERS, "Content-Security-Policy": CSP})
