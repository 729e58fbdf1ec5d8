"""The appraiser's desk: the web pages for appraising at an office screen (``/desk``), signed
in from the chat (``/ban``)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.web.desk import overview, unit_page
from bot.web.desk.signin import signed_in, signin, signout
from bot.web.links import Links


def desk_routes(app: App, links: Links) -> list[BaseRoute]:
    def guarded(path: str, view, methods: tuple[str, ...] = ("GET",)) -> Route:  # type: ignore[no-untyped-def]
        return Route(path, signed_in(app, view), methods=list(methods))

    return [
        Route("/desk/signin/{token}", signin(app, links), methods=["GET"]),
        guarded("/desk", overview.overview(app)),
        guarded("/desk/signout", signout(app), ("POST",)),
        guarded("/desk/units/{aid:int}", unit_page.unit_view(app)),
        guarded("/desk/units/{aid:int}/items/{item}", unit_page.save_item(app), ("POST",)),
        guarded("/desk/units/{aid:int}/return", unit_page.return_unit(app), ("POST",)),
        guarded("/desk/units/{aid:int}/rating", unit_page.rate_unit(app), ("POST",)),
        guarded("/desk/units/{aid:int}/documents/{kind}", unit_page.documents(app)),
        guarded("/desk/files/{eid:int}", unit_page.evidence_file(app)),
    ]
