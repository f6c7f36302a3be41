"""What every page of the web inbox needs: the current Site, who is asking, rendering, the headers on every answer.

`Site` is what a request needs from the running configuration (database, brands, links, sessions, users); the
daemon hands `routes.create_app` a function returning the current one, so a reload is followed without restarting
the listener. Handlers run on the daemon's event loop, so the database keeps one writer; password hashing, the only
slow step, runs in a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.clock import Clock
from monitor.config import Web
from monitor.hours import Promise
from monitor.service.replies import ReplyDesk
from monitor.service.web.links import MentionLinks
from monitor.service.web.sessions import COOKIE, Session, Sessions
from monitor.service.web.view import environment
from monitor.storage.database import Database
from monitor.storage.users import User, Users

# No scripts at all, styles only from our own file, forms only to ourselves, never framed, no referrer (a page's URL
# may hold a capability token; the link to the original post must not carry it away).
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


@dataclass
class Site:
    db: Database
    clock: Clock
    web: Web
    brands: list[str]  # the own brands, in config order
    links: MentionLinks
    sessions: Sessions
    env: Environment
    promise: Promise  # [response]: when an answer is due (the inbox's "5 h left to answer")
    desk: ReplyDesk | None = None  # answering from the mention page: the reply manual and the owner APIs


def make_site(
    db: Database,
    clock: Clock,
    web: Web,
    brands: list[str],
    promise: Promise | None = None,
    desk: ReplyDesk | None = None,
) -> Site:
    """`promise`: `Config.promise`; None is the promise without [response] (24 h by the wall clock). `desk`: how
    replies are sent (None: the page offers no reply box)."""
    promise = promise or Promise()
    return Site(
        db=db,
        clock=clock,
        web=web,
        brands=brands,
        links=MentionLinks(web.secret, web.public_url, web.link_ttl, clock),
        sessions=Sessions(web.secret, web.session_ttl, clock, secure=web.public_url.startswith("https://")),
        env=environment(promise),
        promise=promise,
        desk=desk,
    )


@dataclass(frozen=True)
class Visitor:
    """Who is asking: their session, and the user when the session is a live login."""

    session: Session
    user: User | None


def site_of(request: Request) -> Site:
    current: Callable[[], Site] = request.app.state.current
    return current()


def visitor(request: Request) -> Visitor:
    site = site_of(request)
    session = site.sessions.read(request.cookies.get(COOKIE))
    user = None
    if session.user is not None:
        found = Users(site.db).get(session.user)
        if found is not None and found.session_epoch == session.epoch:
            user = found
    return Visitor(session, user)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    site = site_of(request)
    who: Visitor = context.pop("visitor", None) or visitor(request)
    values = {"now": site.clock.now(), "user": who.user, "csrf": who.session.csrf, "request_path": request.url.path}
    body = site.env.get_template(template).render({**values, **context})
    response = HTMLResponse(body, status_code=status)
    remember(response, site, who.session)
    return response


def remember(response: Response, site: Site, session: Session) -> None:
    if session.fresh:
        response.set_cookie(COOKIE, site.sessions.cookie(session), **site.sessions.cookie_options())  # type: ignore[arg-type]


def message(request: Request, status: int, title: str, text: str) -> HTMLResponse:
    return page(request, "message.html", status=status, title=title, text=text)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (pages, static files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = [(k, v) for k, v in msg.get("headers", []) if k.decode("latin-1") not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                if scope.get("path", "").startswith("/static/"):
                    headers = [(k, v) for k, v in headers if k != b"cache-control"]
                    headers.append((b"cache-control", b"public, max-age=3600"))
                msg["headers"] = headers
            await send(msg)

        await self.app(scope, receive, sending)
