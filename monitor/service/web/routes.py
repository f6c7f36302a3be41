"""The web inbox's routes, as one Starlette app. See site.py for what every page shares."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.errors import MonitorError
from monitor.service.web import login, pages
from monitor.service.web.site import SecurityHeaders, Site, message, site_of


async def healthz(request: Request) -> Response:
    try:
        site_of(request).db.one("SELECT 1")
    except MonitorError:
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")


async def not_found(request: Request, exc: Exception) -> Response:
    return message(request, 404, "Not found", "There is nothing here.")


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    return message(request, 405, "Not allowed", "This page cannot be used that way.")


def create_app(current: Callable[[], Site]) -> Starlette:
    routes = [
        Route("/", pages.inbox, methods=["GET"]),
        Route("/m/{mention_id:int}", pages.mention, methods=["GET"]),
        Route("/m/{mention_id:int}/act", pages.act, methods=["POST"]),
        Route("/m/{mention_id:int}/note", pages.note, methods=["POST"]),
        Route("/m/{mention_id:int}/assign", pages.assign, methods=["POST"]),
        Route("/m/{mention_id:int}/reply", pages.reply, methods=["POST"]),
        Route("/login", login.form, methods=["GET"]),
        Route("/login", login.submit, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Mount("/static", StaticFiles(packages=[("monitor.service.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
    app.state.current = current
    return app
